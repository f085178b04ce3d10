"""goAML STR: the narrative is a versioned, audited draft; the reporting entity is required;
<action> speaks plain words.  Every export stays schema-valid."""

from __future__ import annotations

import pytest
from lxml import etree
from test_api_support import Clients
from typer.testing import CliRunner

from engine import store
from engine.config import get_settings
from engine.reports import goaml


@pytest.fixture()
def c() -> Clients:
    cl = Clients()
    with cl.db.writing() as con:
        from engine import auth

        auth.add_user(con, "supervisor2", "supervisor", actor="test")
        cl.tokens["supervisor2"] = auth.issue_token(con, "supervisor2", actor="test")[1]
    from fastapi.testclient import TestClient

    cl.by_role["supervisor2"] = TestClient(cl.app, headers={"Authorization": f"Bearer {cl.tokens['supervisor2']}"})
    return cl


def _escalate(c: Clients, subject: str = "P1") -> str:
    cid = c.case_of(subject)
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"})
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "wire to SY"})
    return cid


def test_narrative_is_drafted_edited_versioned_audited_and_exported(c: Clients) -> None:
    cid = _escalate(c)
    sup = c["supervisor"]
    d = sup.get(f"/reports/goaml/{cid}/narrative").json()
    assert d["version"] == 0 and d["generated"] and "TF-CASH-01 (score 0.90)" in d["text"] and d["editable"]
    # analysts read it but do not edit it; an empty text is refused
    assert c["analyst"].post(f"/reports/goaml/{cid}/narrative", json={"text": "mine"}).status_code == 403
    assert sup.post(f"/reports/goaml/{cid}/narrative", json={"text": ""}).status_code == 422
    assert sup.post(f"/reports/goaml/{cid}/narrative", json={"text": "x" * 8001}).status_code == 422
    v1 = sup.post(f"/reports/goaml/{cid}/narrative", json={"text": "Structured cash then a wire to Syria."}).json()
    v2 = c["supervisor2"].post(f"/reports/goaml/{cid}/narrative",
                               json={"text": "Four structured cash deposits, then 30,000 USD wired to SY."}).json()
    assert (v1["version"], v2["version"]) == (1, 2) and v2["author"] == "supervisor2"
    assert [v["text"][:10] for v in v2["versions"]] == ["Structured", "Four struc"]  # both versions kept
    r = sup.get(f"/reports/goaml/{cid}")
    assert r.status_code == 200
    goaml.validate_xml(r.content)
    doc = etree.fromstring(r.content)
    assert doc.findtext("reason") == "Four structured cash deposits, then 30,000 USD wired to SY."
    log = c["auditor"].get("/audit", params={"object_id": cid, "action": "report.narrative"}).json()["items"]
    assert [e["after"]["version"] for e in log] == [2, 1]
    assert log[1]["before"]["generated"] is True and log[0]["before"]["text"].startswith("Structured")
    export = c["auditor"].get("/audit", params={"object_id": cid, "action": "report.goaml"}).json()["items"][0]
    assert export["after"]["narrative_version"] == 2 and export["actor"] == "supervisor"
    # a case not yet escalated: the narrative cannot be edited
    other = c.case_of("P2")
    r = sup.post(f"/reports/goaml/{other}/narrative", json={"text": "early"})
    assert r.status_code == 409 and "escalated or str_filed" in r.json()["detail"]


def test_action_speaks_plain_words(c: Clients) -> None:
    cid = _escalate(c)
    doc = etree.fromstring(c["supervisor"].get(f"/reports/goaml/{cid}").content)
    action = doc.findtext("action")
    assert "escalated to a supervisor" in action and "escalated" in action
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "structuring and SY wire"})
    c["supervisor"].post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "agreed"})
    r = c["supervisor"].get(f"/reports/goaml/{cid}")
    goaml.validate_xml(r.content)
    action = etree.fromstring(r.content).findtext("action")
    assert action.startswith("Decision: A suspicious transaction report was filed, proposed by analyst on ")
    assert "approved by supervisor" in action and "Grounds: structuring and SY wire" in action
    for code in ("str_filed", "escalated ", "closed_", "in_review"):
        assert code not in action


@pytest.mark.parametrize("missing", ["RENTITY_ID", "INSTITUTION_NAME", "INSTITUTION_CODE"])
def test_export_refused_until_the_reporting_entity_is_set(c: Clients, monkeypatch: pytest.MonkeyPatch,
                                                          missing: str) -> None:
    cid = _escalate(c)
    monkeypatch.delenv(f"CTFMON_GOAML_{missing}")
    get_settings.cache_clear()
    r = c["supervisor"].get(f"/reports/goaml/{cid}")
    assert r.status_code == 409
    assert f"CTFMON_GOAML_{missing}" in r.json()["detail"] and "not set" in r.json()["detail"]
    assert c["auditor"].get("/audit", params={"action": "report.goaml"}).json()["total"] == 0


def test_cli_export_without_rentity_exits_2_naming_the_setting(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_api_support import seed_world

    from cli.main import app
    from engine import auth, cases

    db = tmp_path / "g.duckdb"
    with store.connect(db) as con:
        seed_world(con)
        cases.sync_cases(con)
        auth.add_user(con, "al", "analyst", actor="t")
        cid = con.execute("SELECT case_id FROM cases WHERE subject_id = 'P1'").fetchall()[0][0]
        cases.transition(con, cid, "in_review", "", auth.User("al", "analyst"))
        cases.transition(con, cid, "escalated", "wire to SY", auth.User("al", "analyst"))
    monkeypatch.delenv("CTFMON_GOAML_RENTITY_ID")
    get_settings.cache_clear()
    r = CliRunner().invoke(app, ["report", "goaml", cid, "--db", str(db)])
    assert r.exit_code == 2 and "CTFMON_GOAML_RENTITY_ID" in r.output
    monkeypatch.setenv("CTFMON_GOAML_RENTITY_ID", "99")
    get_settings.cache_clear()
    r = CliRunner().invoke(app, ["report", "goaml", cid, "--db", str(db)])
    assert r.exit_code == 0 and "<rentity_id>99</rentity_id>" in r.output


def test_cli_saves_a_narrative_as_a_supervisor_only(tmp_path) -> None:
    from test_api_support import seed_world

    from cli.main import app
    from engine import auth, cases

    db = tmp_path / "n.duckdb"
    with store.connect(db) as con:
        seed_world(con)
        cases.sync_cases(con)
        auth.add_user(con, "al", "analyst", actor="t")
        auth.add_user(con, "sue", "supervisor", actor="t")
        cid = con.execute("SELECT case_id FROM cases WHERE subject_id = 'P1'").fetchall()[0][0]
        cases.transition(con, cid, "in_review", "", auth.User("al", "analyst"))
        cases.transition(con, cid, "escalated", "wire to SY", auth.User("al", "analyst"))
    f = tmp_path / "n.txt"
    f.write_text("Edited narrative.\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["--as", "al", "report", "narrative", cid, "--save", str(f), "--db", str(db)])
    assert r.exit_code == 2 and "may not" in r.output
    r = CliRunner().invoke(app, ["--as", "sue", "report", "narrative", cid, "--save", str(f), "--db", str(db)])
    assert r.exit_code == 0 and "version 1 saved by sue" in r.output
    r = CliRunner().invoke(app, ["report", "narrative", cid, "--db", str(db)])
    assert r.exit_code == 0 and "Edited narrative." in r.output
