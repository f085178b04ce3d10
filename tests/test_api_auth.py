"""Authentication and roles: 401 without/with a bad token, 403 for the wrong role."""

from __future__ import annotations

import pytest
from test_api_support import Clients

from engine import auth


@pytest.fixture(scope="module")
def c() -> Clients:
    return Clients()


def test_health_needs_no_token(c: Clients) -> None:
    r = c.anon.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/alerts", "/cases", "/scans", "/typologies", "/schedules", "/audit", "/users", "/me"])
def test_no_token_is_401(c: Clients, path: str) -> None:
    r = c.anon.get(path)
    assert r.status_code == 401
    assert r.headers.get("www-authenticate") == "Bearer"


def test_unknown_token_is_401(c: Clients) -> None:
    r = c.anon.get("/cases", headers={"Authorization": "Bearer ctf_not-a-real-token"})
    assert r.status_code == 401
    assert "invalid" in r.json()["detail"]


def test_me_reports_role_and_permissions(c: Clients) -> None:
    me = c["supervisor"].get("/me").json()
    assert me["role"] == "supervisor"
    assert "case.approve" in me["permissions"] and "users.manage" not in me["permissions"]


@pytest.mark.parametrize(
    ("role", "path", "expected"),
    [
        ("auditor", "/audit", 200), ("admin", "/audit", 200), ("analyst", "/audit", 403),
        ("supervisor", "/audit", 403), ("admin", "/users", 200), ("supervisor", "/users", 403),
        ("auditor", "/cases", 200), ("analyst", "/alerts", 200),
    ],
)
def test_role_matrix_for_reads(c: Clients, role: str, path: str, expected: int) -> None:
    assert c[role].get(path).status_code == expected


def test_tokens_are_stored_hashed_and_revocable(c: Clients) -> None:
    r = c["admin"].post("/users", json={"name": "temp", "role": "auditor"})
    assert r.status_code == 201
    tok = c["admin"].post("/users/temp/tokens").json()
    with c.db.reading() as con:
        stored = [row[0] for row in con.execute("SELECT token_hash FROM api_tokens").fetchall()]
    assert tok["token"] not in stored and auth.hash_token(tok["token"]) in stored
    h = {"Authorization": f"Bearer {tok['token']}"}
    assert c.anon.get("/cases", headers=h).status_code == 200
    assert c["admin"].delete(f"/users/temp/tokens/{tok['token_id']}").status_code == 204
    assert c.anon.get("/cases", headers=h).status_code == 401
    assert c["admin"].delete(f"/users/temp/tokens/{tok['token_id']}").status_code == 409


def test_user_creation_validation(c: Clients) -> None:
    assert c["admin"].post("/users", json={"name": "x", "role": "boss"}).status_code == 422
    assert c["admin"].post("/users", json={"name": "bad name!", "role": "analyst"}).status_code == 422
    assert c["admin"].post("/users", json={"name": "analyst", "role": "analyst"}).status_code == 409
    assert c["analyst"].post("/users", json={"name": "y", "role": "admin"}).status_code == 403
    assert c["admin"].post("/users/nobody/tokens").status_code == 404


def test_hmac_secret_changes_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.config import get_settings

    plain = auth.hash_token("abc")
    monkeypatch.setenv("CTFMON_TOKEN_SECRET", "s3cret")
    get_settings.cache_clear()
    assert auth.hash_token("abc") != plain and len(auth.hash_token("abc")) == 64


def test_demo_users_only_when_asked() -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    plain = create_app(":memory:", scheduler=False)
    assert plain.state.demo_tokens == {}
    with plain.state.db.reading() as con:
        assert auth.list_users(con) == []
    demo = create_app(":memory:", demo=True, scheduler=False)
    assert set(demo.state.demo_tokens) == {"demo-analyst", "demo-supervisor", "demo-admin", "demo-auditor"}
    client = TestClient(demo)
    for name, token in demo.state.demo_tokens.items():
        me = client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["name"] == name and name.endswith(me["role"])
