"""What a list version's changes caused, for an analyst: the API report, `ctfmon lists changes`
and the page /ui/lists (TestClient here; in a browser in test_list_changes_browser).  Same world
as test_list_changes (national_v1.csv -> national_v2.csv: NAT-002 gains an alias, NAT-003 is
removed, NAT-005 is new)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from test_list_changes import DATA, account, insert, txn

from engine import store
from engine.screening import change_report
from services import lists as list_service
from services.typologies import catalogue


def world(con: duckdb.DuckDBPyConnection) -> None:
    insert(con, "parties", [
        {"party_id": "P3", "party_type": "npo", "name": "Crescent Relief Foundation for Orphans Ltd", "country": "SG"},
        {"party_id": "P9", "party_type": "individual", "name": "Tarquin Bellweather-Ostrowski", "country": "SG"},
    ])
    insert(con, "accounts", [account("A9", "P9")])
    insert(con, "transactions", [txn("T91", datetime(2025, 1, 10, 9), "A9", "X1", 1200),
                                 txn("T92", datetime(2025, 6, 1, 9), "X2", "A9", 3400),
                                 txn("T93", datetime(2025, 7, 1, 9), "A9", "X3", 500)])


def load_both(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    kw: dict[str, Any] = {"actor": "t", "triggered_by": "test", "list_name": "NAT"}
    v1 = list_service.load_list(con, catalogue(), DATA / "national_v1.csv", **kw).loaded.version_id
    v2 = list_service.load_list(con, catalogue(), DATA / "national_v2.csv", **kw).loaded.version_id
    return v1, v2


def test_report_lists_each_change_with_its_alerts_split_and_cases() -> None:
    con = store.connect(":memory:")
    world(con)
    v1, v2 = load_both(con)
    r = change_report.version_changes(con, v2)
    assert r["recorded"] and r["previous_version_id"] == v1
    assert r["counts"] == {"new": 1, "amended": 1, "removed": 1}
    # new entries first, then amended, then removed
    assert [(c["reference"], c["change"]) for c in r["changes"]] == [
        ("NAT-005", "new"), ("NAT-002", "amended"), ("NAT-003", "removed")]
    new = r["changes"][0]
    assert new["name"] == "Tarquin Bellweather-Ostrowski" and new["listed_on"] == "2025-05-14"
    [a] = new["alerts"]
    assert (a["typology_id"], a["subject_id"]) == ("SAN-01", "P9")
    assert (a["payments_after_listing"], a["total_after_listing"]) == (2, 3900.0)
    assert (a["payments_before_listing"], a["total_before_listing"]) == (1, 1200.0)
    case = con.execute("SELECT case_id FROM case_alerts WHERE alert_id = ?", [a["alert_id"]]).fetchone()[0]
    assert a["case_id"] == case
    removed = r["changes"][2]
    assert removed["name"] == con.execute(
        "SELECT name FROM screening_names WHERE version_id = ? AND reference = 'NAT-003' AND kind = 'primary'",
        [v1]).fetchone()[0]
    assert len(removed["cases_flagged"]) == 1 and r["cases_flagged"] == removed["cases_flagged"]
    # the first version was loaded over nothing
    assert change_report.version_changes(con, v1)["recorded"] is False
    assert change_report.change_loads(con)[v2]["alerts"] == 1


def test_api_and_cli_give_the_same_report(tmp_path: Path) -> None:
    from test_api_support import Clients
    from typer.testing import CliRunner

    from cli.main import app

    c = Clients(seed=False)
    with c.db.writing() as con:
        world(con)
        v1, v2 = load_both(con)
    got = c["analyst"].get(f"/screening/lists/{v2}/changes")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["counts"] == {"new": 1, "amended": 1, "removed": 1}
    assert body["changes"][0]["alerts"][0]["payments_after_listing"] == 2
    assert c["analyst"].get("/screening/lists/999/changes").status_code == 404

    db = tmp_path / "lc.duckdb"
    with store.connect(db) as con:
        world(con)
        v1, v2 = load_both(con)
    out = CliRunner().invoke(app, ["lists", "changes", str(v2), "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert f"NAT version {v2} over version {v1}: 1 new, 1 amended, 1 removed; 1 alert(s), 1 case(s) flagged" \
        in out.output
    assert "SAN-01 party P9 score" in out.output and "2 payment(s) on/after listing (3,900.00), 1 before (1,200.00)" \
        in out.output
    assert "flagged for review" in out.output
    bad = CliRunner().invoke(app, ["lists", "changes", "999", "--db", str(db)])
    assert bad.exit_code != 0 and "no list version 999" in bad.output
