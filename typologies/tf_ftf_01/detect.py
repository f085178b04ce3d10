"""TF-FTF-01 Foreign terrorist fighter financial profile.

An individual drains at least 80% of their balance (large cash withdrawals, account
closure or loan drawdown), buys air travel (MCC 3000-3299, 4511, 4722) and then uses
cards or ATMs in a high-risk or border jurisdiction, all within 30 days.

How it is measured (no balances are on file, so they are derived from the flows):
- episode: an air-travel card payment followed, within 30 days, by a card payment or
  cash/ATM withdrawal in a country of ``ref_jurisdiction_risk`` (all categories, so the
  ``conflict_border_or_transit`` countries count as border jurisdictions); the episode's
  30-day window ends at that use abroad;
- balance: the net flow of the individual's own accounts (loan accounts excluded) over
  all history before the window; money available = that balance (if positive) plus
  inflows from others during the window (a loan drawdown arrives as such an inflow);
- drained: cash and ATM withdrawals from the individual's accounts during the window,
  plus whatever left an account closed during the window; an account closure alone counts
  as a full drain.
The individual qualifies when drained >= 80% of the money available and the drain is
"large": at least ``min_drained_amount`` (1,000; the catalogue gives no figure, so small
withdrawals from a near-empty account do not count as draining it).  When no money is
available on file (no positive balance, no inflows) the share cannot be measured and only
a closure qualifies.  Overlapping
episodes of one person merge into one alert.

Score: 0.55 at the minimum, raised (noisy-or) by the drained share (80% -> 100%), a
closure or loan drawdown, the risk weight of the jurisdiction and the number of uses there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import combine, money, pct, plural, ramp, span_days


class FtfParams(Params):
    min_drain_share: float = Field(0.8, gt=0, le=1, description="share of the available balance drained")
    min_drained_amount: float = Field(
        1_000, ge=0, description='what "large" means: the drain (cash withdrawals etc.) totals at least this'
    )
    window_days: int = Field(30, ge=1, description="days within which drain, air travel and use abroad happen")
    air_travel_group: str = Field("air_travel", description="ref_mcc_groups group of air-travel MCCs")


Ctx = ScanContext[FtfParams]


def _share(row: Row) -> float:
    available = float(row["available"] or 0.0)
    return min(1.0, float(row["drained"] or 0.0) / available) if available > 0 else 1.0


class ForeignFighterProfile(Typology[FtfParams]):
    Params = FtfParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        return {**super().bind(ctx), "window": timedelta(days=ctx.params.window_days)}

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return sorted(row["evidence"])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "balance_at_start_plus_inflows": round(float(row["available"] or 0.0), 2),
            "drained": round(float(row["drained"] or 0.0), 2),
            "drained_share": round(_share(row), 4),
            "accounts_closed": int(row["n_closed"] or 0),
            "loan_drawdown": round(float(row["loan_drawdown"] or 0.0), 2),
            "drain_transactions": int(row["n_drain"]),
            "air_travel_purchases": int(row["n_air"]),
            "air_travel_amount": round(float(row["air_amt"] or 0.0), 2),
            "uses_abroad": int(row["n_abroad"]),
            "countries": sorted(c for c in row["countries"] if c),
            "max_risk_weight": float(row["max_weight"] or 0.0),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        closed = int(row["n_closed"] or 0)
        loan = float(row["loan_drawdown"] or 0.0)
        return combine(
            0.55,
            0.3 * ramp(_share(row), ctx.params.min_drain_share, 1.0),
            0.2 * (1.0 if closed or loan > 0 else 0.0),
            0.3 * float(row["max_weight"] or 0.0),
            0.1 * ramp(int(row["n_abroad"]), 1, 4),
        )

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        available = float(row["available"] or 0.0)
        drained = float(row["drained"] or 0.0)
        closed = int(row["n_closed"] or 0)
        loan = float(row["loan_drawdown"] or 0.0)
        how = []
        if drained > 0:
            how.append(f"drained {money(drained)} ({pct(_share(row))} of the {money(available)} it had to spend, its balance at the start plus what came in)")
        if closed:
            how.append(f"closed {plural(closed, 'account')}")
        if loan > 0:
            how.append(f"drew {money(loan)} on a loan")
        return (
            f"Within {span_days(row['burst_start'], row['burst_end'])} this individual "
            f"{', '.join(how)}, bought air travel ({plural(int(row['n_air']), 'purchase')}, "
            f"{money(row['air_amt'] or 0)}) and then used cards or ATMs "
            f"{plural(int(row['n_abroad']), 'time')} in high-risk or border jurisdictions "
            f"({', '.join(details['countries'])})."
        )
