"""A hit raised by a list change's screening is raised once: the re-screen that follows the load,
and later full scans, do not raise the same party (SAN-01) or the same payments (SAN-02) on the
same entry again; the alert kept is the one naming the change.  Same world as
test_list_changes (national_v1.csv -> national_v2.csv)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest
from test_list_changes import DATA, account, insert, load_v2, txn

from engine import store
from engine.screening import changes
from services import lists as list_service
from services import scans
from services.typologies import catalogue


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = store.connect(":memory:")
    insert(c, "parties", [
        {"party_id": "P6", "party_type": "individual", "name": "Lena Ostrova", "country": "SG"},
        {"party_id": "P9", "party_type": "individual", "name": "Tarquin Bellweather-Ostrowski", "country": "SG"},
    ])
    insert(c, "accounts", [account("A6", "P6"), account("A9", "P9")])
    insert(c, "transactions", [
        txn("T91", datetime(2025, 1, 10, 9), "A9", "X1", 1200),
        txn("T92", datetime(2025, 6, 1, 9), "X2", "A9", 3400),
        txn("T61", datetime(2024, 1, 5, 9), "A6", "X4", 700, beneficiary_name="Zephyrine Okonkwo"),
        txn("T62", datetime(2025, 3, 5, 9), "A6", "X4", 900, beneficiary_name="Zephyrine Okonkwo"),
    ])
    list_service.load_list(c, catalogue(), DATA / "national_v1.csv", actor="t", triggered_by="test", list_name="NAT")
    return c


def alerts(con: duckdb.DuckDBPyConnection, tid: str, subject: str) -> list[dict]:
    rows = con.sql(f"SELECT alert_id, evidence, details FROM alerts WHERE typology_id = '{tid}' "
                   f"AND subject_id = '{subject}' ORDER BY alert_id").pl().to_dicts()
    for r in rows:
        r["details"] = json.loads(r["details"])
    return rows


def test_load_raises_each_hit_once_naming_the_change(con: duckdb.DuckDBPyConnection) -> None:
    out = load_v2(con)
    # NAT-005 is new: P9 is SAN-01-alerted once, by the alert naming the change
    p9 = alerts(con, "SAN-01", "P9")
    assert len(p9) == 1
    assert p9[0]["details"]["list_change"]["reference"] == "NAT-005"
    # NAT-002 gains the alias P6 paid: one SAN-02 alert on P6 for it, naming the change
    p6 = [a for a in alerts(con, "SAN-02", "P6") if a["details"]["reference"] == "NAT-002"]
    assert len(p6) == 1 and p6[0]["details"]["list_change"]["change"] == "amended"
    assert set(p6[0]["evidence"]) >= {"T61", "T62"}
    # the change records the kept alert, and it is in a case
    assert {c.reference: c.alert_ids for c in out.changes}["NAT-005"] == [p9[0]["alert_id"]]
    assert con.execute("SELECT count(*) FROM case_alerts WHERE alert_id = ?", [p9[0]["alert_id"]]).fetchone()[0] == 1
    # the scan's counts leave out what was dropped
    assert out.rescreen is not None
    assert out.rescreen.result.counts.get("SAN-01", 0) == 0


def test_a_later_full_scan_raises_nothing_again(con: duckdb.DuckDBPyConnection) -> None:
    load_v2(con)
    before = con.execute("SELECT count(*) FROM alerts").fetchone()[0]
    res = scans.run_scan(con, catalogue(), actor="t", triggered_by="test", typology_ids=["SAN-01", "SAN-02"])
    assert res.result.new_alerts == {"SAN-01": 0, "SAN-02": 0}
    assert con.execute("SELECT count(*) FROM alerts").fetchone()[0] == before


def test_a_new_payment_after_the_change_is_still_raised(con: duckdb.DuckDBPyConnection) -> None:
    load_v2(con)
    insert(con, "transactions", [
        txn("T64", datetime(2025, 8, 1, 9), "A6", "X4", 400, beneficiary_name="Zephyrine Okonkwo")])
    scans.run_scan(con, catalogue(), actor="t", triggered_by="test", typology_ids=["SAN-02"])
    plain = [a for a in alerts(con, "SAN-02", "P6") if "list_change" not in a["details"]]
    assert [a["evidence"] for a in plain] == [["T64"]]


def test_without_a_change_alert_the_ordinary_alert_stands(con: duckdb.DuckDBPyConnection) -> None:
    # a first load has no previous version: the ordinary detectors raise as before
    c = store.connect(":memory:")
    insert(c, "parties", [{"party_id": "P9", "party_type": "individual",
                           "name": "Tarquin Bellweather-Ostrowski", "country": "SG"}])
    list_service.load_list(c, catalogue(), DATA / "national_v2.csv", actor="t", triggered_by="test", list_name="NAT")
    p9 = alerts(c, "SAN-01", "P9")
    assert len(p9) == 1 and "list_change" not in p9[0]["details"]
    assert changes.change_alerted(c, "SAN-01") == {}
