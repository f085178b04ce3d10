"""The audit page and API: filters (actor, action, object, dates), chain verification, CSV export
(audited), and who may see it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from test_api_support import Clients

from api.ui.session import COOKIE, csrf_for
from engine import auth


@pytest.fixture()
def c() -> Clients:
    cl = Clients()
    cid = cl.case_of("P1")
    cl["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"})
    cl["analyst"].post(f"/cases/{cid}/notes", json={"text": "=HYPERLINK(\"http://x\")"})
    cl["admin"].post("/users", json={"name": "newbie", "role": "auditor"})
    return cl


def _page(c: Clients, role: str) -> tuple[TestClient, str]:
    with c.db.writing() as con:
        sid = auth.start_session(con, c.tokens[role], hours=1)[0]
    client = TestClient(c.app, follow_redirects=False)
    client.cookies.set(COOKIE, sid)
    return client, csrf_for(sid)


def test_api_filters_by_actor_action_prefix_object_and_dates(c: Clients) -> None:
    aud = c["auditor"]
    by_actor = aud.get("/audit", params={"actor": "analyst"}).json()["items"]
    assert by_actor and {e["actor"] for e in by_actor} == {"analyst"}
    assert {e["action"] for e in aud.get("/audit", params={"action": "case.*"}).json()["items"]} >= {
        "case.create", "case.transition", "case.note"}
    assert aud.get("/audit", params={"object_type": "user", "object_id": "newbie"}).json()["total"] == 1
    assert aud.get("/audit", params={"until": "2000-01-01"}).json()["total"] == 0
    assert aud.get("/audit", params={"since": "2000-01-01"}).json()["total"] > 5
    assert aud.get("/audit", params={"since": "someday"}).status_code == 422
    assert c["analyst"].get("/audit").status_code == 403


def test_csv_export_is_filtered_safe_and_audited(c: Clients) -> None:
    r = c["auditor"].get("/audit/export.csv", params={"actor": "analyst"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and {x["actor"] for x in rows} == {"analyst"}
    note = next(x for x in rows if x["action"] == "case.note")
    assert note["after"].startswith('{"note_id"')  # JSON text; not a formula cell
    assert all(not v.startswith("=") for x in rows for v in x.values())
    log = c["auditor"].get("/audit", params={"action": "audit.export"}).json()["items"]
    assert len(log) == 1 and log[0]["actor"] == "auditor" and log[0]["after"]["filters"] == {"actor": "analyst"}
    assert log[0]["after"]["entries"] == len(rows)
    assert c["supervisor"].get("/audit/export.csv").status_code == 403


def test_audit_page_filters_shows_the_chain_and_exports(c: Clients) -> None:
    page, csrf = _page(c, "auditor")
    r = page.get("/ui/audit")
    assert r.status_code == 200 and 'data-testid="chain-status"' in r.text and "Intact:" in r.text
    r = page.get("/ui/audit", params={"actor": "admin", "action": "user.add"})
    assert 'data-testid="audit-total">1 entry<' in r.text and "newbie" in r.text
    r = page.get("/ui/audit", params={"since": "2999-01-01"})
    assert "No entries match these filters." in r.text
    r = page.get("/ui/audit", params={"since": "tomorrow"})
    assert r.status_code == 422 and "is not a date" in r.text
    r = page.post("/ui/audit/export", data={"csrf": csrf, "action": "case.*"})
    assert r.status_code == 200 and {x["action"][:5] for x in csv.DictReader(io.StringIO(r.text))} == {"case."}
    assert page.post("/ui/audit/export", data={"csrf": "forged"}).status_code in (303, 403)
    # a broken chain is shown as such
    with c.db.writing() as con:
        con.execute("UPDATE audit_log SET actor = 'mallory' WHERE action = 'case.note'")
    r = page.get("/ui/audit")
    assert "NOT intact" in r.text and re.search(r"does not match its seal", r.text)


def test_only_auditors_and_admins_see_the_audit_page(c: Clients) -> None:
    for role, status in (("analyst", 403), ("supervisor", 403), ("admin", 200)):
        page, _ = _page(c, role)
        r = page.get("/ui/audit")
        assert r.status_code == status, role
        assert ('href="/ui/audit"' in page.get("/ui/dashboard").text) == (status == 200)


def test_cli_audit_export_is_filtered_and_audited(tmp_path) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from engine import store

    db = tmp_path / "a.duckdb"
    with store.connect(db) as con:
        auth.add_user(con, "ann", "analyst", actor="ops")
        auth.add_user(con, "aud", "auditor", actor="ops")
    out = tmp_path / "audit.csv"
    r = CliRunner().invoke(app, ["--as", "aud", "audit", "export", "--out", str(out), "--db", str(db),
                                 "--action", "user.*"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [x["object_id"] for x in rows] == ["aud", "ann"]
    with store.connect(db, read_only=True) as con:
        last = con.execute("SELECT actor, action FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()[0]
    assert last == ("aud", "audit.export")
    r = CliRunner().invoke(app, ["audit", "export", "--out", str(out), "--db", str(db), "--force", "--since", "x"])
    assert r.exit_code == 2 and "--since 'x' is not a date" in r.output
