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
from typing import Any, ClassVar

import polars as pl
from pydantic import Field

from engine import graph
from typologies._common import money, pct, ramp
from typologies._sql import in_part, part_count
from typologies.base import Alert, Params, ScanContext, Typology

#: Temp tables shared by the two searches (see ``ScatterGather._windows``).
_EDGES, _WINDOWS = "_ml_net_02_edges", "_ml_net_02_windows"
#: Edges per part of the per-account window counts.
_PART_ROWS = 2_000_000


class ScatterGatherParams(Params):
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
    exclude_layered: bool = Field(
        True, description="gather-scatter: skip hubs whose sources also reach its sinks through another account "
        "(a layer of a bipartite/stack structure, ML-NET-05)"
    )


class ScatterGather(Typology):
    id: ClassVar[str] = "ML-NET-02"
    name: ClassVar[str] = "Scatter-gather / gather-scatter"
    description: ClassVar[str] = (
        "Money from one source goes to at least 3 intermediaries that each forward it to one common sink "
        "within 7 days (scatter-gather), or many sources gather into one hub that scatters it to many sinks "
        "within 7 days (gather-scatter)."
    )
    references: ClassVar[tuple[str, ...]] = (
        "IBM AMLSim scatter-gather and gather-scatter patterns",
        "FATF Recommendation 20 (suspicious transaction reporting)",
    )
    Params: ClassVar[type[Params]] = ScatterGatherParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: ScatterGatherParams = ctx.params  # type: ignore[assignment]
        try:
            self._windows(ctx, p)
            alerts = self._scatter_gather(ctx, p)
            if p.gather_scatter:
                alerts.extend(self._gather_scatter(ctx, p))
        finally:
            ctx.con.execute(f"DROP TABLE IF EXISTS {_EDGES}")
            ctx.con.execute(f"DROP TABLE IF EXISTS {_WINDOWS}")
        return alerts

    def _windows(self, ctx: ScanContext, p: ScatterGatherParams) -> None:
        """Temp tables of the money-flow edges (:data:`_EDGES`) and of the 14-day windows
        (:data:`_WINDOWS`) in which an account can be a scatter-gather source or sink or a
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
        w = p.window_days * 86400.0
        k = p.min_intermediaries
        mx = p.max_hub_counterparties
        edges = graph.edges_sql(where=f"t.amount_base > 0 AND t.amount_base >= {float(p.min_amount)}")
        ctx.con.execute(
            f"""
CREATE OR REPLACE TEMP TABLE {_EDGES} AS
SELECT x.*, EXTRACT(EPOCH FROM x.ts) AS es, CAST(floor(EXTRACT(EPOCH FROM x.ts) / {w}) AS BIGINT) AS wb
FROM ({edges}) x
"""
        )
        parts = part_count(ctx.con, _EDGES, _PART_ROWS)
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_WINDOWS} (acc VARCHAR, w0 BIGINT, src_ok BOOLEAN, sink_ok BOOLEAN, "
            "hub_ok BOOLEAN)"
        )
        for part in range(parts):
            ctx.con.execute(
                f"""
INSERT INTO {_WINDOWS}
WITH io AS (
  SELECT DISTINCT acc, wb, cp, is_in FROM (
    SELECT src AS acc, wb, dst AS cp, 0 AS is_in FROM {_EDGES} WHERE {in_part("hash(src)", parts, part)}
    UNION ALL SELECT dst AS acc, wb, src AS cp, 1 AS is_in FROM {_EDGES} WHERE {in_part("hash(dst)", parts, part)}
  ) x
),
bw AS (SELECT acc, wb, count(*) - sum(is_in) AS n_out, sum(is_in) AS n_in FROM io GROUP BY acc, wb),
amb AS (SELECT acc, wb FROM bw WHERE n_in + n_out > {mx} AND greatest(n_in, n_out) <= {mx}),
exact AS (
  SELECT io.acc, io.wb, count(DISTINCT io.cp) AS n_all
  FROM io JOIN amb ON amb.acc = io.acc AND amb.wb = io.wb GROUP BY io.acc, io.wb
),
bwx AS (
  SELECT b.acc, b.wb, b.n_out, b.n_in, COALESCE(x.n_all > {mx}, b.n_in + b.n_out > {mx}) AS too_many
  FROM bw b LEFT JOIN exact x ON x.acc = b.acc AND x.wb = b.wb
),
win AS (
  SELECT acc, w0, sum(n_out) AS s_out, sum(n_in) AS s_in, bool_or(too_many) AS crowded FROM (
    SELECT acc, wb AS w0, n_out, n_in, too_many FROM bwx
    UNION ALL SELECT acc, wb - 1 AS w0, n_out, n_in, too_many FROM bwx
  ) y GROUP BY acc, w0
)
SELECT acc, w0, s_out >= {k} AS src_ok, s_in >= {k} AS sink_ok, s_in >= {k} AND s_out >= {k} AND NOT crowded AS hub_ok
FROM win WHERE s_out >= {k} OR s_in >= {k}
"""
            )

    # ------------------------------------------------------------------ scatter-gather
    def _scatter_gather(self, ctx: ScanContext, p: ScatterGatherParams) -> list[Alert]:
        w = p.window_days * 86400.0
        # The second leg lies in the first leg's 7-day bucket (wb) or the next: legs are
        # joined on (intermediary, bucket) with each second leg under its own bucket and the
        # previous one (jb), so every path is found once.
        paths = ctx.sql(
            f"""
