"""Cytoscape elements of a case's graph (:mod:`engine.case_graph`) for ``graph.js``.

* one drawn edge per ordered pair of nodes: parallel transfers are aggregated into one edge
  with their count, total and dates (the tables under the graph list each transaction once);
* nodes carry their role (colour), their party's risk tier from :mod:`engine.risk` (a ring
  only for ``medium`` and ``high``), the highest risk of an open case on them (for the
  details line), and the time they first moved money (the layered layout's order);
* ``layout`` and ``legend`` tell the page how to draw and explain the picture.
"""

from __future__ import annotations

from typing import Any

import duckdb

from engine.cases import OPEN_STATES

#: Node colours of the money-flow graph, by role (subject-side roles warm, others cool).
ROLE_COLOURS: dict[str, str] = {
    "subject": "#b3261e",
    "hub": "#b3261e",
    "exposed": "#b3261e",
    "origin": "#c2410c",
    "source": "#ea580c",
    "sink": "#7c3aed",
    "member": "#db2777",
    "intermediary": "#d97706",
    "layer1": "#0f766e",
    "layer2": "#0891b2",
    "layer3": "#4f46e5",
    "layer4": "#7e22ce",
    "layer5": "#be185d",
    "layer6": "#9f1239",
    "seed": "#111827",
    "designated": "#111827",
    "counterparty": "#2563eb",
    "traveller": "#ea580c",
    "transport": "#475569",
    "destination": "#7c3aed",
}
DEFAULT_COLOUR = "#0f766e"

#: What each role means, in the legend.
ROLE_WORDS: dict[str, str] = {
    "subject": "the case's subject",
    "hub": "hub: many accounts pay in or out",
    "exposed": "account exposed to a flagged party",
    "origin": "where the money started",
    "source": "sends money in",
    "sink": "where the money ends up",
    "member": "part of the loop",
    "intermediary": "passes money on",
    "layer1": "first layer",
    "layer2": "second layer",
    "layer3": "third layer",
    "layer4": "fourth layer",
    "layer5": "fifth layer",
    "layer6": "sixth layer",
    "seed": "designated or already reported party",
    "counterparty": "other account",
    "traveller": "traveller carrying cash",
    "transport": "flight, vessel or vehicle",
    "destination": "destination country",
}

#: Ring colour and width of the party risk tiers that get a ring.
TIER_RINGS: dict[str, tuple[str, int]] = {"high": ("#b91c1c", 5), "medium": ("#d97706", 3)}


def _fmt_amount(v: Any) -> str:
    try:
        return f"{float(v):,.0f}"
    except (TypeError, ValueError):
        return "?"


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def _lookup(con: duckdb.DuckDBPyConnection, keys: list[str]) -> tuple[dict[str, float], dict[str, str]]:
    """(highest open-case risk per subject id, risk tier per party id) for ``keys``."""
    risk: dict[str, float] = {}
    tiers: dict[str, str] = {}
    if not keys:
        return risk, tiers
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATES)
    for sid, r in con.execute(
        f"SELECT subject_id, max(risk_score) FROM cases WHERE state IN ({open_list}) "
        "AND subject_id IN (SELECT unnest(CAST(? AS VARCHAR[]))) GROUP BY 1", [keys],
    ).fetchall():
        risk[str(sid)] = float(r)
    try:
        for pid, tier in con.execute(
            "SELECT party_id, tier FROM party_risk_current WHERE party_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [keys],
        ).fetchall():
            tiers[str(pid)] = str(tier)
    except duckdb.CatalogException:  # no rating run on this database yet
        pass
    return risk, tiers


def _node_label(n: dict[str, Any], nid: str) -> str:
    kind = n.get("kind")
    if kind in ("transport", "destination"):
        return str(n.get("name") or nid)
    name = n.get("party_name")
    if kind == "traveller":
        return _short(str(name or nid.split(":", 1)[-1]))
    return f"{_short(str(name))}\n{nid}" if name else nid


