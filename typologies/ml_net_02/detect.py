"""ML-NET-02 Scatter-gather / gather-scatter.

Indicator (catalogue): money from one source goes to at least 3 intermediaries that each
forward it to one common sink within 7 days (scatter-gather), or the reverse
(gather-scatter).

Definitions used here:

- *scatter-gather*: source S pays intermediary I (leg 1), then I pays sink T (leg 2) after
  leg 1, with leg 2 between ``forward_min_ratio`` and ``forward_max_ratio`` of leg 1
  ("forwarding it": 80-100% by default, the same reading as ML-NET-04); at least ``min_intermediaries`` distinct intermediaries, all legs
  within ``window_days`` of the first.  Subjects: the source and the sink (one alert each).
- *gather-scatter* (the reverse: many to one to many): a gather phase in which at least
  ``min_intermediaries`` distinct sources pay one hub, followed by a scatter phase in which
  the hub pays at least ``min_intermediaries`` distinct sinks, with no payment out of the
  hub during the gather phase and none into it during the scatter phase, both phases
  within ``window_days``, and the hub forwarding ``forward_min_ratio`` to
  ``forward_max_ratio`` of what it gathered.  Recurring payments (the same pair, amounts
  within 20%, at least 7 days apart) are routine and left out; a hub whose sources also
  pay another account that pays its sinks in the window is one account of a layer
  (ML-NET-05), not a gather-scatter hub.  Subject: the hub.

Everyday activity (catalogue): transfers between accounts in a recurring relationship
(``recurring_min_months``, 3, or more distinct calendar months on file: suppliers, payroll,
rent; ``exclude_recurring_relationships``) and transfers of collectors and distributors
(``collector_min_counterparties`` or more counterparties on file, or by ``excused_party_types``
/ ``excused_business_words``; ``exclude_collectors``) are routine and not read in either
pattern.

SQL builds the two-leg paths (joined on the intermediary, bounded by time and amount) and
keeps source/sink pairs with enough distinct intermediaries; gather-scatter hubs are
narrowed by distinct counterparties per pair of adjacent 7-day buckets.  Python then finds
the exact best window in each small candidate group.

Score: 0.55 at the minimum number of intermediaries (or counterparties), +0.25 rising to
three times that number, +0.2 for the share of the money forwarded.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

import polars as pl
from pydantic import Field

from engine import graph
from engine.detect.base import Alert, ScanContext
from engine.detect.everyday import CollectorParams, RecurringParams, word_pattern
from engine.detect.typology import Typology
from typologies._common import money, part_count, pct, ramp

#: Edges per part of the per-account window counts.
_PART_ROWS = 2_000_000


class ScatterGatherParams(RecurringParams, CollectorParams):
    min_intermediaries: int = Field(3, ge=2, description="distinct intermediaries (or sources and sinks) needed")
    window_days: float = Field(7, gt=0, description="all legs within this many days")
    forward_min_ratio: float = Field(
        0.8, gt=0, description="forwarding passes on at least this share of what was received (as ML-NET-04)"
    )
    forward_max_ratio: float = Field(
        1.0, gt=0, description="forwarding passes on at most this multiple of what was received (1: adds nothing)"
    )
    min_amount: float = Field(0, ge=0, description="ignore transfers below this amount (base currency)")
    max_hub_counterparties: int = Field(
        200, ge=3, description="gather-scatter: skip hubs with more distinct counterparties than this in the window "
        "(payment processors, payroll)",
    )
    gather_scatter: bool = Field(True, description="also look for gather-scatter (many -> hub -> many)")
    exclude_recurring: bool = Field(
        True, description="gather-scatter: leave out payments that repeat one between the same pair "
        "(within 20%, at least 7 days apart: rent, instalments, salaries)"
    )
    exclude_recurring_relationships: bool = Field(
        True, description="transfers between accounts in a recurring relationship (see recurring_min_months: "
        "suppliers, payroll, rent) are routine and not read, in either pattern"
    )
    exclude_collectors: bool = Field(
        True, description="transfers of collectors and distributors (see collector_min_counterparties) are not read"
    )
    exclude_layered: bool = Field(
        True, description="gather-scatter: skip hubs whose sources also reach its sinks through another account "
        "(a layer of a bipartite/stack structure, ML-NET-05)"
    )


Ctx = ScanContext[ScatterGatherParams]


class ScatterGather(Typology[ScatterGatherParams]):
    Params = ScatterGatherParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        seconds = ctx.params.window_days * 86400.0
        return {**super().bind(ctx), "window_seconds": seconds, "window": timedelta(seconds=int(seconds)),
                "collector_pattern": word_pattern(ctx.params.excused_business_words)}

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        try:
            self._windows(ctx)
            alerts = self._scatter_gather(ctx, p)
            if p.gather_scatter:
                alerts.extend(self._gather_scatter(ctx, p))
        finally:
            ctx.con.execute("DROP TABLE IF EXISTS ml_net_02_edges")
            ctx.con.execute("DROP TABLE IF EXISTS ml_net_02_windows")
        return alerts

    def _windows(self, ctx: Ctx) -> None:
        """Temp tables of the money-flow edges (``ml_net_02_edges``) and of the 14-day windows
        (``ml_net_02_windows``) in which an account can be a scatter-gather source or sink or a
        gather-scatter hub.

        A window ``w0`` is the pair of 7-day buckets ``w0`` and ``w0 + 1``; an account's
        distinct counterparties out and in are counted per bucket (plain counts over the
        distinct (account, bucket, counterparty, direction) rows) and summed over the pair:
        a superset of the windows the exact searches need.  The either-way count (at most
        max_hub_counterparties) lies between the larger one-way count and their sum, so it
        is counted exactly only where in doubt.  Every count is per account, so the
        accounts are taken in parts of about :data:`_PART_ROWS` edges by hash: the hash
        tables stay the same size as the data grows, and so does the time per row.
        """
        self.execute(ctx, "edges.sql")
        parts = part_count(ctx.con, "ml_net_02_edges", _PART_ROWS)
        ctx.con.execute(
            "CREATE OR REPLACE TEMP TABLE ml_net_02_windows (acc VARCHAR, w0 BIGINT, src_ok BOOLEAN, sink_ok BOOLEAN, "
            "hub_ok BOOLEAN)"
        )
        for part in range(parts):
            self.execute(ctx, "windows.sql", parts=parts, part=part)

    # ------------------------------------------------------------------ scatter-gather
    def _scatter_gather(self, ctx: Ctx, p: ScatterGatherParams) -> list[Alert]:
        paths = self.query(ctx, "scatter_gather.sql")
        if paths.is_empty():
            return []
        span = timedelta(days=p.window_days)
        found = []
        # the paths come sorted by (source, sink): one pass over the rows, group by group
        path_rows = paths.select("source", "sink", "mid", "t1", "ts1", "a1", "t2", "ts2", "a2").iter_rows()
        for (source, sink), grp_rows in groupby(path_rows, key=itemgetter(0, 1)):
            rows = [r[2:] for r in grp_rows]
            best: list[tuple[Any, ...]] | None = None
            for i in range(len(rows)):
                start = rows[i][2]
                chosen: dict[str, tuple[Any, ...]] = {}
                for r in rows[i:]:
                    if r[2] > start + span:
                        break
                    if r[5] <= start + span and r[0] not in chosen:
                        chosen[r[0]] = r
                if len(chosen) >= p.min_intermediaries and (best is None or len(chosen) > len(best)):
                    best = list(chosen.values())
            if best:
                found.append((str(source), str(sink), best))
        accounts = {a for s, t, rows in found for a in [s, t] + [r[0] for r in rows]}
        owner_map = graph.owners(ctx.con, accounts)
        alerts: list[Alert] = []
        for source, sink, rows in found:
            leg1 = sum(float(r[3]) for r in rows)
            leg2 = sum(float(r[6]) for r in rows)
            t_first = min(r[2] for r in rows)
            t_last = max(r[5] for r in rows)
            days = (t_last - t_first).total_seconds() / 86400.0
            share = leg2 / leg1 if leg1 else 0.0
            k = len(rows)
            score = 0.55 + 0.25 * ramp(k, p.min_intermediaries, 3 * p.min_intermediaries) + 0.2 * min(share, 1.0)
            roles = {source: "source", sink: "sink"}
            for r in rows:
                roles[r[0]] = "intermediary"
            edges = [{"txn_id": r[1], "ts": r[2], "src": source, "dst": r[0], "amount": r[3]} for r in rows]
            edges += [{"txn_id": r[4], "ts": r[5], "src": r[0], "dst": sink, "amount": r[6]} for r in rows]
            details: dict[str, Any] = {
                "pattern": "scatter-gather", "source_account": source, "sink_account": sink,
                "intermediaries": k, "scattered": round(leg1, 2), "gathered": round(leg2, 2),
                "forwarded_share": round(share, 4), "days": round(days, 2),
            }
            details.update(graph.subgraph_details(edges, roles, owner_map))
            explanation = (
                f"Scatter-gather: {money(leg1)} went from account {source} to {k} intermediaries and "
                f"{money(leg2)} ({pct(share)}) of it reached account {sink} within {days:.1f} days."
            )
            evidence = [r[1] for r in rows] + [r[4] for r in rows]
            subjects = []
            for acc in (source, sink):
                subj = graph.subject_of(acc, owner_map)
                if subj not in subjects:
                    subjects.append(subj)
            alerts.extend(self.alerts({"subjects": subjects, "score": round(min(score, 1.0), 4),
                                       "window_start": t_first, "window_end": t_last, "evidence": evidence,
                                       "explanation": explanation, "details": details}, ctx))
        return alerts

    # ------------------------------------------------------------------ gather-scatter
    def _gather_scatter(self, ctx: Ctx, p: ScatterGatherParams) -> list[Alert]:
        k = p.min_intermediaries
        cand = self.query(ctx, "gather_scatter.sql")
        if cand.is_empty():
            return []
        if p.exclude_recurring:
            tmp = "_ml_net_02_gs"
            ctx.con.register("_ml_net_02_cand", cand.to_arrow())
            try:
                ctx.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {tmp} AS SELECT DISTINCT txn_id, ts, "
                    "CASE WHEN direction = 'in' THEN cp ELSE hub END AS src, "
                    "CASE WHEN direction = 'in' THEN hub ELSE cp END AS dst, amount FROM _ml_net_02_cand"
                )
                graph.drop_recurring(ctx.con, tmp)
                kept = {r[0] for r in ctx.con.sql(f"SELECT txn_id FROM {tmp}").fetchall()}
            finally:
                ctx.con.unregister("_ml_net_02_cand")
                ctx.con.execute(f"DROP TABLE IF EXISTS {tmp}")
            cand = cand.filter(pl.col("txn_id").is_in(list(kept)))
        span = timedelta(days=p.window_days)
        found = []
        # the candidates come sorted by hub: one pass over the rows, group by group
        cand_rows = cand.select("hub", "direction", "cp", "txn_id", "ts", "amount").iter_rows()
        for hub, grp_rows in groupby(cand_rows, key=itemgetter(0)):
            rows = [r[1:] for r in grp_rows]
            best: tuple[int, list[tuple[Any, ...]], list[tuple[Any, ...]]] | None = None
            n = len(rows)
            for i, first in enumerate(rows):
                if first[0] != "in" or (i > 0 and rows[i - 1][0] == "in" and rows[i - 1][3] >= first[3] - span):
                    continue  # a gather phase starts at an inflow not preceded by another within the window
                t0 = first[3]
                j = i
                while j < n and rows[j][0] == "in" and rows[j][3] <= t0 + span:
                    j += 1
                ins = rows[i:j]
                m = j
                while m < n and rows[m][0] == "out" and rows[m][3] <= t0 + span:
                    m += 1
                outs = rows[j:m]
                n_in = len({r[1] for r in ins})
                n_out = len({r[1] for r in outs})
                if n_in < k or n_out < k:
                    continue
                got = sum(float(r[4]) for r in ins)
                sent = sum(float(r[4]) for r in outs)
                if not (p.forward_min_ratio * got <= sent <= p.forward_max_ratio * got):
                    continue
                if {r[1] for r in ins} & {r[1] for r in outs}:
                    continue
                if best is None or min(n_in, n_out) > best[0]:
                    best = (min(n_in, n_out), ins, outs)
            if best is not None:
                found.append((str(hub), best[1], best[2]))
        if p.exclude_layered and found:
            found = self._not_layered(ctx, found)
        accounts = {h for h, _i, _o in found} | {r[1] for _h, i, o in found for r in i + o}
        owner_map = graph.owners(ctx.con, accounts)
        alerts: list[Alert] = []
        for hub, ins, outs in found:
            got = sum(float(r[4]) for r in ins)
            sent = sum(float(r[4]) for r in outs)
            n_in, n_out = len({r[1] for r in ins}), len({r[1] for r in outs})
            t_first, t_last = min(r[3] for r in ins), max(r[3] for r in outs)
            days = (t_last - t_first).total_seconds() / 86400.0
            share = sent / got
            score = 0.55 + 0.25 * ramp(min(n_in, n_out), k, 3 * k) + 0.2 * min(share, 1.0)
            roles = {hub: "hub"}
            roles.update({r[1]: "source" for r in ins})
            roles.update({r[1]: "sink" for r in outs})
            edges = [{"txn_id": r[2], "ts": r[3], "src": r[1], "dst": hub, "amount": r[4]} for r in ins]
            edges += [{"txn_id": r[2], "ts": r[3], "src": hub, "dst": r[1], "amount": r[4]} for r in outs]
            details: dict[str, Any] = {
                "pattern": "gather-scatter", "hub_account": hub, "sources": n_in, "sinks": n_out,
                "gathered": round(got, 2), "scattered": round(sent, 2), "forwarded_share": round(share, 4),
                "days": round(days, 2),
            }
            details.update(graph.subgraph_details(edges, roles, owner_map))
            explanation = (
                f"Gather-scatter: {n_in} sources paid {money(got)} into account {hub}, which sent "
                f"{money(sent)} ({pct(share)}) on to {n_out} other accounts within {days:.1f} days."
            )
            alerts.extend(self.alerts({"subjects": [graph.subject_of(hub, owner_map)],
                                       "score": round(min(score, 1.0), 4), "window_start": t_first,
                                       "window_end": t_last, "evidence": [r[2] for r in ins + outs],
                                       "explanation": explanation, "details": details}, ctx))
        return alerts

    def _not_layered(self, ctx: Ctx, found: list[tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]]
                     ) -> list[tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """Drop hubs whose sources reach one of its sinks through another account in the window."""
        src_rows = [(h, r[1], min(x[3] for x in i)) for h, i, _o in found for r in i]
        snk_rows = [(h, r[1]) for h, _i, o in found for r in o]
        ctx.con.register("ml_net_02_sources", pl.DataFrame(
            src_rows, schema={"hub": pl.String, "acc": pl.String, "t0": pl.Datetime("us")}, orient="row").to_arrow())
        ctx.con.register("ml_net_02_sinks", pl.DataFrame(
            snk_rows, schema={"hub": pl.String, "acc": pl.String}, orient="row").to_arrow())
        try:
            layered = {r[0] for r in self.query(ctx, "layered.sql").iter_rows()}
        finally:
            ctx.con.unregister("ml_net_02_sources")
            ctx.con.unregister("ml_net_02_sinks")
        return [f for f in found if f[0] not in layered]
