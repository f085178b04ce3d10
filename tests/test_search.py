"""Search (services.search, GET /search, /ui/search, `ctfmon search`) and `ctfmon graph
neighbourhood NAME` over the small seeded world of the page tests, plus a declaration, a trade
document and a namesake."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from test_ui_support import add_users, insert, seed
from typer.testing import CliRunner

from api.app import create_app
from api.ui.session import COOKIE
from engine import auth, store
from engine.errors import CtfmonError
from services import search


def extra(con: duckdb.DuckDBPyConnection) -> None:
    insert(con, "parties", [
        {"party_id": "P7", "party_type": "individual", "name": "Karim Saleh", "country": "LB", "_batch_id": 1},
        {"party_id": "P8", "party_type": "individual", "name": "Ахмед Назаров", "alt_names": ["Akhmed Nazarov"],
         "country": "KZ", "is_pep": True, "_batch_id": 1},
    ])
    insert(con, "cash_declarations", [
        {"declaration_id": "CD1", "timestamp": datetime(2026, 3, 3, 8), "traveller_name": "Amina Yusuf",
         "party_id": "P1", "document_number": "E 7788-991", "nationality": "SG", "direction": "outbound",
         "port": "SIN", "origin_country": "SG", "destination_country": "TR", "amount": 9000, "amount_base": 9000,
         "currency": "USD", "declared": True, "transport_ref": "TK55", "_batch_id": 1},
    ])
    insert(con, "trade_documents", [
        {"trade_id": "TD-42", "date": "2026-03-04", "exporter_party_id": "P2", "importer_party_id": "P4",
         "hs_code": "851712", "goods_description": "phones", "quantity": 100, "unit": "unit",
         "invoice_value": 50000, "invoice_value_base": 50000, "currency": "USD", "origin_country": "SG",
         "destination_country": "AE", "_batch_id": 1},
    ])


@pytest.fixture(scope="module")
def world() -> Any:
    app = create_app(":memory:", scheduler=False)
    with app.state.db.writing() as con:
        ids = seed(con)
        extra(con)
        tokens = add_users(con)
    return {"app": app, "ids": ids, "tokens": tokens}


def run(world: Any, q: str, **kw: Any) -> list[search.Hit]:
    with world["app"].state.db.reading() as con:
        return search.search(con, q, **kw)


def first(hits: list[search.Hit]) -> tuple[str, str]:
    return hits[0].kind, hits[0].id


# --------------------------------------------------------------------------- names
def test_names_match_fuzzily_and_rank_the_literal_name_first(world: Any) -> None:
    hits = run(world, "Amina Yusuf")
    assert first(hits) == ("party", "P1") and hits[0].score == 1.0 and hits[0].url == "/ui/parties/P1"
    misspelt = run(world, "Aminah Yousuf")
    assert first(misspelt) == ("party", "P1") and 0.8 <= misspelt[0].score < 1.0
    # a legal form left out still finds the company, just below an exact name
    orchid = run(world, "orchid trading")
    assert first(orchid) == ("party", "P2") and orchid[0].score == 0.99
    # typing in progress: the start of a word
    assert ("party", "P1") in [(h.kind, h.id) for h in run(world, "Amin Yus")]
    # word order and case do not matter
    assert first(run(world, "YUSUF amina"))[1] == "P1"
    # nothing like it
    assert run(world, "Zebulon Quartermaine") == []


def test_other_scripts_and_other_names_match_through_the_screening_normalisation(world: Any) -> None:
    latin = run(world, "Akhmed Nazarov")
    assert first(latin) == ("party", "P8") and "PEP" in latin[0].detail
    assert latin[0].label == "Ахмед Назаров"  # the name on file, found by its other name
    cyrillic = run(world, "Ахмед Назаров")
    assert first(cyrillic) == ("party", "P8") and cyrillic[0].score == 1.0


# --------------------------------------------------------------------------- ids and documents
def test_ids_match_exactly_or_by_their_start_and_point_at_the_party(world: Any) -> None:
    acc = run(world, "A6")
    assert first(acc) == ("account", "A6") and acc[0].party_id == "P6" and acc[0].score == 1.0
    txn = run(world, "tw0")  # case ignored
    assert first(txn) == ("transaction", "TW0")
    assert (txn[0].party_id, txn[0].other_party_id) == ("P6", "P1")  # Karim Saleh -> Amina Yusuf
    assert txn[0].label == "Karim Saleh → Amina Yusuf" and txn[0].url == "/ui/parties/P6"
    out = run(world, "TW1")  # to an account not on file: the sending party
    assert out[0].party_id == "P1" and out[0].other_party_id is None
    party = run(world, "Q007")
    assert first(party) == ("party", "Q007") and party[0].match == "exact id"
    prefix = run(world, "Q00", limit=50)  # three characters: too short for a prefix search
    assert all(h.kind != "party" or h.match != "id starts with" for h in prefix)
    many = run(world, "Q001", limit=50)
    assert [h.id for h in many if h.kind == "party"][:1] == ["Q001"]
    case_id = world["ids"]["structuring"]
    case = run(world, case_id.lower())
    assert first(case) == ("case", case_id) and case[0].url == f"/ui/cases/{case_id}"
    trade = run(world, "TD-42")
    assert first(trade) == ("trade_document", "TD-42") and (trade[0].party_id, trade[0].other_party_id) == ("P2", "P4")


def test_document_numbers_ignore_spaces_and_punctuation(world: Any) -> None:
    doc = run(world, "s9012345a")
    assert first(doc) == ("document", "S9012345A") and doc[0].party_id == "P1"
    decl = run(world, "E7788991")
    assert first(decl) == ("declaration", "CD1") and decl[0].party_id == "P1"
    assert decl[0].match == "travel document E 7788-991"
    assert first(run(world, "e-7788 991"))[1] == "CD1"
    assert run(world, "CD1")[0].kind == "declaration"  # and by its id


def test_kinds_filter_and_limit(world: Any) -> None:
    assert {h.kind for h in run(world, "Karim Saleh", kinds=("party",))} == {"party"}
    assert len(run(world, "Karim Saleh", limit=1)) == 1
    assert run(world, "A1", kinds=("transaction",)) == []


def test_bad_queries_are_refused_in_words(world: Any) -> None:
    with pytest.raises(CtfmonError, match="q: empty"):
        run(world, "   ")
    with pytest.raises(CtfmonError, match="at most 200"):
        run(world, "x" * 201)
    with pytest.raises(CtfmonError, match="limit: 0"):
        run(world, "Amina", limit=0)


def test_resolve_party_one_many_none(world: Any) -> None:
    with world["app"].state.db.reading() as con:
        assert search.resolve_party(con, "Aminah Yusuf")[0] == "P1"
        assert search.resolve_party(con, "A1") == ("A1", [])  # an id on file, as given
        found, candidates = search.resolve_party(con, "Karim Saleh")  # P6 and P7
        assert found is None and {h.id for h in candidates} == {"P6", "P7"}
        assert search.resolve_party(con, "Zebulon Quartermaine") == (None, [])


# --------------------------------------------------------------------------- API and page
def test_api_search(world: Any) -> None:
    c = TestClient(world["app"], headers={"Authorization": f"Bearer {world['tokens']['auditor']}"})
    r = c.get("/search", params={"q": "Aminah Yousuf"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "Aminah Yousuf" and body["items"][0]["id"] == "P1"
    assert body["items"][0]["url"] == "/ui/parties/P1" and body["items"][0]["kind"] == "party"
    r = c.get("/search", params=[("q", "TW0"), ("kind", "transaction"), ("kind", "account")])
    assert [i["id"] for i in r.json()["items"]] == ["TW0"]
    assert c.get("/search", params={"q": " "}).json()["detail"].startswith("q: empty")
    assert c.get("/search", params={"q": " "}).status_code == 422
    assert c.get("/search", params={"q": "x", "kind": "planet"}).status_code == 422
    assert TestClient(world["app"]).get("/search", params={"q": "x"}).status_code == 401


def page_client(world: Any, role: str = "analyst") -> TestClient:
    c = TestClient(world["app"], follow_redirects=False)
    with world["app"].state.db.writing() as con:
        c.cookies.set(COOKIE, auth.start_session(con, world["tokens"][role], hours=1)[0])
    return c


def test_search_page_lists_typed_results_and_opens_an_exact_id(world: Any) -> None:
    c = page_client(world)
    html = c.get("/ui/search", params={"q": "Karim Saleh"}).text
    assert 'href="/ui/parties/P6"' in html and 'href="/ui/parties/P7"' in html
    assert 'data-kind="party"' in html and "2 results" in html
    r = c.get("/ui/search", params={"q": "TW0"})  # one exact id: straight to its party
    assert r.status_code == 303 and r.headers["location"] == "/ui/parties/P6"
    assert "Nothing matches" in c.get("/ui/search", params={"q": "Zebulon Quartermaine"}).text
    r = c.get("/ui/search", params={"q": "x" * 201})
    assert r.status_code == 422 and "at most 200" in r.text
    # every page has the box
    assert 'action="/ui/search"' in c.get("/ui/cases").text


# --------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def db_file(tmp_path_factory: Any) -> Path:
    path = tmp_path_factory.mktemp("search") / "s.duckdb"
    con = store.connect(path)
    seed(con)
    extra(con)
    con.close()
    return path


def test_cli_search(db_file: Path) -> None:
    from cli.main import app

    res = CliRunner().invoke(app, ["search", "Aminah Yusuf", "--json", "--db", str(db_file)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["items"][0]["id"] == "P1" and out["items"][0]["kind"] == "party"
    res = CliRunner().invoke(app, ["search", "E7788991", "--db", str(db_file)])
    assert res.exit_code == 0 and "CD1" in res.stdout and "declaration" in res.stdout
    res = CliRunner().invoke(app, ["search", "Zebulon Quartermaine", "--db", str(db_file)])
    assert res.exit_code == 1 and "nothing matches" in res.output
    res = CliRunner().invoke(app, ["search", "", "--db", str(db_file)])
    assert res.exit_code == 2 and "q: empty" in res.output


def test_cli_graph_neighbourhood_by_name(db_file: Path) -> None:
    from cli.main import app

    res = CliRunner().invoke(app, ["graph", "neighbourhood", "Amina Yusof", "--hops", "1", "--db", str(db_file)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["entity_type"], out["entity_id"], out["name"]) == ("party", "P1", "Amina Yusuf")
    assert {n["id"] for n in out["nodes"]} == {"A1", "A6", "X9"}
    assert "is party P1 Amina Yusuf" in res.stderr
    res = CliRunner().invoke(app, ["graph", "neighbourhood", "Karim Saleh", "--db", str(db_file)])
    assert res.exit_code == 3 and res.stdout == ""
    assert "matches 2 parties" in res.stderr and "P6" in res.stderr and "P7" in res.stderr
    res = CliRunner().invoke(app, ["graph", "neighbourhood", "Zebulon Quartermaine", "--db", str(db_file)])
    assert res.exit_code == 2 and "no party, account or party name matches" in res.output
    res = CliRunner().invoke(app, ["graph", "neighbourhood", "A6", "--hops", "1", "--db", str(db_file)])
    assert res.exit_code == 0 and {n["id"] for n in json.loads(res.stdout)["nodes"]} == {"A6", "A1"}
