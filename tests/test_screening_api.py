"""The screening API: POST /screening/match and GET /screening/lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_api_support import Clients

from engine.screening import lists

DATA = Path(__file__).parent / "data" / "screening"


@pytest.fixture(scope="module")
def clients() -> Clients:
    c = Clients(seed=False)
    with c.db.writing() as con:
        lists.load_list(con, DATA / "national_v1.csv", list_name="NAT")
    return c


def test_match_ranks_candidates_with_breakdown(clients: Clients) -> None:
    body = {
        "queries": [
            {"name": "Kareem Haddadin", "birth_date": "1975-03-14", "nationality": "JO", "entity_type": "person"},
            {"name": "John Smith"},
            {"name": "Crescent Relief Foundation for Orphans LLC", "entity_type": "entity"},
        ],
        "threshold": 0.8,
    }
    r = clients["analyst"].post("/screening/match", json=body)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    first = res[0]
    assert first["matched"] and first["candidates"][0]["reference"] == "NAT-001"
    c = first["candidates"][0]
    assert c["match"] and c["score"] >= 0.8 and c["features"]["birth_date"]["outcome"] == "exact"
    assert "name" in c["features"] and c["explanation"].startswith("name ")
    assert not res[1]["matched"]
    assert res[2]["candidates"][0]["reference"] == "NAT-003" and res[2]["matched"]


def test_threshold_decides_the_match_flag(clients: Clients) -> None:
    body = {"queries": [{"name": "Zephyrine Okonkwo"}], "threshold": 0.99}
    res = clients["analyst"].post("/screening/match", json=body).json()["results"][0]
    assert res["candidates"] and not res["matched"]
    assert all(not c["match"] for c in res["candidates"])


def test_bad_input_is_refused(clients: Clients) -> None:
    bad_date = {"queries": [{"name": "X Y", "birth_date": "14/03/1975"}]}
    r = clients["analyst"].post("/screening/match", json=bad_date)
    assert r.status_code == 400 and "birth date" in r.json()["detail"]
    r = clients["analyst"].post("/screening/match", json={"queries": []})
    assert r.status_code == 422
    r = clients["analyst"].post("/screening/match", json={"queries": [{"name": "A", "entity_type": "ship"}]})
    assert r.status_code == 422


def test_auth_required_and_lists_endpoint(clients: Clients) -> None:
    assert clients.anon.post("/screening/match", json={"queries": [{"name": "A"}]}).status_code == 401
    r = clients["auditor"].get("/screening/lists")
    assert r.status_code == 200
    versions = r.json()
    assert len(versions) == 1 and versions[0]["list_name"] == "NAT" and versions[0]["active"]
    assert versions[0]["entries"] == 4
