"""Network cases: the linking rules (positive and negative), re-grouping, merge and split."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from test_api_support import insert

from engine import audit, auth, case_edit, case_lineage, case_links, cases, store
from engine.errors import Conflict, CtfmonError, NotFound

T0 = datetime(2026, 5, 4, 9, 0, 0)
ANALYST = auth.User("ana", "analyst")
AUDITOR = auth.User("aud", "auditor")


def _party(pid: str, name: str, *, party_type: str = "individual", occupation: str | None = None) -> dict[str, Any]:
    return {"party_id": pid, "party_type": party_type, "name": name, "country": "SG", "occupation": occupation,
            "_batch_id": 1}


def _acct(aid: str, pid: str) -> dict[str, Any]:
    return {"account_id": aid, "party_id": pid, "institution_id": "B", "country": "SG", "account_type": "current",
            "currency": "USD", "_batch_id": 1}


def _txn(tid: str, at: datetime, frm: str | None, to: str | None, amount: float = 5000) -> dict[str, Any]:
    return {"txn_id": tid, "timestamp": at, "channel": "wire", "from_account": frm, "to_account": to,
            "amount": amount, "currency": "USD", "amount_base": amount, "_batch_id": 1}


def _decl(did: str, at: datetime, party: str, ref: str | None) -> dict[str, Any]:
    return {"declaration_id": did, "timestamp": at, "traveller_name": party, "party_id": party,
            "direction": "outbound", "port": "DXB", "origin_country": "AE", "destination_country": "PK",
            "amount": 9500, "currency": "USD", "amount_base": 9500, "declared": True, "transport_ref": ref,
            "_batch_id": 1}


def _alert(con, aid: str, subject: str, evidence: list[str], *, typology: str = "ML-NET-04", score: float = 0.7,
           start: datetime = T0, days: int = 5, details: dict[str, Any] | None = None) -> None:
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, 'party', ?, ?, ?, ?, ?, ?, ?, 'SC-T', ?)",
        [aid, typology, subject, score, start, start + timedelta(days=days), evidence, f"{typology} {subject}",
         json.dumps(details or {}), start + timedelta(days=days + 1)],
    )


def _graph(*edges: tuple[str, str]) -> dict[str, Any]:
    return {"edges": [{"from": a, "to": b, "amount": 1000} for a, b in edges]}


@pytest.fixture()
def con():
    c = store.connect(":memory:")
    parties = [_party(f"P{i}", f"Person {i}") for i in range(1, 10)]
    parties += [_party("BILL", "City Power", party_type="business", occupation="electricity utility"),
                _party("EMP", "Big Employer", party_type="business")]
    insert(c, "parties", parties)
    insert(c, "accounts", [_acct(f"A{i}", f"P{i}") for i in range(1, 10)]
           + [_acct("ABILL", "BILL"), _acct("AEMP", "EMP")])
    auth.add_user(c, "ana", "analyst")
    yield c
    c.close()


def _groups(con, **rules: Any) -> list[list[str]]:
    return case_links.alert_groups(con, "SELECT alert_id FROM alerts", case_links.LinkRules(**rules))


# --------------------------------------------------------------------------- linking rules
def test_shared_evidence_and_subgraph_link_subjects(con) -> None:
    insert(con, "transactions", [_txn("T1", T0, "A1", "A2"), _txn("T2", T0 + timedelta(hours=5), "A2", "A3")])
    _alert(con, "X1", "P1", ["T1", "T2"], details=_graph(("A1", "A2"), ("A2", "A3")))
    _alert(con, "X2", "P2", ["T1", "T2"], details=_graph(("A1", "A2"), ("A2", "A3")))
    _alert(con, "X3", "P3", ["T2"])  # shares evidence only
    _alert(con, "X4", "P4", [], typology="TF-CASH-01")  # nothing in common
    assert _groups(con) == [["X1", "X2", "X3"], ["X4"]]


def test_transport_reference_links_travellers_on_one_trip_only(con) -> None:
    insert(con, "cash_declarations", [
        _decl("D1", T0, "P1", "EK612"), _decl("D2", T0 + timedelta(hours=1), "P2", "EK612"),
        _decl("D3", T0 + timedelta(days=9), "P3", "EK612"),  # same flight number, another day
        _decl("D4", T0, "P4", None)])
    for i in range(1, 5):
        _alert(con, f"C{i}", f"P{i}", [f"D{i}"], typology="TF-CASH-03")
    assert _groups(con) == [["C1", "C2"], ["C3"], ["C4"]]


def test_direct_transfer_inside_the_window_links_and_the_window_is_tunable(con) -> None:
    insert(con, "transactions", [_txn("T1", T0 + timedelta(days=2), "A1", "A2"),
                                 _txn("T2", T0 + timedelta(days=9), "A3", "A4")])
    for i in range(1, 5):
        _alert(con, f"X{i}", f"P{i}", [], typology="TF-XB-01")
    # T1 lies inside the windows (T0 .. T0+5d); T2 lies 4 days after them
    assert _groups(con) == [["X1", "X2"], ["X3"], ["X4"]]
    assert _groups(con, transfer_days=4) == [["X1", "X2"], ["X3", "X4"]]


def test_customers_of_one_biller_are_not_linked(con) -> None:
    """Everyday activity: paying one utility links nobody, through subgraphs or transfers."""
    insert(con, "transactions", [_txn("T1", T0, "A1", "ABILL"), _txn("T2", T0, "A2", "ABILL")])
    _alert(con, "X1", "P1", ["T1"], details=_graph(("A1", "ABILL")))
    _alert(con, "X2", "P2", ["T2"], details=_graph(("A2", "ABILL")))
    _alert(con, "XB", "BILL", [], typology="ML-NET-01")  # even when the biller is alerted itself
    assert _groups(con) == [["X1"], ["X2"], ["XB"]]


def test_staff_of_one_employer_are_not_linked(con) -> None:
    """A collector or distributor by its number of counterparties (here: 100 staff paid),
    and the monthly salary is a recurring relationship, not a link."""
    staff = [_acct(f"S{i}", "EMP") for i in range(0)]  # staff accounts are other parties' accounts
    insert(con, "parties", [_party(f"W{i}", f"Worker {i}") for i in range(100)])
    insert(con, "accounts", staff + [_acct(f"AW{i}", f"W{i}") for i in range(100)])
    txns = [_txn(f"PAY{i}", T0 - timedelta(days=30 * m), "AEMP", f"AW{i}") for i in range(100) for m in range(3)]
    insert(con, "transactions", txns)
    _alert(con, "X1", "W1", ["PAY1"], details=_graph(("AEMP", "AW1")))
    _alert(con, "X2", "W2", ["PAY2"], details=_graph(("AEMP", "AW2")))
    _alert(con, "XE", "EMP", [], typology="TF-XB-01", start=T0 - timedelta(days=2))
    assert _groups(con) == [["X1"], ["X2"], ["XE"]]
    # below the collector cut-off the salary transfers are still a recurring relationship
    assert _groups(con, collector_min_counterparties=1000) == [["X1", "X2", "XE"]]  # shared subgraph node
    # (the shared employer account is a subgraph link once the employer is no collector)


def test_recurring_relationship_is_not_a_transfer_link(con) -> None:
    insert(con, "transactions", [_txn(f"R{m}", T0 - timedelta(days=31 * m) + timedelta(days=1), "A1", "A2")
                                 for m in range(4)])
    _alert(con, "X1", "P1", [], typology="TF-XB-01")
    _alert(con, "X2", "P2", [], typology="TF-XB-01")
    assert _groups(con) == [["X1"], ["X2"]]
    assert _groups(con, recurring_min_months=5) == [["X1", "X2"]]


def test_a_subject_in_two_schemes_keeps_them_apart(con) -> None:
    later, last = T0 + timedelta(days=30), T0 + timedelta(days=60)
    insert(con, "transactions", [_txn("E1", T0, "A1", "A2"), _txn("E2", later, "A1", "A3")])
    _alert(con, "S1", "P1", ["E1"])
    _alert(con, "T1", "P2", ["E1"])
    _alert(con, "S2", "P1", ["E2"], typology="ML-NET-02", start=later)
    _alert(con, "U1", "P3", ["E2"], typology="ML-NET-02", start=later)
    _alert(con, "S3", "P1", [], typology="TF-CASH-01", start=last)  # P1's own, in neither scheme
    assert _groups(con) == [["S1", "T1"], ["S2", "U1"], ["S3"]]


def test_a_subject_in_one_scheme_brings_its_other_alerts(con) -> None:
    insert(con, "transactions", [_txn("E1", T0, "A1", "A2")])
    _alert(con, "S1", "P1", ["E1"])
    _alert(con, "T1", "P2", ["E1"])
    _alert(con, "S3", "P1", [], typology="TF-CASH-01")
    assert _groups(con) == [["S1", "S3", "T1"]]


# --------------------------------------------------------------------------- sync and re-grouping
def _case_of(con, alert_id: str) -> str:
    return con.execute("SELECT case_id FROM case_alerts WHERE alert_id = ?", [alert_id]).fetchall()[0][0]


def test_sync_keeps_ids_and_merges_untouched_cases_a_new_alert_links(con) -> None:
    insert(con, "transactions", [_txn("E1", T0, "A1", "A2"), _txn("E2", T0, "A2", "A3")])
    _alert(con, "X1", "P1", ["E1"], typology="TF-XB-01")
    _alert(con, "X3", "P3", ["E2"], typology="TF-XB-01", start=T0 + timedelta(days=20))
    cases.sync_cases(con)
    c1, c3 = _case_of(con, "X1"), _case_of(con, "X3")
    assert c1 != c3
    _alert(con, "X2", "P2", ["E1", "E2"], score=0.9)  # P2's layering alert names both transfers
    r = cases.sync_cases(con)
    assert (r.alerts_added, r.cases_created, r.cases_merged) == (1, 0, 1)
    assert _case_of(con, "X2") == _case_of(con, "X3") == c1  # the oldest id stays
    with pytest.raises(NotFound, match=f"merged into {c1}"):
        cases.get_case(con, c3)
    detail = cases.get_case(con, c1)
    assert [s["subject_id"] for s in detail["subjects"]] == ["P1", "P2", "P3"]
    assert detail["lineage"][0]["kind"] == "regroup" and detail["lineage"][0]["other_case_id"] == c3
    regrouped, _ = audit.list_entries(con, action="case.regrouped")
    assert [e["object_id"] for e in regrouped] == [c3] and regrouped[0]["after"]["merged_into"] == c1


def test_sync_does_not_merge_a_case_an_analyst_works_on(con) -> None:
    insert(con, "transactions", [_txn("E1", T0, "A1", "A2"), _txn("E2", T0, "A2", "A3")])
    _alert(con, "X1", "P1", ["E1"], typology="TF-XB-01")
    _alert(con, "X3", "P3", ["E2"], typology="TF-XB-01", start=T0 + timedelta(days=20))
    cases.sync_cases(con)
    c1, c3 = _case_of(con, "X1"), _case_of(con, "X3")
    cases.add_note(con, c3, "looking at it", ANALYST)
    _alert(con, "X2", "P2", ["E1", "E2"], score=0.9)
    assert cases.sync_cases(con).cases_merged == 0
    assert _case_of(con, "X2") == c1 and _case_of(con, "X3") == c3
    assert [r["case_id"] for r in cases.get_case(con, c1)["related_cases"]] == [c3]


def test_related_cases_share_a_party_or_a_counterparty_but_not_a_biller(con) -> None:
    insert(con, "parties", [_party(f"C{i}", f"Customer {i}") for i in range(100)])
    insert(con, "accounts", [_acct(f"AC{i}", f"C{i}") for i in range(100)])
    insert(con, "transactions", [_txn(f"B{i}", T0 - timedelta(days=40), f"AC{i}", "ABILL") for i in range(100)]
           + [_txn("M1", T0, "A1", "A9"), _txn("M2", T0, "A2", "A9"),
              _txn("K1", T0, "A1", "ABILL"), _txn("K2", T0, "A3", "ABILL")])
    _alert(con, "X1", "P1", ["M1", "K1"], typology="TF-REM-01")
    _alert(con, "X2", "P2", ["M2"], typology="TF-REM-01", start=T0 + timedelta(days=60))
    _alert(con, "X3", "P3", ["K2"], typology="TF-REM-01", start=T0 + timedelta(days=60))
    cases.sync_cases(con)
    c1, c2 = _case_of(con, "X1"), _case_of(con, "X2")
    related = cases.get_case(con, c1)["related_cases"]
    assert [r["case_id"] for r in related] == [c2]  # A9 shared; the biller ABILL is not
    assert related[0]["reasons"] == ["shared counterparty A9"]


# --------------------------------------------------------------------------- merge and split
@pytest.fixture()
def three(con):
    for i in (1, 2, 3):
        _alert(con, f"X{i}", f"P{i}", [], typology="TF-CASH-01", score=0.5 + i / 10)
    _alert(con, "Y3", "P3", [], typology="TF-XB-01", score=0.4)
    cases.sync_cases(con)
    return con, [_case_of(con, a) for a in ("X1", "X2", "X3")]


def test_merge_moves_alerts_and_notes_and_is_audited(three) -> None:
    con, (c1, c2, c3) = three
    cases.add_note(con, c2, "same family", ANALYST)
    out = case_edit.merge_cases(con, c1, [c2, c3], "one household moving cash together", ANALYST)
    assert out["alert_count"] == 4 and out["typologies"] == ["TF-CASH-01", "TF-XB-01"]
    full = cases.get_case(con, c1)
    assert [n["text"] for n in full["notes"]] == ["same family"]
    assert {s["subject_id"] for s in full["subjects"]} == {"P1", "P2", "P3"}
    assert full["subjects"][0]["subject_id"] == "P1" and full["subjects"][0]["primary"]
    assert [(x["kind"], x["other_case_id"]) for x in full["lineage"]] == [("merge", c2), ("merge", c3)]
    entries, _ = audit.list_entries(con, object_id=c1, action="case.merge")
    assert entries[0]["actor"] == "ana" and entries[0]["after"]["reason"] == "one household moving cash together"
    assert case_lineage.merged_into(con, c3) == c1
    assert audit.verify_chain(con) == (True, None)


@pytest.mark.parametrize(("args", "error", "status", "match"), [
    (("CASE-X", ["{c2}"], "r"), NotFound, 404, "no case 'CASE-X'"),
    (("{c1}", ["{c1}"], "r"), CtfmonError, 422, "with itself"),
    (("{c1}", [], "r"), CtfmonError, 422, "at least one case"),
    (("{c1}", ["{c2}"], "  "), CtfmonError, 422, "give a reason"),
])
def test_merge_refusals(three, args, error, status, match) -> None:
    con, (c1, c2, _c3) = three
    target, others, reason = args
    fmt = {"c1": c1, "c2": c2}
    with pytest.raises(error, match=match) as exc:
        case_edit.merge_cases(con, target.format(**fmt), [o.format(**fmt) for o in others], reason, ANALYST)
    assert exc.value.http_status == status
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 3  # nothing half-done


def test_merge_refuses_closed_cases_and_other_roles(three) -> None:
    con, (c1, c2, _c3) = three
    sup = auth.User("sup", "supervisor")
    cases.transition(con, c2, "in_review", "", sup)
    cases.transition(con, c2, "closed_no_action", "explained", sup)
    with pytest.raises(Conflict, match=f"case {c2} is closed_no_action"):
        case_edit.merge_cases(con, c1, [c2], "r", ANALYST)
    with pytest.raises(CtfmonError, match="role auditor may not merge") as exc:
        case_edit.merge_cases(con, c1, [c2], "r", AUDITOR)
    assert exc.value.http_status == 403


def test_split_moves_subjects_out_and_the_grouping_does_not_undo_it(con) -> None:
    insert(con, "transactions", [_txn("E1", T0, "A1", "A2")])
    _alert(con, "S1", "P1", ["E1"], score=0.9)
    _alert(con, "T1", "P2", ["E1"])
    _alert(con, "T2", "P2", [], typology="TF-CASH-01")
    cases.sync_cases(con)
    cid = _case_of(con, "S1")
    out = case_edit.split_case(con, cid, subjects=["P2"], reason="P2 is the victim, not a party", user=ANALYST)
    new = out["new_case"]["case_id"]
    assert out["case"]["alert_count"] == 1 and out["new_case"]["alert_count"] == 2
    assert out["new_case"]["subject_id"] == "P2" and out["new_case"]["state"] == "new"
    _alert(con, "T3", "P2", ["E1"], typology="ML-NET-02")  # a new alert linking both again
    assert cases.sync_cases(con).cases_merged == 0
    assert _case_of(con, "T1") == new
    assert [x["kind"] for x in cases.get_case(con, cid)["lineage"]] == ["split"]
    entries, _ = audit.list_entries(con, object_id=cid, action="case.split")
    assert entries[0]["after"]["moved_alerts"] == ["T1", "T2"] and entries[0]["after"]["new_case"] == new


def test_split_of_chosen_alerts_and_refusals(three) -> None:
    con, (_c1, _c2, c3) = three
    with pytest.raises(CtfmonError, match="at least one must stay") as exc:
        case_edit.split_case(con, c3, subjects=["P3"], reason="r", user=ANALYST)
    assert exc.value.http_status == 422
    with pytest.raises(CtfmonError, match="has no alerts NOPE and no subjects P9"):
        case_edit.split_case(con, c3, alert_ids=["NOPE"], subjects=["P9"], reason="r", user=ANALYST)
    with pytest.raises(CtfmonError, match="choose the subjects or alerts"):
        case_edit.split_case(con, c3, reason="r", user=ANALYST)
    out = case_edit.split_case(con, c3, alert_ids=["Y3"], reason="unrelated corridor", user=ANALYST)
    assert out["case"]["typologies"] == ["TF-CASH-01"] and out["new_case"]["typologies"] == ["TF-XB-01"]
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 4


def test_regroup_merges_a_database_grouped_per_subject(con) -> None:
    """A database from before network cases: one case per subject, then `sync --regroup`."""
    insert(con, "transactions", [_txn("E1", T0, "A1", "A2"), _txn("E2", T0, "A2", "A3")])
    _alert(con, "X1", "P1", ["E1"])
    _alert(con, "X2", "P2", ["E1", "E2"])
    _alert(con, "X3", "P3", ["E2"])
    _alert(con, "X4", "P4", [], typology="TF-CASH-01")
    for i, aid in enumerate(("X3", "X1", "X2", "X4")):  # per subject, created in this order
        cid = f"CASE-OLD{i}"
        con.execute("INSERT INTO cases (case_id, subject_type, subject_id, state, risk_score, alert_count, typologies, "
                    "assignee, created_at, updated_at, due_at, closed_at) VALUES (?, 'party', ?, 'new', 0, 1, [], NULL, "
                    "?, ?, ?, NULL)", [cid, f"P{aid[1]}", T0 + timedelta(minutes=i), T0, T0 + timedelta(days=30)])
        con.execute("INSERT INTO case_alerts VALUES (?, ?, ?)", [aid, cid, T0])
    assert cases.sync_cases(con) == cases.SyncResult(0, 0, 0)  # nothing new: nothing moves
    r = cases.sync_cases(con, regroup=True)
    assert (r.alerts_added, r.cases_created, r.cases_merged) == (0, 0, 2)
    assert {_case_of(con, a) for a in ("X1", "X2", "X3")} == {"CASE-OLD0"}  # the oldest id stays
    assert _case_of(con, "X4") == "CASE-OLD3"
    assert cases.get_case(con, "CASE-OLD0")["alert_count"] == 3
