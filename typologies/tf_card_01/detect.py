"""TF-CARD-01 Prepaid card loading and cash-out abroad.

One party loads at least 3 prepaid cards, or loads at least 5,000 in total, within any
30 days, and the cards loaded in that window are drawn in cash (ATM or cash withdrawal)
in a high-risk or border jurisdiction within 30 days of a load.

Definitions used:
- load: a ``prepaid_load`` transaction; the card is its ``to_account``;
- the loading party: the owner of the funding account (``from_account``); for a load
  funded with cash (no ``from_account``) the owner of the card; when neither is on file
  the funding account, else the card, is the subject;
- "high-risk or border jurisdiction": any country of ``ref_jurisdiction_risk`` (FATF
  lists, conflict zones and the ``conflict_border_or_transit`` category), matched on the
  withdrawal's ``location_country``.
Overlapping qualifying windows of one party merge into one alert.

Score: 0.5 at the minimum, raised (noisy-or) by the number of cards (3 -> 6), the amount
loaded (5,000 -> 20,000), the share of the loaded money drawn in risky jurisdictions and
the highest risk weight of those jurisdictions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import combine, money, pct, plural, ramp, span_days


class CardParams(Params):
    min_cards: int = Field(3, ge=1, description="distinct prepaid cards loaded by one party within the window")
    min_loaded: float = Field(5_000, gt=0, description="or: total loaded within the window (base currency)")
    load_window_days: int = Field(30, ge=1, description="sliding window of the loads, in days")
    cashout_days: int = Field(30, ge=0, description="days after a load in which the card is drawn abroad")


Ctx = ScanContext[CardParams]


def _share(row: Row) -> float:
    return min(1.0, row["drawn"] / row["loaded"]) if row["loaded"] else 0.0


class PrepaidCardCashOut(Typology[CardParams]):
    Params = CardParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "load_window": timedelta(days=p.load_window_days),
                "cashout_window": timedelta(days=p.cashout_days)}

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return list(row["load_ids"]) + list(row["cash_ids"])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "loads": int(row["n_loads"]),
            "cards": int(row["n_cards"]),
            "loaded": round(row["loaded"], 2),
            "cash_withdrawals": int(row["n_cash"]),
            "drawn_in_risky_jurisdictions": round(row["drawn"], 2),
            "drawn_share": round(_share(row), 4),
            "countries": sorted(c for c in row["countries"] if c),
            "max_risk_weight": float(row["max_weight"] or 0.0),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        return combine(
            0.5,
            0.3 * ramp(row["n_cards"], p.min_cards, 2 * p.min_cards),
            0.3 * ramp(row["loaded"], p.min_loaded, 4 * p.min_loaded),
            0.3 * _share(row),
            0.2 * float(row["max_weight"] or 0.0),
        )

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        return (
            f"{plural(int(row['n_loads']), 'load')} totalling {money(row['loaded'])} onto "
            f"{plural(int(row['n_cards']), 'prepaid card')} within "
            f"{span_days(row['burst_start'], row['burst_end'])}, "
            f"then {plural(int(row['n_cash']), 'cash withdrawal')} of {money(row['drawn'])} "
            f"({pct(_share(row))} of it) in high-risk or border jurisdictions "
            f"({', '.join(details['countries'])})."
        )
