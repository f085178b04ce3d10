"""The drawable graph of a case: what the case page's money-flow picture is built from.

Three sources, in this order:

* ``alerts`` — the graph alerts' subgraphs (``details.nodes`` / ``details.edges``) merged.
  Alerts of one scheme overlap (two layering blocks sharing transfers, a chain found from
  two starting points), so each transaction is kept once, by ``txn_id``: a transfer named by
  three alerts is one transfer, not three.
* ``courier`` — a case whose evidence holds cash declarations and no subgraph: travellers →
  the flight, vessel or vehicle they travelled on (``transport_ref``; the port and day when
  it is missing) → the destination country, one edge per declaration.
* ``neighbourhood`` — otherwise, the subject's accounts and everyone within two transfers
  (:func:`engine.graph.neighbourhood`).

``layout`` tells the page how to draw it: ``layered`` (left to right in time order: chains,
cycles, layering blocks, scatter-gather), ``radial`` (fan-in / fan-out and gather-scatter
around the hub), ``courier`` (three columns), ``neighbourhood`` (rings by hops).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import duckdb
import networkx as nx

from engine import graph
from engine.errors import CtfmonError

log = logging.getLogger(__name__)

#: Roles that mark the centre of a radial pattern.
HUB_ROLES = frozenset({"hub"})
LAYER_ROLE = re.compile(r"layer\d+")


def _edge_key(e: dict[str, Any]) -> str:
    tid = e.get("txn_id")
    if tid:
        return str(tid)
    return "|".join(str(e.get(k)) for k in ("from", "to", "timestamp", "amount"))


def merged_subgraph(alerts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The alerts' subgraphs as one: nodes by id (a node's role from the alert that gave it
    a role other than ``counterparty`` first), edges once per transaction, in time order."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    for a in alerts:
        d = a.get("details") or {}
        if not (isinstance(d.get("nodes"), list) and isinstance(d.get("edges"), list)):
            continue
        for n in d["nodes"]:
            node = dict(n) if isinstance(n, dict) else {"id": str(n)}
            key = str(node.get("id"))
            node["id"] = key
            have = nodes.get(key)
            if have is None or (have.get("role") in (None, "counterparty") and node.get("role") not in (None, "counterparty")):
                nodes[key] = {**(have or {}), **node}
        for e in d["edges"]:
            if isinstance(e, dict):
                edges.setdefault(_edge_key(e), e)
    ordered = sorted(edges.values(), key=lambda e: (str(e.get("timestamp") or ""), str(e.get("txn_id") or "")))
    _renumber_layers(nodes, ordered)
    # a party node with no transfer of its own, standing beside its accounts (ML-NET-06 lists
    # the parties on the exposure path as well as their accounts): drawn once, as its accounts
    owners = {str(n.get("party_id")) for n in nodes.values() if n.get("party_id")}
    linked = {str(e.get(k)) for e in ordered for k in ("from", "to")}
    kept = [n for k, n in nodes.items() if k in linked or k not in owners]
    return kept, ordered


def _renumber_layers(nodes: dict[str, dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Layer roles (``layer1``, ``layer2``, ...) renumbered over the merged graph.

    Two layering alerts of one scheme number their layers from their own first layer (one
    alert's ``layer2`` is the other's ``layer1``); merged, each layer account's number is its
    depth among the layer accounts (longest path from a first-layer account)."""
    layered = {k for k, n in nodes.items() if LAYER_ROLE.fullmatch(str(n.get("role") or ""))}
    if not layered:
        return
    g = nx.DiGraph()
    g.add_nodes_from(layered)
    g.add_edges_from((str(e.get("from")), str(e.get("to"))) for e in edges
                     if str(e.get("from")) in layered and str(e.get("to")) in layered)
    if not nx.is_directed_acyclic_graph(g):
        return  # a loop among the layers: keep the alerts' own numbers
    depth: dict[str, int] = {}
    for k in nx.topological_sort(g):
        depth[k] = max((depth[p] + 1 for p in g.predecessors(k)), default=0)
    for k, d in depth.items():
        nodes[k]["role"] = f"layer{d + 1}"


def alerts_layout(nodes: list[dict[str, Any]], typologies: set[str]) -> str:
    """``radial`` around a hub (fan-in/fan-out, gather-scatter), else ``layered``."""
    if any(n.get("role") in HUB_ROLES for n in nodes) or "ML-NET-01" in typologies:
        return "radial"
    return "layered"


def courier_graph(declarations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Travellers → transport → destination from cash declarations (one edge per declaration
    from traveller to transport; one per transport and destination, summed)."""
    if not declarations:
        return None
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    legs: dict[tuple[str, str], dict[str, Any]] = {}
    for d in sorted(declarations, key=lambda d: (str(d.get("timestamp")), str(d.get("declaration_id")))):
        who = d.get("party_id") or d.get("document_number") or d.get("traveller_name")
        tid = f"traveller:{who}"
        nodes.setdefault(tid, {"id": tid, "kind": "traveller", "role": "traveller",
                               "party_id": d.get("party_id"), "party_name": d.get("traveller_name")})
        day = str(d.get("timestamp") or "")[:10]
        ref = d.get("transport_ref")
        vid = f"transport:{ref}" if ref else f"transport:{d.get('port')} {day}"
        nodes.setdefault(vid, {"id": vid, "kind": "transport", "role": "transport",
                               "name": (f"{ref} from {d.get('port')}" if ref else f"{d.get('port')} on {day}")})
        dest = str(d.get("destination_country") or "?")
        cid = f"country:{dest}"
        nodes.setdefault(cid, {"id": cid, "kind": "destination", "role": "destination", "name": dest})
        amount = float(d.get("amount") or 0)
        edges.append({"txn_id": d.get("declaration_id"), "from": tid, "to": vid, "amount": round(amount, 2),
                      "currency": d.get("currency"), "timestamp": str(d.get("timestamp") or ""),
                      "declared": bool(d.get("declared"))})
        leg = legs.setdefault((vid, cid), {"from": vid, "to": cid, "count": 0, "total": 0.0,
                                            "first": day, "last": day, "ids": []})
        leg["count"] += 1
        leg["total"] += amount
        leg["last"] = max(leg["last"], day)
        leg["ids"].append(d.get("declaration_id"))
    for leg in legs.values():
        edges.append({"from": leg["from"], "to": leg["to"], "count": leg["count"], "total": round(leg["total"], 2),
                      "first": leg["first"], "last": leg["last"], "leg": True, "txn_ids": leg["ids"]})
    return {"source": "courier", "layout": "courier", "nodes": list(nodes.values()), "edges": edges}


def build(con: duckdb.DuckDBPyConnection, case: dict[str, Any], alerts: list[dict[str, Any]],
          evidence: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any] | None:
    """The case's graph (see the module docstring), or None when there is nothing to draw."""
    nodes, edges = merged_subgraph(alerts)
    if nodes or edges:
        typologies = {str(a.get("typology_id")) for a in alerts}
        return {"source": "alerts", "layout": alerts_layout(nodes, typologies), "nodes": nodes, "edges": edges}
    courier = courier_graph((evidence or {}).get("cash_declarations") or [])
    if courier is not None:
        return courier
    try:
        g = graph.neighbourhood(con, case["subject_id"], hops=2, max_nodes=200)
    except CtfmonError as exc:
        log.info("no neighbourhood for %s: %s", case["subject_id"], exc)
        return None
    except Exception:  # the drawing is an aid: a failure must not break the case page
        log.exception("neighbourhood of %s failed", case["subject_id"])
        return None
    return {"source": "neighbourhood", "layout": "neighbourhood", **g}
