"""Network cases through the API and the command line: subjects and related cases in
GET /cases/{id}, merge and split with their refusals, `ctfmon cases merge|split|show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_api_support import Clients, add_alert, seed_world

from engine import audit, store


@pytest.fixture()
def c() -> Clients:
    return Clients()


def test_case_lists_subjects_and_related_cases(c: Clients) -> None:
    cid = c.case_of("P2")
    assert c.case_of("P4") == cid  # the cycle runs through P4's account and P4 invoiced P2
    body = c["auditor"].get(f"/cases/{cid}").json()
    assert [(s["subject_id"], s["primary"]) for s in body["subjects"]] == [("P2", True), ("P4", False)]
    assert body["subjects"][0]["name"] == "Orchid Trading Pte Ltd" and body["subjects"][0]["accounts"] == ["A2"]
    assert body["related_cases"] == [] and body["lineage"] == []


def test_merge_and_split_through_the_api(c: Clients) -> None:
    an = c["analyst"]
    p1, p3 = c.case_of("P1"), c.case_of("P3")
    r = an.post(f"/cases/{p1}/merge", json={"cases": [p3], "reason": "courier paid from P1's structured cash"})
    assert r.status_code == 200 and r.json()["alert_count"] == 3
    assert c["auditor"].get(f"/cases/{p3}").json()["detail"] == f"case '{p3}' was merged into {p1}"
    body = an.get(f"/cases/{p1}").json()
    assert [s["subject_id"] for s in body["subjects"]] == ["P1", "P3"]
    r = an.post(f"/cases/{p1}/split", json={"subjects": ["P3"], "alerts": ["AL-XB"], "reason": "separate matters"})
    assert r.status_code == 201
    out = r.json()
    assert out["case"]["alert_count"] == 1 and out["new_case"]["alert_count"] == 2
    assert out["new_case"]["subject_id"] == "P3"  # the strongest moved alert's subject (0.8)
    kinds = [x["kind"] for x in an.get(f"/cases/{p1}").json()["lineage"]]
    assert kinds == ["merge", "split"]
    related = an.get(f"/cases/{p1}").json()["related_cases"]
    assert [x["case_id"] for x in related] == [out["new_case"]["case_id"]]
    assert related[0]["reasons"] == ["same party P1"]
    with c.db.reading() as con:
        actions = [e["action"] for e in audit.list_entries(con, object_type="case", limit=500)[0]]
    assert {"case.merge", "case.merged", "case.split"} <= set(actions)


def test_merge_and_split_refusals(c: Clients) -> None:
    an, sup = c["analyst"], c["supervisor"]
    p1, p3 = c.case_of("P1"), c.case_of("P3")
    cases = [
        (an.post("/cases/CASE-9999999/merge", json={"cases": [p1], "reason": "x"}), 404, "no case 'CASE-9999999'"),
        (an.post(f"/cases/{p1}/merge", json={"cases": ["CASE-9999999"], "reason": "x"}), 404, "CASE-9999999"),
        (an.post(f"/cases/{p1}/merge", json={"cases": [p1], "reason": "x"}), 422, "with itself"),
        (an.post(f"/cases/{p1}/merge", json={"cases": [p3], "reason": " "}), 422, "give a reason"),
        (an.post(f"/cases/{p1}/merge", json={"cases": [], "reason": "x"}), 422, None),
        (an.post(f"/cases/{p1}/merge", json={"cases": [p3]}), 422, None),
        (an.post(f"/cases/{p1}/split", json={"subjects": ["P1"], "reason": "x"}), 422, "at least one must stay"),
        (an.post(f"/cases/{p1}/split", json={"reason": "x"}), 422, "choose the subjects or alerts"),
        (an.post(f"/cases/{p1}/split", json={"alerts": ["AL-DECL"], "reason": "x"}), 422, "has no alerts AL-DECL"),
        (an.post("/cases/NOPE/split", json={"alerts": ["AL-XB"], "reason": "x"}), 404, "no case 'NOPE'"),
        (c["auditor"].post(f"/cases/{p1}/merge", json={"cases": [p3], "reason": "x"}), 403, None),
        (c["admin"].post(f"/cases/{p1}/split", json={"alerts": ["AL-XB"], "reason": "x"}), 403, None),
    ]
    for r, status, words in cases:
        assert r.status_code == status, r.text
        if words:
            assert words in r.json()["detail"]
    sup.post(f"/cases/{p3}/transition", json={"to": "in_review"})
    sup.post(f"/cases/{p3}/transition", json={"to": "closed_no_action", "reason": "explained"})
    r = an.post(f"/cases/{p1}/merge", json={"cases": [p3], "reason": "x"})
    assert r.status_code == 409 and f"case {p3} is closed_no_action" in r.json()["detail"]
    r = an.post(f"/cases/{p3}/split", json={"alerts": ["AL-DECL"], "reason": "x"})
    assert r.status_code == 409
    assert an.get(f"/cases/{p1}").json()["alert_count"] == 2  # nothing half-done


def test_cli_merge_split_and_show(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from engine import auth

    db = tmp_path / "cli.duckdb"
    con = store.connect(db)
    seed_world(con)
    add_alert(con, "AL-P3", "TF-PASS-01", "P3", 0.4)
    auth.add_user(con, "ana", "analyst")
    con.close()
    run = CliRunner().invoke
    assert run(app, ["cases", "sync", "--db", str(db)]).exit_code == 0
    con = store.connect(db, read_only=True)
    ids = dict(con.execute("SELECT a.subject_id, ca.case_id FROM case_alerts ca JOIN alerts a USING (alert_id)").fetchall())
    con.close()
    r = run(app, ["cases", "merge", ids["P1"], ids["P3"], "--reason", "one cell", "--db", str(db)])
    assert r.exit_code != 0  # the OS user is no ctfmon user
    assert "not a ctfmon user" in r.output
    r = run(app, ["--as", "ana", "cases", "merge", ids["P1"], ids["P3"], "--db", str(db)])
    assert r.exit_code != 0 and "give a reason" in r.output
    r = run(app, ["--as", "ana", "cases", "merge", ids["P1"], ids["P3"], "--reason", "one cell", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert f"{ids['P3']} merged into {ids['P1']}: 4 alerts" in r.output
    r = run(app, ["--as", "ana", "cases", "split", ids["P1"], "--subject", "P3", "--reason", "apart", "--db", str(db)])
    assert r.exit_code == 0 and "split 2 alerts out of" in r.output
    r = run(app, ["cases", "show", ids["P1"], "--db", str(db)])
    shown = json.loads(r.output)
    assert [s["subject_id"] for s in shown["subjects"]] == ["P1"]
    assert [x["kind"] for x in shown["lineage"]] == ["merge", "split"]
    assert shown["related_cases"] == []  # P3 went with its alerts; P1 and P3 share no counterparty
