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


def test_entry_side_by_side_with_a_query(clients: Clients) -> None:
    params = {"name": "Kareem Haddadin", "birth_date": "1975-03-14", "nationality": "SY",
              "document_number": "X999", "entity_type": "person"}
    r = clients["analyst"].get("/screening/entries/NAT/NAT-001", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    entry = body["entry"]
    assert entry["primary_name"] == "Karim Abdelrazzaq Haddadin" and entry["program"] == "domestic terrorism"
    assert entry["listed_on"] == "2024-01-10" and "1975-03-14" in entry["birth_dates"]
    assert {"name": "Abu Layth", "kind": "alias", "quality": "low"} in entry["names"]
    rows = {row["feature"]: row for row in body["comparison"]}
    assert rows["name"]["outcome"] == "agree" and rows["name"]["list"] == "Kareem Haddadin"
    assert rows["birth_date"]["outcome"] == "agree" and rows["nationality"]["outcome"] == "agree"
    assert rows["document"]["outcome"] == "unknown" and rows["entry_type"]["outcome"] == "agree"
    assert body["match"] and body["names"][0]["name_score"] == 1.0
    # a birth date and nationality that disagree
    params.update(birth_date="1990", nationality="FR")
    rows = {row["feature"]: row for row in clients["analyst"].get(
        "/screening/entries/NAT/NAT-001", params=params).json()["comparison"]}
    assert rows["birth_date"]["outcome"] == "disagree" and rows["nationality"]["outcome"] == "disagree"


def test_entry_alone_and_unknown_entries(clients: Clients) -> None:
    r = clients["analyst"].get("/screening/entries/NAT/NAT-003")
    assert r.status_code == 200 and r.json()["query"] is None
    assert all(row["outcome"] == "unknown" for row in r.json()["comparison"])
    r = clients["analyst"].get("/screening/entries/NAT/NOPE-1")
    assert r.status_code == 404 and "NOPE-1" in r.json()["detail"]
    r = clients["analyst"].get("/screening/entries/NAT/NAT-001", params={"name": "X", "birth_date": "1.2.1975"})
    assert r.status_code == 400 and "birth date" in r.json()["detail"]
