"""ML-NET-06 Network exposure.

Indicator (catalogue): a party within 2 hops of a designated or confirmed-suspicious party,
ranked by personalised PageRank over the money-flow graph with recency-weighted amounts.

Seeds:

- *designated* parties: subjects of SAN-01 alerts (``alerts.typology_id = 'SAN-01'``,
  ``subject_type = 'party'``) from this scan or any earlier scan.  The class declares
  ``depends_on = ("SAN-01",)`` so a scan runs SAN-01 first when both are selected;
- *confirmed suspicious*: subjects of cases in state ``str_filed`` (when a ``cases`` table
  exists), parties or accounts.

Everyday activity (catalogue), each a parameter:

- collectors and distributors (accounts exchanging money with ``collector_min_counterparties``
  or more distinct accounts on file, or owned by a party of ``excused_party_types`` or whose
  line of business has one of ``excused_business_words``) are not exposed by their many
  counterparties alone: the expansion does not run on through them (a designated party
  paying its utility exposes nobody else who pays it) and they are not alerted
  (``exclude_collectors``);
- who is a subject: with ``parties_only`` (default) only parties on file are alerted;
  accounts not on file stay in the graph and the paths as intermediaries.

Graph: SQL expands ``hops`` account hops from the seeds' accounts over the scan window's
money-flow edges; accounts are then merged into their owning parties (an account whose
owner is not on file stays an account node).  Edges are undirected (exposure runs both
ways) and weighted by the sum of ``amount * 0.5 ** (age_days / half_life_days)``, where
``age_days`` is the time from the transfer to the end of the scan window: a transfer
``half_life_days`` old counts half, one twice as old a quarter.

``networkx.pagerank`` with the personalisation vector on the seeds (damping ``alpha``)
ranks the other parties.  A party is alerted when it is within ``hops`` hops of a seed and
its PageRank is at least ``min_relative_rank`` of the highest non-seed PageRank; at most
``max_alerts`` parties, best first.  The alert lists the shortest paths to the seed(s) in
``details.paths`` and the drawable subgraph of those paths.

Score: 0.5 + 0.3 x (PageRank relative to the best exposed party) + 0.2 when the party
transacted with a seed directly (1 hop), 0.1 at 2 hops.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import networkx as nx
import polars as pl
from pydantic import Field

from engine import graph
from engine.detect.base import Alert, ScanContext
from engine.detect.everyday import CollectorParams, word_pattern
from engine.detect.typology import Row, Typology
from typologies._common import money


class ExposureParams(CollectorParams):
    hops: int = Field(2, ge=1, le=3, description="parties within this many account hops of a seed are ranked")
    half_life_days: float = Field(
        30, gt=0, description="recency weighting: a transfer this many days before the window end counts half"
    )
    alpha: float = Field(0.85, gt=0, lt=1, description="PageRank damping factor")
    min_relative_rank: float = Field(
        0.05, ge=0, le=1, description="alert parties whose PageRank is at least this share of the best exposed party's"
    )
    max_alerts: int = Field(200, ge=1, description="most parties alerted per scan")
    max_nodes: int = Field(20_000, ge=10, description="stop expanding when the neighbourhood reaches this many accounts")
    include_cases: bool = Field(True, description="also seed from cases in state str_filed")
    max_path_edges: int = Field(10, ge=1, description="transactions listed per account pair on a path")
    exclude_collectors: bool = Field(
        True, description="collectors and distributors (see collector_min_counterparties) pass no exposure on and are "
        "not alerted"
    )
    parties_only: bool = Field(True, description="only parties on file are alerted (accounts not on file stay "
                               "in the graph as intermediaries)")



Ctx = ScanContext[ExposureParams]


def _table_has_columns(ctx: Ctx, table: str, columns: tuple[str, ...]) -> bool:
    rows = ctx.con.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", params=[table]
    ).fetchall()
    have = {r[0] for r in rows}
    return all(c in have for c in columns)


class NetworkExposure(Typology[ExposureParams]):
    Params = ExposureParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "collector_pattern": word_pattern(p.excused_business_words)}

    def _seeds(self, ctx: Ctx, p: ExposureParams) -> tuple[dict[str, str], list[str]]:
        """Seed parties (party_id -> why) and seed accounts (accounts of those parties + account seeds)."""
        why: dict[str, str] = {}
        if _table_has_columns(ctx, "alerts", ("typology_id", "subject_type", "subject_id")):
            for (pid,) in ctx.con.sql(
                "SELECT DISTINCT subject_id FROM alerts WHERE typology_id = 'SAN-01' AND subject_type = 'party'"
            ).fetchall():
                why[pid] = "designated"
        account_seeds: list[str] = []
        if p.include_cases and _table_has_columns(ctx, "cases", ("subject_type", "subject_id", "state")):
            for stype, sid in ctx.con.sql(
                "SELECT DISTINCT subject_type, subject_id FROM cases WHERE state = 'str_filed'"
            ).fetchall():
                if stype == "party":
                    why.setdefault(sid, "confirmed suspicious (STR filed)")
                elif stype == "account":
                    account_seeds.append(sid)
                    why.setdefault(sid, "confirmed suspicious (STR filed)")
        return why, account_seeds

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        why, account_seeds = self._seeds(ctx, p)
        if not why:
            return []
        seed_parties = [s for s in why if s not in account_seeds]
        con = ctx.con
        con.execute("CREATE OR REPLACE TEMP TABLE ml_net_06_seen (account_id VARCHAR, hop INTEGER)")
        con.execute("CREATE OR REPLACE TEMP TABLE ml_net_06_edges (txn_id VARCHAR, ts TIMESTAMP, src VARCHAR, "
                    "dst VARCHAR, amount DOUBLE)")
        try:
            con.register("ml_net_06_seed_parties", pl.DataFrame({"party_id": seed_parties},
                                                                schema={"party_id": pl.String}).to_arrow())
            con.register("ml_net_06_seed_accounts", pl.DataFrame({"account_id": account_seeds},
                                                                 schema={"account_id": pl.String}).to_arrow())
            self.execute(ctx, "collectors.sql")
            if not p.exclude_collectors:
                con.execute("DELETE FROM ml_net_06_coll")
            collector_nodes = {r[0] for r in con.sql("SELECT DISTINCT node FROM ml_net_06_coll").fetchall()}
            self.execute(ctx, "seeds.sql")
            con.unregister("ml_net_06_seed_parties")
            con.unregister("ml_net_06_seed_accounts")
            for hop in range(1, p.hops + 1):
                self.execute(ctx, "expand.sql", hop=hop)
                self.execute(ctx, "reached.sql", hop=hop)
                if con.sql("SELECT count(*) FROM ml_net_06_seen").fetchall()[0][0] >= p.max_nodes:
                    break
            edges = self.query(ctx, "edges.sql")
        finally:
            con.execute("DROP TABLE IF EXISTS ml_net_06_seen")
            con.execute("DROP TABLE IF EXISTS ml_net_06_edges")
            con.execute("DROP TABLE IF EXISTS ml_net_06_coll")
        if edges.is_empty():
            return []
        end: datetime = ctx.window_end
        g: nx.Graph = nx.Graph()
        pair_txns: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for txn_id, ts, src, dst, amount, n1, n2 in edges.iter_rows():
            if n1 == n2:
                continue
            age = max((end - ts).total_seconds() / 86400.0, 0.0)
            wgt = float(amount) * 0.5 ** (age / p.half_life_days)
            if g.has_edge(n1, n2):
                g[n1][n2]["weight"] += wgt
            else:
                g.add_edge(n1, n2, weight=wgt)
            pair_txns.setdefault(tuple(sorted((n1, n2))), []).append(
                {"txn_id": txn_id, "ts": ts, "src": src, "dst": dst, "amount": float(amount)})
        seeds = [s for s in why if s in g]
        if not seeds:
            return []
        ppr = nx.pagerank(g, alpha=p.alpha, personalization={s: 1.0 for s in seeds}, weight="weight")
        dist: dict[str, int] = {}
        for s in seeds:
            for node, d in nx.single_source_shortest_path_length(g, s, cutoff=p.hops).items():
                dist[node] = min(d, dist.get(node, d))
        exposed = [n for n in dist if n not in why and n not in collector_nodes]
        if p.parties_only and exposed:
            on_file = self._parties_on_file(ctx, exposed)
            exposed = [n for n in exposed if n in on_file]
        if not exposed:
            return []
        top = max(ppr[n] for n in exposed)
        ranked = sorted((n for n in exposed if ppr[n] >= p.min_relative_rank * top), key=lambda n: (-ppr[n], n))
        ranked = ranked[: p.max_alerts]
        wanted = pl.DataFrame({"party_id": sorted(set(ranked) | set(seeds))}, schema={"party_id": pl.String})
        con.register("ml_net_06_names", wanted.to_arrow())
        try:
            party_rows = dict(con.sql(
                "SELECT p.party_id, p.name FROM parties p JOIN ml_net_06_names w ON w.party_id = p.party_id"
            ).fetchall())
        finally:
            con.unregister("ml_net_06_names")
        rows = [self._row(node, rank, ppr, top, dist[node], g, seeds, why, pair_txns, party_rows, ctx, p)
                for rank, node in enumerate(ranked, start=1)]
        return [alert for row in rows for alert in self.alerts(row, ctx)]

    @staticmethod
    def _parties_on_file(ctx: Ctx, nodes: list[str]) -> set[str]:
        ctx.con.register("ml_net_06_nodes", pl.DataFrame({"party_id": nodes}, schema={"party_id": pl.String}).to_arrow())
        try:
            return {r[0] for r in ctx.con.sql(
                "SELECT p.party_id FROM parties p JOIN ml_net_06_nodes n ON n.party_id = p.party_id").fetchall()}
        finally:
            ctx.con.unregister("ml_net_06_nodes")

    def _row(self, node: str, rank: int, ppr: dict[str, float], top: float, hops: int, g: nx.Graph,
             seeds: list[str], why: dict[str, str], pair_txns: dict[tuple[str, str], list[dict[str, Any]]],
             names: dict[str, str], ctx: Ctx, p: ExposureParams) -> Row:
        paths = []
        for s in seeds:
            try:
                path = nx.shortest_path(g, node, s)
            except nx.NetworkXNoPath:
                continue
            if len(path) - 1 <= p.hops:
                paths.append(path)
        paths.sort(key=lambda x: (len(x), x))
        paths = paths[:5]
        path_edges: dict[str, dict[str, Any]] = {}
        for path in paths:
            for a, b in zip(path, path[1:], strict=False):
                txns = sorted(pair_txns.get(tuple(sorted((a, b))), []), key=lambda e: (-e["amount"], e["txn_id"]))
                for e in txns[: p.max_path_edges]:
                    path_edges[e["txn_id"]] = e
        accounts = {x for e in path_edges.values() for x in (e["src"], e["dst"])}
        owner_map = graph.owners(ctx.con, accounts)
        party_nodes = {n for path in paths for n in path}
        roles: dict[str, str] = {}
        for acc in sorted(accounts):
            o = owner_map[acc]
            pid = o.party_id or acc
            roles[acc] = "seed" if pid in why else ("exposed" if pid == node else "intermediary")
        details: dict[str, Any] = graph.subgraph_details(path_edges.values(), roles, owner_map)
        # parties (or owner-less accounts) on the paths as party nodes
        for n in sorted(party_nodes):
            details["nodes"].append({
                "id": n, "kind": "party" if n in names else "account",
                "role": "seed" if n in why else ("exposed" if n == node else "intermediary"),
                **({"party_name": names[n]} if n in names else {}),
            })
        rel = ppr[node] / top if top else 0.0
        total = sum(e["amount"] for e in path_edges.values())
        seed_used = paths[0][-1] if paths else seeds[0]
        details.update({
            "exposure_score": ppr[node], "exposure_share_of_top": round(rel, 4), "rank": rank, "hops": hops,
            "seeds": sorted({path[-1] for path in paths}), "seed_reasons": {path[-1]: why[path[-1]] for path in paths},
            "paths": paths, "half_life_days": p.half_life_days, "path_total": round(total, 2),
        })
        score = 0.5 + 0.3 * rel + (0.2 if hops == 1 else 0.1)
        seed_name = names.get(seed_used, seed_used)
        via = "directly" if hops == 1 else f"through {hops - 1} intermediary party"
        explanation = (
            f"Party {names.get(node, node)} moved money {via} with {why.get(seed_used, 'a seed')} party "
            f"{seed_name} ({money(total)} in the transfers on the path) and ranks #{rank} among parties exposed to "
            f"flagged ones through money moved (its exposure is {100 * rel:.0f}% of the most exposed party's)."
        )
        ts = [e["ts"] for e in path_edges.values()]
        return {"subject_type": "party" if node in names else "account", "subject_id": node,
                "score": round(min(score, 1.0), 4), "window_start": min(ts) if ts else ctx.window_start,
                "window_end": max(ts) if ts else ctx.window_end, "evidence": sorted(path_edges),
                "explanation": explanation, "details": details}
