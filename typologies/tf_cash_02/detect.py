"""TF-CASH-02 Funnel account (smurfing).

At least 5 distinct depositors put cash into one account in at least 2 cities within any
14 days, and at least 70% of that cash leaves by wire or cash withdrawal in another
country within 7 days (of the last deposit of the window; outflows from the first
deposit on count).

Definitions used:
- depositor: the recorded ``originator_name`` of the cash deposit (case and surrounding
  spaces ignored); deposits without a recorded depositor do not add a depositor;
- city: ``location_city`` of the deposit;
- "another country": the wire's ``beneficiary_country`` (else the country of the credited
  account when on file) or the withdrawal's ``location_country``, differing from the
  country where the funnel account is held (else from the deposits' ``location_country``).
Overlapping qualifying windows of one account merge into one alert.

Score: 0.5 at the minimum, raised (noisy-or) by the number of depositors (5 -> 15), of
cities (2 -> 5), by the share sent abroad (70% -> 100%) and by the risk weight of the
destination jurisdictions (high-risk list).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import combine, money, pct, plural, ramp, span_days


class FunnelParams(Params):
    min_depositors: int = Field(5, ge=2, description="distinct depositors into one account within the window")
    min_cities: int = Field(2, ge=1, description="distinct cities of those deposits")
    deposit_window_days: int = Field(14, ge=1, description="sliding window of the deposits, in days")
    min_outflow_share: float = Field(
        0.7, gt=0, le=1, description="share of the deposited cash that must leave abroad"
    )
    outflow_days: int = Field(7, ge=0, description="days after the last deposit in which it must leave")


Ctx = ScanContext[FunnelParams]


def _share(row: Row) -> float:
    return min(1.0, row["out_total"] / row["dep_total"]) if row["dep_total"] else 0.0


class FunnelAccount(Typology[FunnelParams]):
    Params = FunnelParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "deposit_window": timedelta(days=p.deposit_window_days),
                "outflow_window": timedelta(days=p.outflow_days)}

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return list(row["dep_ids"]) + list(row["out_ids"])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "account_id": row["account_id"],
            "deposits": int(row["n_dep"]),
            "depositors": int(row["n_depositors"]),
            "cities": int(row["n_cities"]),
            "deposited": round(row["dep_total"], 2),
            "sent_abroad": round(row["out_total"], 2),
            "outflows": int(row["n_out"]),
            "outflow_share": round(_share(row), 4),
            "home_country": row["home_country"],
            "destination_countries": sorted(c for c in row["out_countries"] if c),
            "max_destination_risk_weight": float(row["max_weight"] or 0.0),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        return combine(
            0.5,
            0.3 * ramp(row["n_depositors"], p.min_depositors, 3 * p.min_depositors),
            0.2 * ramp(row["n_cities"], p.min_cities, p.min_cities + 3),
            0.3 * ramp(_share(row), p.min_outflow_share, 1.0),
            0.3 * float(row["max_weight"] or 0.0),
        )

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        return (
            f"{plural(int(row['n_depositors']), 'depositor')} paid {money(row['dep_total'])} in cash into account "
            f"{row['account_id']} in {plural(int(row['n_cities']), 'city', 'cities')} within "
            f"{span_days(row['burst_start'], row['burst_end'])}, and {pct(_share(row))} of it "
            f"({money(row['out_total'])}) left in "
            f"{plural(int(row['n_out']), 'wire or withdrawal', 'wires or withdrawals')} "
            f"abroad ({', '.join(details['destination_countries'])})."
        )
