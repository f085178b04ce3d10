"""TF-CASH-01 Structuring below the reporting threshold.

Three or more cash deposits or withdrawals by one party, each between 80% and 100% of
the cash reporting threshold, within any 7-day window, over any of its accounts and
branches.  "Between 80% and 100%" is ``low_ratio * threshold <= amount < threshold``: an
amount at the threshold is reported anyway.  Accounts whose owner is not on file are
grouped by account.  Overlapping qualifying windows of one subject merge into one alert.

Score: 0.5 for the minimum pattern, raised (noisy-or) by the number of transactions
(full at ``2 * min_transactions``), by how close the amounts sit to the threshold (mean
ratio 80% -> 0, 100% -> 1) and by the number of accounts/branches used.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import combine, money, money_range, num, plural, ramp, span_days


class CashStructuringParams(Params):
    threshold: float = Field(10_000, gt=0, description="cash reporting threshold in the base currency")
    low_ratio: float = Field(
        0.8, gt=0, lt=1, description="lower bound of the band, as a share of the threshold (inclusive)"
    )
    min_transactions: int = Field(3, ge=2, description="cash transactions in the band needed in one window")
    window_days: int = Field(7, ge=1, description="length of the sliding window in days")


Ctx = ScanContext[CashStructuringParams]


class CashStructuring(Typology[CashStructuringParams]):
    Params = CashStructuringParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "low_amount": round(p.low_ratio * p.threshold, 2),
                "window": timedelta(days=p.window_days)}

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        n = int(row["n"])
        n_dep = int(row["n_deposits"])
        return {
            "transactions": n,
            "deposits": n_dep,
            "withdrawals": n - n_dep,
            "min_amount": round(row["min_amt"], 2),
            "max_amount": round(row["max_amt"], 2),
            "total": round(row["total"], 2),
            "mean_ratio_to_threshold": round(row["mean_amt"] / p.threshold, 4),
            "accounts": int(row["n_accounts"]),
            "branches": int(row["n_branches"]),
            "threshold": p.threshold,
            "window_days": p.window_days,
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        return combine(
            0.5,
            0.5 * ramp(int(row["n"]), p.min_transactions, 2 * p.min_transactions),
            0.4 * ramp(row["mean_amt"] / p.threshold, p.low_ratio, 1.0),
            0.2 * ramp(max(int(row["n_accounts"]), int(row["n_branches"])), 1, 3),
        )

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        n_dep, n_wd = details["deposits"], details["withdrawals"]
        kinds = []
        if n_dep:
            kinds.append(plural(n_dep, "cash deposit"))
        if n_wd:
            kinds.append(plural(n_wd, "cash withdrawal"))
        prep = "into" if n_wd == 0 else ("from" if n_dep == 0 else "through")
        return (
            f"{' and '.join(kinds)} of {money_range(row['min_amt'], row['max_amt'])} "
            f"(total {num(row['total'])}) {prep} {plural(int(row['n_accounts']), 'account')} "
            f"in {span_days(row['window_start'], row['window_end'])}, each just under the "
            f"{money(ctx.params.threshold, '')} reporting threshold."
        )
