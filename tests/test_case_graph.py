"""engine.case_graph: the drawable graph of a case from overlapping alerts and declarations."""

from __future__ import annotations

from typing import Any

from engine import case_graph


def _edge(tid: str, src: str, dst: str, amount: float, day: int) -> dict[str, Any]:
    return {"txn_id": tid, "from": src, "to": dst, "amount": amount, "timestamp": f"2026-03-{day:02d}T10:00:00"}


def _alert(typology: str, roles: dict[str, str], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"typology_id": typology,
            "details": {"nodes": [{"id": k, "role": r} for k, r in roles.items()], "edges": edges}}


def test_overlapping_alerts_keep_each_transaction_once_and_renumber_layers() -> None:
    # a four-layer scheme A -> B -> C -> D found as two three-layer blocks that share B -> C
    ab, bc, cd = _edge("T1", "A", "B", 100, 1), _edge("T2", "B", "C", 90, 2), _edge("T3", "C", "D", 80, 3)
    first = _alert("ML-NET-05", {"A": "layer1", "B": "layer2", "C": "layer3"}, [ab, bc])
    second = _alert("ML-NET-05", {"B": "layer1", "C": "layer2", "D": "layer3"}, [bc, cd])
    nodes, edges = case_graph.merged_subgraph([first, second])
    assert [e["txn_id"] for e in edges] == ["T1", "T2", "T3"]
    assert {n["id"]: n["role"] for n in nodes} == {"A": "layer1", "B": "layer2", "C": "layer3", "D": "layer4"}
    assert case_graph.alerts_layout(nodes, {"ML-NET-05"}) == "layered"


def test_a_loop_keeps_the_alerts_roles_and_a_hub_is_radial() -> None:
    loop = _alert("ML-NET-03", {"A": "origin", "B": "member"}, [_edge("T1", "A", "B", 10, 1), _edge("T2", "B", "A", 9, 2)])
    nodes, edges = case_graph.merged_subgraph([loop, loop])
    assert len(edges) == 2 and {n["id"]: n["role"] for n in nodes} == {"A": "origin", "B": "member"}
    fan = _alert("ML-NET-01", {"H": "hub", "S": "source"}, [_edge("T9", "S", "H", 5, 1)])
    nodes, _ = case_graph.merged_subgraph([fan])
    assert case_graph.alerts_layout(nodes, {"ML-NET-01"}) == "radial"


def test_courier_graph_is_travellers_transport_destination() -> None:
    decl = [{"declaration_id": f"CD{i}", "timestamp": f"2026-04-15 08:0{i}:00", "traveller_name": f"T {i}",
             "party_id": f"P{i}", "transport_ref": "EK219", "port": "CGK", "destination_country": "AE",
             "amount": 9_000 + i, "currency": "USD", "declared": i != 2} for i in range(3)]
    decl.append({"declaration_id": "CD9", "timestamp": "2026-05-01 10:00:00", "traveller_name": "T 0", "party_id": "P0",
                 "transport_ref": None, "port": "DXB", "destination_country": "ID", "amount": 500, "currency": "USD",
                 "declared": True})
    g = case_graph.courier_graph(decl)
    assert g is not None and g["source"] == "courier"
    kinds = {n["id"]: n["kind"] for n in g["nodes"]}
    assert kinds == {"traveller:P0": "traveller", "traveller:P1": "traveller", "traveller:P2": "traveller",
                     "transport:EK219": "transport", "country:AE": "destination",
                     "transport:DXB 2026-05-01": "transport", "country:ID": "destination"}
    legs = [e for e in g["edges"] if e.get("leg")]
    assert {(e["from"], e["to"], e["count"], e["total"]) for e in legs} == {
        ("transport:EK219", "country:AE", 3, 27_003.0), ("transport:DXB 2026-05-01", "country:ID", 1, 500.0)}
    assert [e["declared"] for e in g["edges"] if not e.get("leg")] == [True, True, False, True]
    assert case_graph.courier_graph([]) is None


def test_a_party_listed_beside_its_accounts_is_drawn_once() -> None:
    exposure = {"typology_id": "ML-NET-06", "details": {
        "nodes": [{"id": "ACC1", "kind": "account", "party_id": "P1", "role": "seed"},
                  {"id": "ACC2", "kind": "account", "party_id": "P2", "role": "exposed"},
                  {"id": "P1", "kind": "party", "role": "seed"}, {"id": "P2", "kind": "party", "role": "exposed"},
                  {"id": "P3", "kind": "party", "role": "intermediary"}],
        "edges": [_edge("T1", "ACC1", "ACC2", 500, 1)]}}
    nodes, _ = case_graph.merged_subgraph([exposure])
    assert [n["id"] for n in nodes] == ["ACC1", "ACC2", "P3"]  # P3 has no account drawn: kept
