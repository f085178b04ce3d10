"""engine.graph.neighbourhood: hop expansion, aggregation per account pair, caps, GraphML, CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from graph_support import T0, World, days
from typer.testing import CliRunner

from engine import graph
from engine.errors import CtfmonError, NotFound


@pytest.fixture
def world() -> World:
    w = World()
    for acc in ["A1", "B", "C", "D"]:
        w.account(acc)
    w.account("A2", "P-A1")  # a second account of party P-A1
    w.tx("A1", "B", 100, T0)
    w.tx("A1", "B", 300, T0 + days(5))
    w.tx("B", "A2", 50, T0 + days(6))
    w.tx("B", "C", 200, T0 + days(7))
    w.tx("C", "D", 150, T0 + days(40))
    w.tx("A1", None, 20, T0, channel="cash_withdrawal")
    w.tx("A1", "SHOP", 20, T0, channel="card_payment")
    return w


def test_party_neighbourhood_two_hops(world: World) -> None:
    nb = graph.neighbourhood(world.con, "P-A1", hops=2)
    assert nb["entity_type"] == "party" and not nb["truncated"]
    hop = {n["id"]: n["hop"] for n in nb["nodes"]}
    assert hop == {"A1": 0, "A2": 0, "B": 1, "C": 2}
    ab = next(e for e in nb["edges"] if (e["from"], e["to"]) == ("A1", "B"))
    assert ab["count"] == 2 and ab["total"] == 400
    assert ab["first"] == T0.isoformat() and ab["last"] == (T0 + days(5)).isoformat()
    assert {(e["from"], e["to"]) for e in nb["edges"]} == {("A1", "B"), ("B", "A2"), ("B", "C")}
    assert next(n for n in nb["nodes"] if n["id"] == "C")["party_id"] == "P-C"


def test_account_neighbourhood_hops_and_since(world: World) -> None:
    nb = graph.neighbourhood(world.con, "C", hops=1)
    assert {n["id"] for n in nb["nodes"]} == {"C", "B", "D"}
    nb = graph.neighbourhood(world.con, "C", hops=1, since=T0 + days(10))
    assert {n["id"] for n in nb["nodes"]} == {"C", "D"}


def test_cap_keeps_the_nearest_and_says_so(world: World) -> None:
    nb = graph.neighbourhood(world.con, "B", hops=2, max_nodes=3)
    assert nb["truncated"] and "cap of 3" in nb["message"]
    assert len(nb["nodes"]) == 3 and nb["nodes"][0]["id"] == "B"
    kept = {n["id"] for n in nb["nodes"]}
    assert all(e["from"] in kept and e["to"] in kept for e in nb["edges"])


def test_unknown_id_and_bad_hops(world: World) -> None:
    with pytest.raises(NotFound):
        graph.neighbourhood(world.con, "NOPE")
    with pytest.raises(CtfmonError):
        graph.neighbourhood(world.con, "B", hops=0)


def test_graphml_is_valid_xml(world: World) -> None:
    nb = graph.neighbourhood(world.con, "P-A1", hops=2)
    root = ET.fromstring(graph.to_graphml(nb))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == 4 and len(root.findall(".//g:edge", ns)) == 3


def test_cli_neighbourhood(world: World, tmp_path) -> None:
    from cli.main import app
    from engine import store

    db = tmp_path / "nb.duckdb"
    con = store.connect(db)
    for table in ("parties", "accounts", "transactions"):
        con.register("_src", world.con.sql(f"SELECT * FROM {table}").arrow())
        con.execute(f"INSERT INTO {table} SELECT * FROM _src")
        con.unregister("_src")
    con.close()
    res = CliRunner().invoke(app, ["graph", "neighbourhood", "P-A1", "--hops", "1", "--db", str(db)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {n["id"] for n in out["nodes"]} == {"A1", "A2", "B"}
    res = CliRunner().invoke(app, ["graph", "neighbourhood", "P-A1", "--format", "graphml", "--db", str(db),
                                   "--since", "2026-03-08"])
    assert res.exit_code == 0 and res.stdout.startswith("<?xml")
    assert 'source="B" target="A2"' in res.stdout and 'source="A1"' not in res.stdout  # A1 -> B is before the 8th
