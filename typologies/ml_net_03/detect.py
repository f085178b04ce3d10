"""ML-NET-03 Round-tripping cycle.

Indicator (catalogue): a time-ordered cycle of 3-8 transfers returns at least 70% of the
first amount to its origin within 30 days.

Definitions used here: a cycle is a sequence of transfers ``A -> B -> ... -> A`` over
distinct accounts in which each transfer leaves the account the previous one credited,
strictly after it (a hop that goes back in time breaks the cycle), each hop's amount is
at least ``min_return_ratio`` of the first amount and at most what the account received
(times ``max_hop_growth``, default 1: amounts consistent with forwarding), the last hop returns at least
``min_return_ratio`` of the first amount to the origin, and the last hop is at most
``window_days`` after the first.

SQL narrows the edges: a transfer is kept only while a possible next hop leaves its
credited account and a possible previous hop enters its debited account (see
:func:`prune_edges`); the pruning is repeated ``prune_rounds`` times.  networkx then keeps
the edges inside strongly connected components and a bounded depth-first search lists
the time-respecting cycles.  Recurring payments are routine, not round-tripping: with ``exclude_recurring``
a transfer between accounts in a recurring relationship (transacting in ``recurring_min_months``,
3, or more distinct calendar months on file; catalogue, "Everyday activity") or one that
another transfer between the same pair repeats (amount within
``recurring_tolerance``, at least ``recurring_min_gap_days`` apart: rent, instalments,
salaries) cannot be a hop; with ``exclude_collectors`` neither can a transfer of a collector or
distributor (``collector_min_counterparties`` or more counterparties on file, or by
``excused_party_types`` / ``excused_business_words``).  Overlapping cycles over the same accounts are reported once
(the one returning most).  Every account owner in the cycle is a subject.

Score: 0.6 at the minimum return, rising to 0.85 at a full return, +0.15 for longer
cycles (more accounts involved, up to 6).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import networkx as nx
from pydantic import Field

from engine import graph
from engine.detect.base import Alert, ScanContext
from engine.detect.everyday import CollectorParams, RecurringParams, word_pattern
from engine.detect.typology import Row, Typology
from typologies._common import money, pct, ramp

log = logging.getLogger(__name__)


class CycleParams(RecurringParams, CollectorParams):
    min_length: int = Field(3, ge=2, description="fewest transfers in a cycle")
    max_length: int = Field(8, ge=2, le=12, description="most transfers in a cycle")
    window_days: float = Field(30, gt=0, description="last transfer at most this many days after the first")
    min_return_ratio: float = Field(0.7, gt=0, le=1, description="share of the first amount that must come back")
    max_hop_growth: float = Field(
        1.0, ge=1, description="a hop may exceed the amount the account received by at most this factor "
        "(1: forwarding never adds money)"
    )
    min_amount: float = Field(0, ge=0, description="ignore transfers below this amount (base currency)")
    exclude_recurring: bool = Field(
        True, description="leave out hops between accounts in a recurring relationship (see recurring_min_months) "
        "and hops that repeat a payment between the same pair (see recurring_tolerance, recurring_min_gap_days)"
    )
    exclude_collectors: bool = Field(
        True, description="collectors and distributors (see collector_min_counterparties) are not round-tripping "
        "accounts"
    )
    recurring_tolerance: float = Field(0.2, ge=0, description="a repeat is within this fraction (max/min - 1)")
    recurring_min_gap_days: float = Field(
        7, ge=0, description="a repeat is at least this many days before or after (same-day duplicates are not)"
    )
    prune_rounds: int = Field(3, ge=2, le=10, description="rounds of SQL pruning of edges without successor/predecessor")
    max_search_steps: int = Field(20_000, ge=100, description="bound on the cycle search from one start transfer")


Ctx = ScanContext[CycleParams]


class RoundTripCycle(Typology[CycleParams]):
    Params = CycleParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        r, g = p.min_return_ratio, p.max_hop_growth
        return {**super().bind(ctx), "window_seconds": p.window_days * 86400.0,
                "cycle_growth": g ** (p.max_length - 1), "next_min_ratio": r / g ** max(p.max_length - 2, 0),
                "collector_pattern": word_pattern(p.excused_business_words)}

    def prune_edges(self, ctx: Ctx) -> None:
        """Create temp table ``ml_net_03_edges`` with the edges that can lie on a cycle.

        An edge ``e`` (amount ``a``) of a cycle has a next edge of the cycle leaving its credited
        account: either later (the next hop, amount in ``[lo * a, g * a]``) or, when ``e``
        closes the cycle, earlier (the first hop, amount in ``[a / g_all, a / r]``); and a
        previous edge entering its debited account: earlier (the previous hop) or, when ``e``
        opens the cycle, later (the closing hop).  ``r`` is the minimum return, ``g`` the
        growth allowed per hop, ``g_all = g ** (max_length - 1)`` and
        ``lo = r / g ** (max_length - 2)``; all within the window.  Edges without both are
        dropped, ``prune_rounds`` times.
        """
        p = ctx.params
        self.execute(ctx, "edges.sql")
        for i in range(p.prune_rounds):
            if i == 1 and p.exclude_recurring:
                graph.drop_recurring(ctx.con, "ml_net_03_edges", p.recurring_tolerance, p.recurring_min_gap_days)
            self.execute(ctx, "prune.sql")

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        self.prune_edges(ctx)
        try:
            edges = ctx.con.sql("SELECT txn_id, ts, src, dst, amount FROM ml_net_03_edges ORDER BY ts, txn_id").pl()
        finally:
            ctx.con.execute("DROP TABLE IF EXISTS ml_net_03_edges")
        if edges.is_empty():
            return []
        g = graph.to_multidigraph(edges)
        keep: set[str] = set()
        for comp in nx.strongly_connected_components(g):
            if len(comp) >= p.min_length:
                keep |= comp
        g = g.subgraph(keep).copy()
        cycles = self._find_cycles(g, p)
        # one cycle per set of accounts: the one returning most, then the shortest
        best: dict[frozenset[str], list[dict[str, Any]]] = {}
        for cyc in cycles:
            key = frozenset(e["src"] for e in cyc)
            ret = cyc[-1]["amount"] / cyc[0]["amount"]
            old = best.get(key)
            if old is None or (ret, -len(cyc)) > (old[-1]["amount"] / old[0]["amount"], -len(old)):
                best[key] = cyc
        accounts = {a for key in best for a in key}
        owner_map = graph.owners(ctx.con, accounts)
        return [alert for cyc in best.values() for alert in self.alerts(self._row(cyc, owner_map, p), ctx)]

    def _find_cycles(self, g: nx.MultiDiGraph, p: CycleParams) -> list[list[dict[str, Any]]]:
        """Time-respecting cycles by depth-first search from every edge.

        The search only steps to accounts that can still reach the origin in the hops left
        (static distances on the reversed candidate graph), and each start edge has a budget
        of ``max_search_steps`` expansions so one dense region cannot starve the others.
        """
        span = timedelta(days=p.window_days)
        out_edges: dict[str, list[dict[str, Any]]] = {}
        for u, v, key, data in g.edges(keys=True, data=True):
            out_edges.setdefault(u, []).append({"txn_id": key, "src": u, "dst": v, "ts": data["ts"],
                                                "amount": data["amount"]})
        for lst in out_edges.values():
            lst.sort(key=lambda e: (e["ts"], e["txn_id"]))
        rev = g.reverse(copy=False)
        dist_cache: dict[str, dict[str, int]] = {}
        found: list[list[dict[str, Any]]] = []
        exhausted = 0
        for origin, first_list in out_edges.items():
            dist = dist_cache.get(origin)
            if dist is None:
                dist = nx.single_source_shortest_path_length(rev, origin, cutoff=p.max_length - 1)
                dist_cache[origin] = dist
            for first in first_list:
                if first["dst"] not in dist:
                    continue
                floor = first["amount"] * p.min_return_ratio
                deadline = first["ts"] + span
                stack: list[tuple[list[dict[str, Any]], frozenset[str]]] = [
                    ([first], frozenset((origin, first["dst"])))]
                steps = 0
                while stack:
                    steps += 1
                    if steps > p.max_search_steps:
                        exhausted += 1
                        break
                    path, visited = stack.pop()
                    last = path[-1]
                    left = p.max_length - len(path)  # transfers still allowed after this one
                    for nxt in out_edges.get(last["dst"], ()):
                        if nxt["ts"] <= last["ts"]:
                            continue
                        if nxt["ts"] > deadline:
                            break
                        if nxt["amount"] < floor or nxt["amount"] > last["amount"] * p.max_hop_growth:
                            continue
                        if nxt["dst"] == origin:
                            if len(path) + 1 >= p.min_length:
                                found.append(path + [nxt])
                            continue
                        if nxt["dst"] in visited or dist.get(nxt["dst"], p.max_length) > left - 1:
                            continue
                        stack.append((path + [nxt], visited | {nxt["dst"]}))
        if exhausted:
            log.warning("ML-NET-03: cycle search budget exhausted from %d start transfers", exhausted)
        return found

    def _row(self, cyc: list[dict[str, Any]], owner_map: dict[str, graph.Owner], p: CycleParams) -> Row:
        first, last = cyc[0], cyc[-1]
        ret = last["amount"] / first["amount"]
        days = (last["ts"] - first["ts"]).total_seconds() / 86400.0
        n = len(cyc)
        origin = first["src"]
        score = 0.6 + 0.25 * ramp(ret, p.min_return_ratio, 1.0) + 0.15 * ramp(n, p.min_length, 6)
        roles = {origin: "origin"}
        for e in cyc[1:]:
            roles[e["src"]] = "member"
        details: dict[str, Any] = {
            "pattern": "cycle", "origin_account": origin, "transfers": n, "accounts": n,
            "first_amount": round(first["amount"], 2), "returned_amount": round(last["amount"], 2),
            "returned_share": round(ret, 4), "days": round(days, 2),
            "path": [e["src"] for e in cyc] + [origin],
        }
        details.update(graph.subgraph_details(cyc, roles, owner_map))
        explanation = (
            f"Funds of {money(first['amount'])} went round a {n}-account cycle in {days:.0f} days and "
            f"{money(last['amount'])} ({pct(ret)}) returned to the origin."
        )
        evidence = [e["txn_id"] for e in cyc]
        subjects: list[tuple[str, str]] = []
        for e in cyc:
            subj = graph.subject_of(e["src"], owner_map)
            if subj not in subjects:
                subjects.append(subj)
        return {"subjects": subjects, "score": round(min(score, 1.0), 4), "window_start": first["ts"],
                "window_end": last["ts"], "evidence": evidence, "explanation": explanation, "details": details}
