"""Page sessions are server-side: the cookie holds a random id (stored hashed) that expires,
ends at sign-out and with its token; the sign-in form and the goAML export need CSRF fields."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from test_ui_pages import World

from api.ui.session import COOKIE, LOGIN_COOKIE
from engine import audit, auth


@pytest.fixture
def w() -> World:
    return World()


def _signed_in(w: World, role: str = "supervisor") -> tuple[TestClient, str]:
    c = TestClient(w.app, follow_redirects=False)
    r = w.sign_in(c, w.tokens[role])
    assert r.status_code == 303, r.text
    return c, c.cookies.get(COOKIE)


def test_the_cookie_holds_a_session_id_stored_only_hashed(w: World) -> None:
    c, sid = _signed_in(w)
    assert sid and sid != w.tokens["supervisor"] and w.tokens["supervisor"] not in sid
    with w.app.state.db.reading() as con:
        stored = [r[0] for r in con.execute("SELECT session_hash FROM ui_sessions").fetchall()]
    assert len(stored) == 1 and stored[0] != sid and stored[0] == auth.hash_token(sid)
    assert c.get("/ui/cases").status_code == 200


def test_sign_out_ends_the_session_on_the_server(w: World) -> None:
    c, sid = _signed_in(w)
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/ui/cases").text).group(1)
    assert c.post("/ui/logout", data={"csrf": csrf}).status_code == 303
    replay = TestClient(w.app, follow_redirects=False)
    replay.cookies.set(COOKIE, sid)  # a copy of the cookie taken before signing out
    assert replay.get("/ui/cases").status_code == 303
    with w.app.state.db.reading() as con:
        assert con.execute("SELECT count(*) FROM ui_sessions").fetchone()[0] == 0


def test_sessions_expire_and_end_with_their_token(w: World) -> None:
    c, sid = _signed_in(w)
    with w.app.state.db.writing() as con:
        con.execute("UPDATE ui_sessions SET expires_at = now() - INTERVAL 1 MINUTE")
    assert c.get("/ui/cases").status_code == 303
    c, sid = _signed_in(w, "analyst")
    with w.app.state.db.writing() as con:
        token_id = con.execute("SELECT token_id FROM ui_sessions WHERE user_name = 'ana'").fetchone()[0]
        auth.revoke_token(con, "ana", token_id, actor="test")
    assert c.get("/ui/cases").status_code == 303


def test_the_sign_in_form_needs_its_csrf_field_and_cookie(w: World) -> None:
    c = TestClient(w.app, follow_redirects=False)
    form = c.get("/ui/login")
    assert LOGIN_COOKIE in form.headers["set-cookie"] and 'name="csrf"' in form.text
    r = c.post("/ui/login", data={"token": w.tokens["supervisor"], "next": "/ui/cases"})
    assert r.status_code == 403 and "came from another site" in r.text
    # another site's form: its own field value, but the browser sends no login cookie of ours
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    other = TestClient(w.app, follow_redirects=False)
    r = other.post("/ui/login", data={"token": w.tokens["supervisor"], "csrf": csrf})
    assert r.status_code == 403 and COOKIE + "=" not in r.headers.get("set-cookie", "")
    with w.app.state.db.reading() as con:
        assert con.execute("SELECT count(*) FROM ui_sessions").fetchone()[0] == 0


def test_the_goaml_export_is_a_post_with_csrf_and_a_get_changes_nothing(w: World) -> None:
    c = w.client("supervisor")
    cid, csrf = w.ids["structuring"], w.csrf("supervisor")
    for to in ("in_review", "escalated"):
        assert c.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": to, "reason": "escalation reason"}).status_code == 303

    def exports() -> int:
        with w.app.state.db.reading() as con:
            return audit.list_entries(con, action="report.goaml")[1]

    assert c.get(f"/ui/cases/{cid}/goaml").status_code == 405
    assert c.post(f"/ui/cases/{cid}/goaml", data={}).status_code == 403  # a cross-site post has no field
    assert exports() == 0
    r = c.post(f"/ui/cases/{cid}/goaml", data={"csrf": csrf})
    assert r.status_code == 200 and r.content.startswith(b"<?xml")
    assert exports() == 1