WITH e AS (SELECT * FROM {_EDGES}),
sw AS (SELECT DISTINCT acc, w0 + k.d AS wb FROM {_WINDOWS} CROSS JOIN (VALUES (0), (1)) AS k(d) WHERE src_ok),
kw AS (SELECT DISTINCT acc, w0 + k.d AS wb FROM {_WINDOWS} CROSS JOIN (VALUES (0), (1)) AS k(d) WHERE sink_ok),
e1c AS (SELECT e.* FROM e JOIN sw ON sw.acc = e.src AND sw.wb = e.wb),
e2c AS (
  SELECT e.*, e.wb - k.d AS jb
  FROM e JOIN kw ON kw.acc = e.dst AND kw.wb = e.wb CROSS JOIN (VALUES (0), (1)) AS k(d)
),
p AS (
  SELECT e1.src AS source, e1.dst AS mid, e2.dst AS sink,
         e1.txn_id AS t1, e1.ts AS ts1, e1.amount AS a1,
         e2.txn_id AS t2, e2.ts AS ts2, e2.amount AS a2
  FROM e1c e1 JOIN e2c e2 ON e2.src = e1.dst AND e2.jb = e1.wb
  WHERE e2.es > e1.es AND e2.es <= e1.es + {w}
    AND e2.dst <> e1.src AND e2.dst <> e1.dst
    AND e2.amount >= e1.amount * {p.forward_min_ratio}
    AND e2.amount <= e1.amount * {p.forward_max_ratio}
),
g AS (
  SELECT source, sink FROM p GROUP BY source, sink
  HAVING count(DISTINCT mid) >= {p.min_intermediaries}
)
SELECT p.* FROM p JOIN g ON p.source = g.source AND p.sink = g.sink
ORDER BY p.source, p.sink, p.ts1, p.t1, p.ts2, p.t2
"""
        )
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
            for stype, sid in subjects:
                alerts.append(Alert(stype, sid, round(min(score, 1.0), 4), t_first, t_last, evidence,
                                    explanation, details))
        return alerts

    # ------------------------------------------------------------------ gather-scatter
    def _gather_scatter(self, ctx: ScanContext, p: ScatterGatherParams) -> list[Alert]:
        k = p.min_intermediaries
        cand = ctx.sql(
            f"""
WITH e AS (SELECT * FROM {_EDGES}),
cw AS (SELECT DISTINCT acc AS hub, w0 + k.d AS wb FROM {_WINDOWS} CROSS JOIN (VALUES (0), (1)) AS k(d) WHERE hub_ok)
SELECT e.dst AS hub, 'in' AS direction, e.src AS cp, e.txn_id, e.ts, e.amount
FROM e JOIN cw ON cw.hub = e.dst AND cw.wb = e.wb
UNION ALL
SELECT e.src AS hub, 'out' AS direction, e.dst AS cp, e.txn_id, e.ts, e.amount
FROM e JOIN cw ON cw.hub = e.src AND cw.wb = e.wb
ORDER BY hub, ts, txn_id
"""
        )
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
            found = self._not_layered(ctx, found, span)
        accounts = {h for h, _i, _o in found} | {r[1] for _h, i, o in found for r in i + o}
        owner_map = graph.owners(ctx.con, accounts)
        alerts = []
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
            stype, sid = graph.subject_of(hub, owner_map)
            alerts.append(Alert(stype, sid, round(min(score, 1.0), 4), t_first, t_last,
                                [r[2] for r in ins + outs], explanation, details))
        return alerts

    def _not_layered(self, ctx: ScanContext, found: list[tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]],
                     span: timedelta) -> list[tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """Drop hubs whose sources reach one of its sinks through another account in the window."""
        src_rows = [(h, r[1], min(x[3] for x in i)) for h, i, _o in found for r in i]
        snk_rows = [(h, r[1]) for h, _i, o in found for r in o]
        ctx.con.register("_net02_src", pl.DataFrame(src_rows, schema={"hub": pl.String, "acc": pl.String,
                                                                      "t0": pl.Datetime("us")}, orient="row").to_arrow())
        ctx.con.register("_net02_snk", pl.DataFrame(snk_rows, schema={"hub": pl.String, "acc": pl.String},
                                                    orient="row").to_arrow())
        try:
            layered = {r[0] for r in ctx.con.sql(
                f"""
SELECT DISTINCT s.hub
FROM _net02_src s
JOIN scan_transactions a ON a.from_account = s.acc AND a.to_account <> s.hub
 AND a.timestamp >= s.t0 AND a.timestamp <= s.t0 + INTERVAL '{int(span.total_seconds())}' SECOND
JOIN scan_transactions b ON b.from_account = a.to_account AND b.timestamp > a.timestamp
 AND b.timestamp <= s.t0 + INTERVAL '{int(span.total_seconds())}' SECOND
JOIN _net02_snk k ON k.hub = s.hub AND k.acc = b.to_account
"""
            ).fetchall()}
        finally:
            ctx.con.unregister("_net02_src")
            ctx.con.unregister("_net02_snk")
        return [f for f in found if f[0] not in layered]
