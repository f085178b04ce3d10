"""ML-NET-01 Fan-in / fan-out.

Indicator (catalogue): at least 8 distinct counterparties send to (fan-in) or receive from
(fan-out) one account within 7 days, in amounts within 20% of each other, each at least 1,000;
counterparties in a recurring relationship with the account (payroll, bills, invoices) do not
count.

Everyday activity (catalogue, "Everyday activity is not a typology"), each a parameter:

- a transfer between the hub and a counterparty that transact in ``recurring_min_months``
  (3) or more distinct calendar months over the data on file is an established relationship
  (a salary, a bill, an invoice) and is left out (scan view ``scan_relationships``);
- collectors and distributors are not fan hubs by their many counterparties alone: with
  ``exclude_collector_hubs`` an account exchanging money with ``collector_min_counterparties``
  (100) or more distinct accounts on file, or owned by a party of ``excused_party_types``
  (government, financial institutions) or whose line of business has one of
  ``excused_business_words`` (utility, telco, insurer, payroll ...), is not a hub.

"Within 20% of each other" means: over the qualifying set of transfers, the largest
amount is at most 1.2 times the smallest (``max / min <= 1 + amount_tolerance``).  For
each hub account and direction the detector finds the *largest* such set: the most
distinct counterparties whose transfers fit in one box of ``window_days`` by an amount
band ``[a, a * 1.2]``; further alerts for the same hub need a window that does not
overlap an earlier one.

SQL does the narrowing: every transfer is put in a 7-day bucket and a log-amount bucket of
width ``ln(1.2)``; any qualifying set lies inside two adjacent time buckets and two
adjacent amount buckets, so only hubs with ``>= min_counterparties`` distinct
counterparties in two adjacent time buckets (first, bounded above by the sum of the two
buckets' distinct counts, a cheap superset) and then in such a 2x2 cell are kept.  The exact largest set is then found by a
sweep over the few candidate rows.

Score: 0.5 at the minimum number of counterparties, +0.3 rising linearly to three times
that number, +0.2 for tightness of the amounts (1 when all are equal, 0 at the 20% limit).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from pydantic import Field

from engine import graph
from engine.detect.base import Alert, ScanContext
from engine.detect.everyday import CollectorParams, RecurringParams, word_pattern
from engine.detect.typology import Row, Typology
from typologies._common import money, ramp


class FanParams(RecurringParams, CollectorParams):
    min_counterparties: int = Field(8, ge=2, description="distinct counterparties needed in the window")
    window_days: float = Field(7, gt=0, description="length of the time window in days")
    amount_tolerance: float = Field(
        0.2, ge=0, lt=1, description="amounts within this fraction of each other: max/min <= 1 + tolerance"
    )
    min_amount: float = Field(1_000, ge=0, description="each transfer at least this amount (base currency)")
    max_alerts_per_hub: int = Field(3, ge=1, description="non-overlapping windows reported per hub and direction")
    exclude_collector_hubs: bool = Field(
        True, description="collectors and distributors (see collector_min_counterparties, excused_party_types, "
        "excused_business_words) are not fan hubs by their many counterparties alone"
    )


def _best_box(rows: list[tuple[Any, ...]], k_min: int, span: timedelta, ratio: float,
              taken: list[tuple[Any, Any]]) -> tuple[int, list[int]] | None:
    """Largest set of distinct counterparties in one time x amount box.

    ``rows`` are ``(ts, amount, cp, txn_id)`` sorted by ts.  Returns the count and the
    row indices of the best box whose window does not overlap a ``taken`` window.
    """
    best: tuple[int, float, Any, list[int]] | None = None
    n = len(rows)
    j_end = 0
    for i in range(n):
        t0 = rows[i][0]
        t1 = t0 + span
        if any(not (t1 < a or t0 > b) for a, b in taken):
            continue
        while j_end < n and rows[j_end][0] <= t1:
            j_end += 1
        if j_end - i < k_min:
            continue
        window = sorted(range(i, j_end), key=lambda k: rows[k][1])
        counts: Counter[str] = Counter()
        lo = 0
        for hi in range(len(window)):
            counts[rows[window[hi]][2]] += 1
            while rows[window[hi]][1] > rows[window[lo]][1] * ratio + 1e-9:
                cp = rows[window[lo]][2]
                counts[cp] -= 1
                if counts[cp] == 0:
                    del counts[cp]
                lo += 1
            k = len(counts)
            if k >= k_min:
                members = window[lo:hi + 1]
                spread = rows[window[hi]][1] / rows[window[lo]][1]
                if best is None or (k, -spread) > (best[0], -best[1]):
                    best = (k, spread, t0, members)
    if best is None:
        return None
    return best[0], best[3]


Ctx = ScanContext[FanParams]


class FanInFanOut(Typology[FanParams]):
    Params = FanParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        ratio = 1.0 + ctx.params.amount_tolerance
        return {**super().bind(ctx), "window_seconds": ctx.params.window_days * 86400.0,
                "log_width": math.log(ratio) if ratio > 1 else 1e-9,
                "collector_pattern": word_pattern(ctx.params.excused_business_words)}

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        k_min = p.min_counterparties
        ratio = 1.0 + p.amount_tolerance
        self.execute(ctx, "candidates.sql")
        try:
            cand = self.query(ctx, "cells.sql")
        finally:
            ctx.con.execute("DROP TABLE IF EXISTS ml_net_01_rows")
        if cand.is_empty():
            return []
        span = timedelta(days=p.window_days)
        found: list[tuple[str, str, list[tuple[Any, ...]]]] = []
        # the rows come sorted by (direction, hub): one pass over them, group by group
        cand_rows = cand.select("direction", "hub", "ts", "amount", "cp", "txn_id").iter_rows()
        for (direction, hub), grp_rows in groupby(cand_rows, key=itemgetter(0, 1)):
            rows = [r[2:] for r in grp_rows]
            taken: list[tuple[Any, Any]] = []
            for _ in range(p.max_alerts_per_hub):
                res = _best_box(rows, k_min, span, ratio, taken)
                if res is None:
                    break
                _k, idx = res
                members = sorted((rows[i] for i in idx), key=lambda r: (r[0], r[3]))
                taken.append((members[0][0], members[0][0] + span))
                found.append((str(direction), str(hub), members))
        accounts = {hub for _d, hub, _m in found} | {r[2] for _d, _h, m in found for r in m}
        owner_map = graph.owners(ctx.con, accounts)
        return [alert for direction, hub, members in found
                for alert in self.alerts(self._row(direction, hub, members, owner_map, p), ctx)]

    def _row(self, direction: str, hub: str, members: list[tuple[Any, ...]],
             owner_map: dict[str, graph.Owner], p: FanParams) -> Row:
        amounts = [float(r[1]) for r in members]
        cps = sorted({r[2] for r in members})
        lo, hi = min(amounts), max(amounts)
        spread = hi / lo if lo > 0 else float("inf")
        t0, t1 = members[0][0], members[-1][0]
        days = max((t1 - t0).total_seconds() / 86400.0, 0.0)
        tol = p.amount_tolerance
        tight = 1.0 - ((spread - 1.0) / tol if tol > 0 else 0.0)
        score = 0.5 + 0.3 * ramp(len(cps), p.min_counterparties, 3 * p.min_counterparties) + 0.2 * max(tight, 0.0)
        kind = "fan-in" if direction == "in" else "fan-out"
        verb = "sent" if direction == "in" else "received"
        prep = "into" if direction == "in" else "from"
        details: dict[str, Any] = {
            "pattern": kind,
            "hub_account": hub,
            "counterparties": len(cps),
            "transfers": len(members),
            "total": round(sum(amounts), 2),
            "min_amount": round(lo, 2),
            "max_amount": round(hi, 2),
            "amount_ratio": round(spread, 4),
            "days": round(days, 2),
        }
        roles = {hub: "hub"}
        for cp in cps:
            roles[cp] = "source" if direction == "in" else "sink"
        edges = [{"txn_id": r[3], "ts": r[0], "src": r[2] if direction == "in" else hub,
                  "dst": hub if direction == "in" else r[2], "amount": r[1]} for r in members]
        details.update(graph.subgraph_details(edges, roles, owner_map))
        explanation = (
            f"{kind.capitalize()}: {len(cps)} distinct counterparties {verb} {len(members)} transfers of "
            f"{money(lo)}–{money(hi)} (total {money(sum(amounts))}) {prep} account {hub} within "
            f"{days:.1f} days, amounts within {100 * (spread - 1):.0f}% of each other."
        )
        return {"subjects": [graph.subject_of(hub, owner_map)], "score": round(min(score, 1.0), 4),
                "window_start": t0, "window_end": t1, "evidence": [r[3] for r in members],
                "explanation": explanation, "details": details}
