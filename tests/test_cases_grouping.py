"""Case grouping, risk score and the transition table (engine level)."""

from __future__ import annotations

import math

import pytest
from test_api_support import add_alert, seed_world

from engine import audit, auth, cases, store
from engine.detect.typology import DEFAULT_CASE_WEIGHT
from engine.errors import Conflict, CtfmonError


@pytest.fixture()
def con():
    c = store.connect(":memory:")
    seed_world(c)
    yield c
    c.close()


def test_one_case_per_scheme_and_new_alerts_join_open_case(con) -> None:
    r = cases.sync_cases(con)
    # P2's cycle runs through P4's account: P2 and P4 are one scheme; P1 and P3 stand alone
    assert (r.alerts_added, r.cases_created, r.cases_joined) == (5, 3, 0)
    p2 = cases.list_cases(con, subject=("party", "P2"))[0]
    assert [c["case_id"] for c in p2] == [c["case_id"] for c in cases.list_cases(con, subject=("party", "P4"))[0]]
    assert cases.sync_cases(con) == cases.SyncResult(0, 0, 0)  # idempotent
    add_alert(con, "AL-NEW", "TF-PASS-01", "P1", 0.4)
    r = cases.sync_cases(con)
    assert (r.alerts_added, r.cases_created, r.cases_joined) == (1, 0, 1)
    rows, total = cases.list_cases(con, typology="TF-PASS-01")
    assert total == 1 and rows[0]["subject_id"] == "P1" and rows[0]["alert_count"] == 3


def test_closed_case_is_not_reopened_by_a_new_alert(con) -> None:
    cases.sync_cases(con)
    auth.add_user(con, "s", "supervisor")
    sup = auth.User("s", "supervisor")
    cid = cases.list_cases(con, typology="TF-TBML-02")[0][0]["case_id"]
    cases.transition(con, cid, "in_review", "", sup)
    cases.transition(con, cid, "closed_false_positive", "known trader", sup)
    add_alert(con, "AL-P4-2", "TF-TBML-01", "P4", 0.9)
    r = cases.sync_cases(con)
    assert (r.cases_created, r.cases_joined) == (1, 0)
    p4 = cases.list_cases(con, subject=("party", "P4"), limit=50)[0]
    assert sorted(c["state"] for c in p4) == ["closed_false_positive", "new"]


def test_risk_is_noisy_or_of_weighted_best_alert_per_typology(con) -> None:
    add_alert(con, "AL-CASH-weak", "TF-CASH-01", "P1", 0.3)  # weaker repeat of a typology: no effect
    cases.sync_cases(con)
    p1 = next(c for c in cases.list_cases(con)[0] if c["subject_id"] == "P1")
    w_cash, w_xb = cases.typology_weight(con, "TF-CASH-01"), cases.typology_weight(con, "TF-XB-01")
    expected = 1 - (1 - w_cash * 0.9) * (1 - w_xb * 0.6)
    assert math.isclose(p1["risk_score"], expected, rel_tol=1e-9)


def test_weights_are_the_typologies_case_weights_recorded_by_scans(con) -> None:
    # seed_world records the catalogue as a scan does; the weights come from each typology.yaml
    assert cases.typology_weight(con, "SAN-01") == 1.0 and cases.typology_weight(con, "TF-TBML-02") == 0.8
    assert cases.typology_weight(con, "TF-CASH-01") == 0.9 and cases.typology_weight(con, "ML-NET-06") == 0.85
    assert cases.typology_weight(con, "XYZ") == DEFAULT_CASE_WEIGHT  # no metadata on record
    con.execute("UPDATE typology_catalogue SET case_weight = 0.5 WHERE typology_id = 'TF-CASH-01'")
    cases.sync_cases(con)
    p1 = next(c for c in cases.list_cases(con)[0] if c["subject_id"] == "P1")
    assert math.isclose(p1["risk_score"], 1 - (1 - 0.5 * 0.9) * (1 - 0.9 * 0.6), rel_tol=1e-9)


def test_due_date_from_sla(con, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.config import get_settings

    monkeypatch.setenv("CTFMON_CASE_SLA_DAYS_BY_PRIORITY", '{"high": 2, "medium": 9, "low": 40}')
    get_settings.cache_clear()
    cases.sync_cases(con)
    days = {c["subject_id"]: (c["due_at"] - c["created_at"]).days for c in cases.list_cases(con)[0]}
    risk = {c["subject_id"]: c["risk_score"] for c in cases.list_cases(con)[0]}
    for sid, d in days.items():
        assert d == (2 if risk[sid] >= 0.8 else 9 if risk[sid] >= 0.5 else 40), (sid, risk[sid], d)
    assert {2, 9} <= set(days.values())


def test_transition_table_is_complete_and_consistent() -> None:
    for (frm, to), rule in cases.TRANSITIONS.items():
        assert frm in cases.STATES and to in cases.STATES and frm != to
        assert rule.direct, (frm, to)
        assert not (rule.propose & rule.direct)
        if rule.propose:
            assert to in cases.DISPOSITIONS
    for s in cases.STATES:
        if s != "str_filed":
            assert cases.allowed_transitions(s), s
    assert cases.allowed_transitions("str_filed") == {}


def test_illegal_transition_names_allowed_targets(con) -> None:
    cases.sync_cases(con)
    auth.add_user(con, "a", "analyst")
    cid = cases.list_cases(con)[0][0]["case_id"]
    with pytest.raises(Conflict, match="allowed: in_review"):
        cases.transition(con, cid, "str_filed", "x", auth.User("a", "analyst"))
    with pytest.raises(CtfmonError) as exc:
        cases.transition(con, cid, "in_review", "", auth.User("x", "auditor"))
    assert exc.value.http_status == 403


def test_sync_writes_audit_entries(con) -> None:
    cases.sync_cases(con, actor="schedule:S1")
    entries, total = audit.list_entries(con, action="case.create")
    assert total == 3 and {e["actor"] for e in entries} == {"schedule:S1"}
    net = next(e for e in entries if e["after"]["subject_id"] == "P2")
    assert net["after"]["subjects"] == ["party P2", "party P4"]
    assert audit.verify_chain(con) == (True, None)
