"""Money-flow graphs: candidate edges from SQL, small networkx graphs, neighbourhoods.

Graph detectors never load the transaction table: SQL narrows the candidate edges first
(time window, amount bands, degree limits) and this module turns the few rows that are
left into networkx graphs and into the ``nodes``/``edges`` subgraph every graph alert
stores in its ``details`` (so a case page can draw it).

A *money-flow edge* is a transaction with both a debited and a credited account that
differ, on any channel except ``card_payment`` (a purchase is not a transfer of funds
between customers).  Nodes are accounts; an account's owner is ``accounts.party_id``
(empty or unknown = an external account whose owner is not on file).

:func:`neighbourhood` answers "who moved money with this party/account" for the CLI
(``ctfmon graph neighbourhood``) and the API: hop expansion in SQL over the filtered
account columns, edges aggregated per ordered account pair.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import networkx as nx
import polars as pl

from engine.errors import CtfmonError, NotFound

log = logging.getLogger(__name__)

#: Channels that do not move money between customers' accounts.
NON_TRANSFER_CHANNELS: tuple[str, ...] = ("card_payment",)

#: SQL condition (on a transactions relation aliased ``t``) for a money-flow edge.
EDGE_CONDITION = (
    "t.from_account IS NOT NULL AND t.to_account IS NOT NULL "
    "AND t.from_account <> t.to_account AND t.channel <> 'card_payment'"
)


def drop_recurring(con: duckdb.DuckDBPyConnection, table: str, tolerance: float = 0.2,
                   min_gap_days: float = 7.0, source: str = "scan_transactions") -> None:
    """Delete from ``table`` (``txn_id, ts, src, dst, amount``) the recurring payments.

    A transfer is recurring when another transfer in ``source`` between the same ordered
    pair of accounts has an amount within ``tolerance`` of it (max/min <= 1 + tolerance)
    and lies at least ``min_gap_days`` before or after it (rent, instalments, salaries,
    supplier invoices); same-day duplicates are not repeats.  Only the rows of ``table``
    are probed, so the candidate table should already be narrowed.
    """
    con.execute(
        f"""