def graph_elements(con: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> dict[str, Any] | None:
    """The page's graph: elements, layout, legend; None when there is nothing to draw."""
    g = case.get("graph")
    if not g or not g.get("nodes"):
        return None
    subject_party = case["subject_id"] if case["subject_type"] == "party" else None
    subject_accounts = {a["account_id"] for a in (case.get("subject") or {}).get("accounts") or []}
    raw_nodes = [n if isinstance(n, dict) else {"id": str(n)} for n in g["nodes"]]
    keys = sorted({str(n["id"]) for n in raw_nodes} | {str(n["party_id"]) for n in raw_nodes if n.get("party_id")})
    risk, tiers = _lookup(con, keys)
    node_ids = {str(n["id"]) for n in raw_nodes}

    # parallel transfers -> one edge per ordered pair
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for e in g.get("edges") or []:
        src = str(e.get("from", e.get("source")))
        dst = str(e.get("to", e.get("target")))
        if src not in node_ids or dst not in node_ids:
            continue
        agg = pairs.setdefault((src, dst), {"count": 0, "total": 0.0, "dates": [], "txn_ids": [],
                                            "undeclared": 0, "leg": bool(e.get("leg"))})
        if "total" in e:  # already aggregated (neighbourhood pairs, courier legs)
            agg["count"] += int(e.get("count") or 1)
            agg["total"] += float(e["total"] or 0)
            agg["dates"] += [str(e.get("first") or "")[:10], str(e.get("last") or "")[:10]]
            agg["txn_ids"] += [str(t) for t in e.get("txn_ids") or []]
        else:
            agg["count"] += 1
            agg["total"] += float(e.get("amount") or 0)
            agg["dates"].append(str(e.get("timestamp") or "")[:10])
            if e.get("txn_id"):
                agg["txn_ids"].append(str(e["txn_id"]))
            if e.get("declared") is False:
                agg["undeclared"] += 1
    first_seen: dict[str, str] = {}
    edges = []
    for i, ((src, dst), agg) in enumerate(pairs.items()):
        dates = sorted(d for d in agg["dates"] if d)
        when = "" if not dates else dates[0] if dates[0] == dates[-1] else f"{dates[0]}..{dates[-1]}"
        amount = _fmt_amount(agg["total"])
        what = "declaration" if g.get("source") == "courier" else "transfer"
        many = f"{agg['count']} {what}s · " if agg["count"] > 1 else ""
        extra = f" · {agg['undeclared']} undeclared" if agg["undeclared"] else ""
        label = f"{many}{amount} · {when}".rstrip(" ·") + extra
        for node in (src, dst):
            if dates and (node not in first_seen or dates[0] < first_seen[node]):
                first_seen[node] = dates[0]
        edges.append({"data": {"id": f"e{i}", "source": src, "target": dst, "label": label,
                               "amount": round(agg["total"], 2), "count": agg["count"],
                               "txn_ids": agg["txn_ids"], "first": dates[0] if dates else "",
                               "last": dates[-1] if dates else "", "leg": agg["leg"]}})

    nodes = []
    roles_seen: dict[str, str] = {}
    tiers_seen: set[str] = set()
    for n in raw_nodes:
        nid = str(n["id"])
        role = str(n.get("role") or "counterparty")
        party_id = n.get("party_id")
        is_subject = bool(nid in subject_accounts or nid == case["subject_id"] or (
            subject_party and party_id == subject_party))
        if is_subject and role in ("counterparty", "seed"):
            role = "subject"
        colour = ROLE_COLOURS.get(role, DEFAULT_COLOUR)
        roles_seen[role] = colour
        tier = tiers.get(str(party_id or ""), "")
        if tier in TIER_RINGS:
            tiers_seen.add(tier)
        ring_colour, ring = TIER_RINGS.get(tier, ("#ffffff", 0))
        nodes.append({"data": {
            "id": nid, "label": _node_label(n, nid), "role": role, "colour": colour,
            "risk": round(max(risk.get(nid, 0.0), risk.get(str(party_id or ""), 0.0)), 3),
            "tier": tier, "ring": ring, "ring_colour": ring_colour,
            "party_id": party_id, "party_name": n.get("party_name"), "kind": n.get("kind") or "account",
            "hop": n.get("hop"), "subject": is_subject, "first": first_seen.get(nid, ""),
        }})
    nodes.sort(key=lambda n: (n["data"]["first"] or "9999", not n["data"]["subject"], n["data"]["id"]))

    legend = [{"kind": "node", "colour": c, "label": ROLE_WORDS.get(r, r.replace("_", " "))}
              for r, c in sorted(roles_seen.items())]
    for tier in ("high", "medium"):
        if tier in tiers_seen:
            legend.append({"kind": "ring", "colour": TIER_RINGS[tier][0],
                           "label": f"ring: party rated {tier} risk"})
    legend.append({"kind": "edge", "colour": "#64748b",
                   "label": "arrow: money moved (thicker = larger total; one arrow per pair, count shown when more than one)"})
    return {
        "source": g.get("source"),
        "layout": g.get("layout") or ("neighbourhood" if g.get("source") == "neighbourhood" else "layered"),
        "elements": {"nodes": nodes, "edges": edges},
        "legend": legend,
        "transactions": sum(e["data"]["count"] for e in edges if not e["data"]["leg"]),
        "truncated": bool(g.get("truncated")),
        "message": g.get("message") or "",
    }
