"""Loading a new list version: new, amended and removed entries, the alerts they raise (naming the
change, the listing date and the payments before and after it), and open cases on removed entries
flagged for review (national_v1.csv -> national_v2.csv: NAT-002 gains an alias, NAT-003 is
removed, NAT-005 is new)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from engine import store
from engine.errors import CtfmonError
from engine.screening import changes
from services import lists as list_service
from services.typologies import catalogue

DATA = Path(__file__).parent / "data" / "screening"


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        row = {**row, "_batch_id": 1}
        con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                    list(row.values()))


def account(aid: str, pid: str | None) -> dict[str, Any]:
    return {"account_id": aid, "party_id": pid, "institution_id": "BANKSGSG", "country": "SG",
            "account_type": "current", "currency": "USD"}


def txn(tid: str, ts: datetime, frm: str | None, to: str | None, amount: float, **kw: Any) -> dict[str, Any]:
    return {"txn_id": tid, "timestamp": ts, "channel": "wire", "from_account": frm, "to_account": to,
            "amount": amount, "amount_base": amount, "currency": "USD", **kw}


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = store.connect(":memory:")
    insert(c, "parties", [
        {"party_id": "P1", "party_type": "individual", "name": "Kareem Haddadin", "country": "SG",
         "date_of_birth": date(1975, 3, 14), "nationality": "JO"},
        {"party_id": "P3", "party_type": "npo", "name": "Crescent Relief Foundation for Orphans Ltd", "country": "SG"},
        {"party_id": "P6", "party_type": "individual", "name": "Lena Ostrova", "country": "SG"},
        {"party_id": "P9", "party_type": "individual", "name": "Tarquin Bellweather-Ostrowski", "country": "SG",
         "date_of_birth": date(1959, 2, 2), "nationality": "GB"},
    ])
    insert(c, "accounts", [account("A6", "P6"), account("A9", "P9")])
    insert(c, "transactions", [
        # P9, listed as NAT-005 on 2025-05-14: one payment before the listing, two after
        txn("T91", datetime(2025, 1, 10, 9), "A9", "X1", 1200),
        txn("T92", datetime(2025, 6, 1, 9), "X2", "A9", 3400),
        txn("T93", datetime(2025, 7, 1, 9), "A9", "X3", 500),
        # P6 pays the name NAT-002 gains as an alias in v2 (listed 2024-02-11)
        txn("T61", datetime(2024, 1, 5, 9), "A6", "X4", 700, beneficiary_name="Zephyrine Okonkwo"),
        txn("T62", datetime(2025, 3, 5, 9), "A6", "X4", 900, beneficiary_name="Zephyrine Okonkwo"),
        txn("T63", datetime(2025, 3, 6, 9), "A6", "X5", 50, beneficiary_name="John Smith"),
    ])
    insert(c, "cash_declarations", [
        {"declaration_id": "D1", "timestamp": datetime(2025, 7, 2, 8), "traveller_name": "Tarquin Bellweather-Ostrowski",
         "party_id": "P9", "nationality": "GB", "direction": "outbound", "port": "SIN", "origin_country": "SG",
         "destination_country": "GB", "amount": 9000, "amount_base": 9000, "currency": "USD", "declared": True},
    ])
    list_service.load_list(c, catalogue(), DATA / "national_v1.csv", actor="t", triggered_by="test", list_name="NAT")
    return c


def change_alerts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.sql("SELECT alert_id, typology_id, subject_id, evidence, explanation, details FROM alerts "
                   "WHERE json_extract_string(details, '$.list_change.reference') IS NOT NULL "
                   "ORDER BY typology_id, subject_id").pl().to_dicts()
    for r in rows:
        r["details"] = json.loads(r["details"])
    return rows


def load_v2(con: duckdb.DuckDBPyConnection, **kw: Any) -> list_service.ListLoadOutcome:
    return list_service.load_list(con, catalogue(), DATA / "national_v2.csv", actor="t", triggered_by="test",
                                  list_name="NAT", **kw)


def test_entry_changes_new_amended_removed(con: duckdb.DuckDBPyConnection) -> None:
    out = load_v2(con)
    got = {c.reference: (c.change, c.fields) for c in out.changes}
    # NAT-001 and NAT-004 are unchanged and absent
    assert got == {"NAT-002": ("amended", ["names"]), "NAT-003": ("removed", []), "NAT-005": ("new", [])}


def test_first_version_screens_no_changes(con: duckdb.DuckDBPyConnection) -> None:
    assert change_alerts(con) == []
    assert con.execute("SELECT count(*) FROM screening_list_changes").fetchone()[0] == 0


def test_new_entry_alert_names_change_and_splits_payments(con: duckdb.DuckDBPyConnection) -> None:
    out = load_v2(con)
    party = [a for a in change_alerts(con) if a["typology_id"] == "SAN-01" and "payments_after_listing" in a["details"]]
    assert [a["subject_id"] for a in party] == ["P9"]
    d = party[0]["details"]
    assert d["list_change"] == {"list_name": "NAT", "version_id": out.loaded.version_id,
                                "previous_version_id": out.loaded.previous_version_id, "reference": "NAT-005",
                                "change": "new", "changed_fields": []}
    assert d["listed_on"] == "2025-05-14"
    assert [p["txn_id"] for p in d["payments_after_listing"]] == ["T92", "T93"]
    assert [p["txn_id"] for p in d["payments_before_listing"]] == ["T91"]
    assert d["total_after_listing"] == 3900.0 and d["total_before_listing"] == 1200.0
    expl = party[0]["explanation"]
    assert f"list version {out.loaded.version_id}" in expl and "listed on 2025-05-14" in expl
    assert "must be frozen and reported first" in expl
    # the alert joined a case on P9
    assert con.execute("SELECT count(*) FROM case_alerts WHERE alert_id = ?", [party[0]["alert_id"]]).fetchone()[0] == 1


def test_amended_entry_screens_payment_names(con: duckdb.DuckDBPyConnection) -> None:
    load_v2(con)
    pay = [a for a in change_alerts(con) if a["typology_id"] == "SAN-02"]
    assert [a["subject_id"] for a in pay] == ["P6"]
    d = pay[0]["details"]
    assert d["list_change"]["change"] == "amended" and d["list_change"]["changed_fields"] == ["names"]
    assert d["reference"] == "NAT-002" and d["listed_on"] == "2024-02-11"
    assert [p["txn_id"] for p in d["payments_before_listing"]] == ["T61"]
    assert [p["txn_id"] for p in d["payments_after_listing"]] == ["T62"]
    assert "amended (names changed)" in pay[0]["explanation"]
    assert "T63" not in pay[0]["evidence"]


def test_cash_declaration_of_new_entry(con: duckdb.DuckDBPyConnection) -> None:
    load_v2(con)
    decl = [a for a in change_alerts(con) if "declarations" in a["details"]]
    assert [a["subject_id"] for a in decl] == ["P9"]
    d = decl[0]["details"]
    assert [x["declaration_id"] for x in d["declarations"]] == ["D1"]
    assert d["declarations_after_listing"] == 1 and d["declarations_before_listing"] == 0


def test_lookback_limits_the_screened_history(con: duckdb.DuckDBPyConnection) -> None:
    load_v2(con, lookback_days=60)  # latest activity 2025-07-02: from 2025-05-03 on
    by_ref = {a["details"]["reference"]: a for a in change_alerts(con) if "payments_after_listing" in a["details"]}
    assert [p["txn_id"] for p in by_ref["NAT-005"]["details"]["payments_before_listing"]] == []
    assert [p["txn_id"] for p in by_ref["NAT-005"]["details"]["payments_after_listing"]] == ["T92", "T93"]
    assert "NAT-002" not in by_ref  # its payments are all older than the lookback


def test_bad_lookback_refused_before_loading(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(CtfmonError, match="lookback must be a positive number of days, not 0"):
        load_v2(con, lookback_days=0)
    assert con.execute("SELECT count(*) FROM screening_list_versions").fetchone()[0] == 1


def test_removed_entry_flags_open_case(con: duckdb.DuckDBPyConnection) -> None:
    case_id = con.execute("SELECT case_id FROM cases WHERE subject_id = 'P3'").fetchone()[0]
    untouched = con.execute("SELECT case_id FROM cases WHERE subject_id = 'P1'").fetchone()[0]
    out = load_v2(con)
    removed = [c for c in out.changes if c.change == "removed"][0]
    assert removed.case_ids == [case_id]
    notes = con.execute("SELECT author, text FROM case_notes WHERE case_id = ?", [case_id]).fetchall()
    assert len(notes) == 1 and "NAT-003 was removed in list version" in notes[0][1]
    assert con.execute("SELECT count(*) FROM case_notes WHERE case_id = ?", [untouched]).fetchone()[0] == 0
    entry = con.execute("SELECT object_id, after_state FROM audit_log WHERE action = 'case.flag_review'").fetchall()
    assert [e[0] for e in entry] == [case_id] and json.loads(entry[0][1])["reference"] == "NAT-003"
    caused = changes.caused(con, out.loaded.previous_version_id, out.loaded.version_id)
    assert caused["NAT-003"]["cases_flagged"] == [case_id]
    assert len(caused["NAT-005"]["alerts"]) == 2 and caused["NAT-002"]["alerts"]


def test_closed_case_is_not_flagged(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE cases SET state = 'closed_no_action' WHERE subject_id = 'P3'")
    out = load_v2(con)
    assert [c for c in out.changes if c.change == "removed"][0].case_ids == []
    assert con.execute("SELECT count(*) FROM case_notes").fetchone()[0] == 0


def test_the_api_loads_versions_and_reports_what_each_change_caused() -> None:
    from test_api_support import Clients

    c = Clients(seed=False)
    with c.db.writing() as con:
        insert(con, "parties", [
            {"party_id": "P3", "party_type": "npo", "name": "Crescent Relief Foundation for Orphans Ltd",
             "country": "SG"},
            {"party_id": "P9", "party_type": "individual", "name": "Tarquin Bellweather-Ostrowski", "country": "SG"},
        ])
        insert(con, "accounts", [account("A9", "P9")])
        insert(con, "transactions", [txn("T91", datetime(2025, 1, 10, 9), "A9", "X1", 1200),
                                     txn("T92", datetime(2025, 6, 1, 9), "X2", "A9", 3400)])
    admin = c["admin"]

    def post(name: str, **data: str) -> Any:
        return admin.post("/screening/lists", files={"file": (name, (DATA / name).read_bytes(), "text/csv")},
                          data={"name": "NAT", **data})

    v1 = post("national_v1.csv").json()
    assert v1["changes"] == []
    assert post("national_v2.csv", lookback_days="0").status_code == 422
    r = post("national_v2.csv", lookback_days="3650")
    assert r.status_code == 200, r.text
    v2 = r.json()
    by_ref = {x["reference"]: x for x in v2["changes"]}
    assert by_ref["NAT-005"]["change"] == "new" and len(by_ref["NAT-005"]["alerts"]) == 1
    case_id = by_ref["NAT-003"]["cases_flagged"][0]
    diff = admin.get(f"/screening/lists/{v1['version_id']}/diff/{v2['version_id']}").json()
    assert diff["recorded"] and diff["removed"] == ["NAT-003"]
    assert {x["reference"]: x["change"] for x in diff["changes"]} == {
        "NAT-002": "amended", "NAT-003": "removed", "NAT-005": "new"}
    assert [x["cases_flagged"] for x in diff["changes"] if x["reference"] == "NAT-003"] == [[case_id]]
    case = c["analyst"].get(f"/cases/{case_id}").json()
    assert any("NAT-003 was removed in list version" in n["text"] for n in case["notes"])
    alert = by_ref["NAT-005"]["alerts"][0]
    details = c["analyst"].get(f"/alerts/{alert}").json()["details"]
    assert [p["txn_id"] for p in details["payments_after_listing"]] == ["T92"]
    assert admin.get(f"/screening/lists/{v1['version_id']}/diff/99").status_code == 404


def test_the_cli_loads_and_diffs_with_what_each_change_caused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    db = tmp_path / "lc.duckdb"
    with store.connect(db) as c:
        insert(c, "parties", [{"party_id": "P3", "party_type": "npo", "country": "SG",
                               "name": "Crescent Relief Foundation for Orphans Ltd"},
                              {"party_id": "P9", "party_type": "individual", "country": "SG",
                               "name": "Tarquin Bellweather-Ostrowski"}])
    runner = CliRunner()
    base = ["--name", "NAT", "--db", str(db)]
    assert runner.invoke(app, ["lists", "load", str(DATA / "national_v1.csv"), *base]).exit_code == 0
    r = runner.invoke(app, ["lists", "load", str(DATA / "national_v2.csv"), "--lookback-days", "0", *base])
    assert r.exit_code != 0 and "lookback must be a positive number of days" in r.output
    r = runner.invoke(app, ["lists", "load", str(DATA / "national_v2.csv"), *base])
    assert r.exit_code == 0, r.output
    assert "NAT-005: new -> 1 alert(s)" in r.output and "NAT-003: removed -> 1 open case(s) flagged" in r.output
    r = runner.invoke(app, ["lists", "diff", "1", "2", "--db", str(db)])
    assert r.exit_code == 0, r.output
    lines = {ln.split()[0]: ln for ln in r.output.splitlines() if ln.startswith("NAT-")}
    assert "amended (names) listed 2024-02-11 -> 0 alert(s)" in lines["NAT-002"]
    assert "new listed 2025-05-14 -> 1 alert(s): AL-" in lines["NAT-005"]
    assert "removed listed 2024-03-12 -> 1 case(s) flagged for review: CASE-" in lines["NAT-003"]