DELETE FROM {table} WHERE txn_id IN (
  SELECT e.txn_id FROM {table} e
  JOIN {source} o ON o.from_account = e.src AND o.to_account = e.dst
  WHERE o.txn_id <> e.txn_id
    AND abs(EXTRACT(EPOCH FROM o.timestamp) - EXTRACT(EPOCH FROM e.ts)) >= $gap
    AND CAST(o.amount_base AS DOUBLE) <= e.amount * $ratio AND CAST(o.amount_base AS DOUBLE) * $ratio >= e.amount
)""",
        {"gap": float(min_gap_days) * 86400.0, "ratio": 1.0 + tolerance},
    )


@dataclass(frozen=True)
class Owner:
    """Who holds an account: the party (when on file) and its name."""

    account_id: str
    party_id: str | None
    name: str | None


def owners(con: duckdb.DuckDBPyConnection, account_ids: Iterable[str]) -> dict[str, Owner]:
    """Owner of each account in ``account_ids``: its party when that party is on file (the same
    reading as the scan view ``scan_accounts``), else none."""
    ids = sorted({a for a in account_ids if a is not None})
    out: dict[str, Owner] = {a: Owner(a, None, None) for a in ids}
    if not ids:
        return out
    con.register("_graph_ids", pl.DataFrame({"account_id": ids}, schema={"account_id": pl.String}).to_arrow())
    try:
        rows = con.sql(
            "SELECT a.account_id, p.party_id, p.name FROM _graph_ids i "
            "JOIN accounts a ON a.account_id = i.account_id "
            "LEFT JOIN parties p ON p.party_id = a.party_id"
        ).fetchall()
    finally:
        con.unregister("_graph_ids")
    for acc, party, name in rows:
        out[acc] = Owner(acc, party or None, name)
    return out


def subject_of(account_id: str, owner_map: Mapping[str, Owner]) -> tuple[str, str]:
    """``(subject_type, subject_id)``: the owning party, or the account when not on file."""
    o = owner_map.get(account_id)
    if o is not None and o.party_id:
        return "party", o.party_id
    return "account", account_id


def to_multidigraph(edges: pl.DataFrame) -> nx.MultiDiGraph:
    """A MultiDiGraph of accounts from candidate edges (``txn_id, ts, src, dst, amount``)."""
    g: nx.MultiDiGraph = nx.MultiDiGraph()
    for txn_id, ts, src, dst, amount in edges.select("txn_id", "ts", "src", "dst", "amount").iter_rows():
        g.add_edge(src, dst, key=txn_id, ts=ts, amount=float(amount))
    return g


def subgraph_details(
    edges: Iterable[Mapping[str, Any]],
    roles: Mapping[str, str],
    owner_map: Mapping[str, Owner],
) -> dict[str, list[dict[str, Any]]]:
    """The drawable subgraph of an alert: ``nodes`` and ``edges``.

    ``edges`` are mappings with ``txn_id, ts, src, dst, amount``; ``roles`` gives each
    account's role (hub, source, sink, intermediary, origin, member, seed, ...); accounts
    without a role are ``counterparty``.  Each node carries its owner and owner name.
    """
    edge_list = [
        {
            "txn_id": e["txn_id"],
            "from": e["src"],
            "to": e["dst"],
            "amount": round(float(e["amount"]), 2),
            "timestamp": e["ts"].isoformat() if isinstance(e["ts"], datetime) else str(e["ts"]),
        }
        for e in sorted(edges, key=lambda e: (e["ts"], e["txn_id"]))
    ]
    seen: list[str] = []
    for acc in list(roles) + [x for e in edge_list for x in (e["from"], e["to"])]:
        if acc not in seen:
            seen.append(acc)
    nodes = []
    for acc in seen:
        o = owner_map.get(acc)
        node: dict[str, Any] = {"id": acc, "kind": "account", "role": roles.get(acc, "counterparty")}
        if o is not None and o.party_id:
            node["party_id"] = o.party_id
            if o.name:
                node["party_name"] = o.name
        nodes.append(node)
    return {"nodes": nodes, "edges": edge_list}


# --------------------------------------------------------------------------- neighbourhood
DEFAULT_MAX_NODES = 500


def neighbourhood(
    con: duckdb.DuckDBPyConnection,
    entity_id: str,
    hops: int = 2,
    since: datetime | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> dict[str, Any]:
    """A party's or account's money-flow neighbourhood up to ``hops`` hops.

    ``entity_id`` is a party id (its accounts are the start) or an account id.  Edges are
    aggregated per ordered account pair (``count``, ``total``, ``first``, ``last``), money
    in the base currency, only transactions at or after ``since`` when given.  When more
    than ``max_nodes`` accounts are reached, the nodes with the largest flows are kept
    (the start accounts always), ``truncated`` is true and ``message`` says so.
    """
    if hops < 1:
        raise CtfmonError(f"--hops must be at least 1 (got {hops})")
    if max_nodes < 1:
        raise CtfmonError(f"max_nodes must be at least 1 (got {max_nodes})")
    party_rows = con.sql("SELECT party_id, name FROM parties WHERE party_id = ?", params=[entity_id]).fetchall()
    party = party_rows[0] if party_rows else None
    if party is not None:
        start = [r[0] for r in con.sql(
            "SELECT account_id FROM accounts WHERE party_id = ? ORDER BY account_id", params=[entity_id]
        ).fetchall()]
        entity_type = "party"
    else:
        known = con.sql(
            "SELECT 1 FROM accounts WHERE account_id = ? UNION ALL "
            "SELECT 1 FROM external_accounts WHERE account_id = ? LIMIT 1",
            params=[entity_id, entity_id],
        ).fetchall()
        if not known:
            known = con.sql(
                "SELECT 1 FROM transactions WHERE from_account = ? OR to_account = ? LIMIT 1",
                params=[entity_id, entity_id],
            ).fetchall()
        if not known:
            raise NotFound(f"no party or account with id {entity_id!r}")
        start = [entity_id]
        entity_type = "account"

    since_cond = "AND t.timestamp >= ?" if since is not None else ""
    since_params: list[Any] = [since] if since is not None else []
    con.execute("CREATE OR REPLACE TEMP TABLE _nb_seen (account_id VARCHAR, hop INTEGER)")
    con.execute("CREATE OR REPLACE TEMP TABLE _nb_edges (txn_id VARCHAR, ts TIMESTAMP, src VARCHAR, "
                "dst VARCHAR, amount DOUBLE)")
    try:
        if start:
            con.register("_nb_start", pl.DataFrame({"account_id": start}).to_arrow())
            con.execute("INSERT INTO _nb_seen SELECT account_id, 0 FROM _nb_start")
            con.unregister("_nb_start")
        reached_cap = False
        for hop in range(1, hops + 1):
            # Transactions touching the frontier (accounts first reached at the previous hop).
            con.execute(
                "INSERT INTO _nb_edges "
                "SELECT DISTINCT x.txn_id, x.timestamp, x.from_account, x.to_account, x.amount FROM ("
                "SELECT t.txn_id, t.timestamp, t.from_account, t.to_account, CAST(t.amount_base AS DOUBLE) AS amount "
                f"FROM transactions t JOIN _nb_seen s ON s.account_id = t.from_account AND s.hop = {hop - 1} "
                f"WHERE {EDGE_CONDITION} {since_cond} "
                "UNION ALL "
                "SELECT t.txn_id, t.timestamp, t.from_account, t.to_account, CAST(t.amount_base AS DOUBLE) "
                f"FROM transactions t JOIN _nb_seen s ON s.account_id = t.to_account AND s.hop = {hop - 1} "
                f"WHERE {EDGE_CONDITION} {since_cond}) x "
                "WHERE x.txn_id NOT IN (SELECT txn_id FROM _nb_edges)",
                since_params * 2,
            )
            con.execute(
                "INSERT INTO _nb_seen SELECT DISTINCT acc, ? FROM ("
                "SELECT src AS acc FROM _nb_edges UNION SELECT dst FROM _nb_edges) x "
                "WHERE acc NOT IN (SELECT account_id FROM _nb_seen)",
                [hop],
            )
            n_seen = con.sql("SELECT count(*) FROM _nb_seen").fetchall()[0][0]
            if n_seen > max_nodes:
                reached_cap = True
                break
        pairs = con.sql(
            "SELECT src, dst, count(*) AS count, sum(amount) AS total, min(ts) AS first, max(ts) AS last "
            "FROM _nb_edges WHERE src IN (SELECT account_id FROM _nb_seen) "
            "AND dst IN (SELECT account_id FROM _nb_seen) GROUP BY src, dst"
        ).pl()
        seen = con.sql("SELECT account_id, hop FROM _nb_seen").pl()
    finally:
        con.execute("DROP TABLE IF EXISTS _nb_seen")
        con.execute("DROP TABLE IF EXISTS _nb_edges")

    hop_of = dict(zip(seen["account_id"].to_list(), seen["hop"].to_list(), strict=True))
    truncated = len(hop_of) > max_nodes or reached_cap
    message = ""
    if len(hop_of) > max_nodes:
        flow: dict[str, float] = {}
        for src, dst, total in pairs.select("src", "dst", "total").iter_rows():
            flow[src] = flow.get(src, 0.0) + float(total)
            flow[dst] = flow.get(dst, 0.0) + float(total)
        ranked = sorted(hop_of, key=lambda a: (hop_of[a] != 0, hop_of[a], -flow.get(a, 0.0), a))
        keep = set(ranked[:max(max_nodes, len(start))])
        total_reached = len(hop_of)
        hop_of = {a: h for a, h in hop_of.items() if a in keep}
        pairs = pairs.filter(pl.col("src").is_in(list(keep)) & pl.col("dst").is_in(list(keep)))
        message = (
            f"neighbourhood reached {total_reached} accounts, more than the cap of {max_nodes}: "
            f"kept the {len(hop_of)} nearest with the largest flows; narrow it with --since or --hops"
        )
    elif truncated:
        message = f"expansion stopped early at the cap of {max_nodes} accounts"
    owner_map = owners(con, hop_of)
    nodes = []
    for acc in sorted(hop_of, key=lambda a: (hop_of[a], a)):
        o = owner_map[acc]
        node: dict[str, Any] = {"id": acc, "kind": "account", "hop": hop_of[acc],
                                "role": "seed" if hop_of[acc] == 0 else "counterparty"}
        if o.party_id:
            node["party_id"] = o.party_id
            if o.name:
                node["party_name"] = o.name
        nodes.append(node)
    edges = [
        {"from": s, "to": d, "count": int(c), "total": round(float(tot), 2),
         "first": f.isoformat(), "last": la.isoformat()}
        for s, d, c, tot, f, la in pairs.sort("src", "dst").iter_rows()
    ]
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "name": party[1] if party else None,
        "hops": hops,
        "since": since.isoformat() if since else None,
        "nodes": nodes,
        "edges": edges,
        "truncated": truncated,
        "message": message,
    }


def to_graphml(nb: Mapping[str, Any]) -> str:
    """GraphML text of a :func:`neighbourhood` result (for Gephi, yEd, networkx)."""
    node_keys = [("kind", "string"), ("role", "string"), ("hop", "int"), ("party_id", "string"),
                 ("party_name", "string")]
    edge_keys = [("count", "int"), ("total", "double"), ("first", "string"), ("last", "string")]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    for k, t in node_keys:
        lines.append(f'  <key id="{k}" for="node" attr.name="{k}" attr.type="{t}"/>')
    for k, t in edge_keys:
        lines.append(f'  <key id="{k}" for="edge" attr.name="{k}" attr.type="{t}"/>')
    lines.append('  <graph id="neighbourhood" edgedefault="directed">')
    for n in nb["nodes"]:
        lines.append(f'    <node id="{escape(str(n["id"]), {chr(34): "&quot;"})}">')
        for k, _t in node_keys:
            if n.get(k) is not None:
                lines.append(f'      <data key="{k}">{escape(str(n[k]))}</data>')
        lines.append("    </node>")
    for i, e in enumerate(nb["edges"]):
        src = escape(str(e["from"]), {chr(34): "&quot;"})
        dst = escape(str(e["to"]), {chr(34): "&quot;"})
        lines.append(f'    <edge id="e{i}" source="{src}" target="{dst}">')
        for k, _t in edge_keys:
            lines.append(f'      <data key="{k}">{escape(str(e[k]))}</data>')
        lines.append("    </edge>")
    lines.append("  </graph>")
    lines.append("</graphml>")
    return "\n".join(lines) + "\n"
