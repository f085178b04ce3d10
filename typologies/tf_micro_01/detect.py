"""TF-MICRO-01 Micro-donation aggregation (crowdfunding).

Definition (catalogue): >= 20 small inbound transfers (<= 500 each) from >= 15 distinct
senders into a personal account within 30 days, then >= 70% of the total sent abroad in
<= 3 transfers within 14 days.

Reading of the data:

- A personal account is an account on file whose owner is a party of type ``individual``
  and whose type is not ``business``/``npo``/``correspondent``.
- Inbound transfers are credits by a transfer channel (wire, domestic transfer,
  remittance, mobile transfer, cheque, internal) of at most 500 in the base currency, not
  from another account of the same owner.  A sender is the debited account's owner party,
  else the debited account, else the originator name.
- Any 30-day window counts; qualifying windows of an account merge into one collection
  burst.  The collected total is the small credits in the burst.
- "Sent abroad": debits from the account by a transfer channel whose destination country
  (beneficiary country, else the credited account's country) differs from the account's
  country, made after the burst's first small credit and at most 14 days after its last.
  The burst qualifies when its 3 largest such debits carry >= 70% of the collected total.

Score: ``0.4 + 0.2 * ramp(senders, 15, 60) + 0.2 * ramp(share abroad, 70%, 100%)`` plus up
to 0.2 times the highest jurisdiction weight among the destinations (high-risk
destinations raise it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from engine.schema import TRANSFER_CHANNELS
from typologies._common import (
    as_list,
    base_currency,
    clamp01,
    country_names,
    money,
    pct,
    plural,
    ramp,
    whole_days,
)


class MicroParams(Params):
    max_small_amount: float = Field(500, gt=0, description="largest amount of a small inbound transfer")
    min_small_transfers: int = Field(20, ge=1, description="small inbound transfers within window_days")
    min_senders: int = Field(15, ge=1, description="distinct senders of those transfers")
    window_days: int = Field(30, ge=1, le=366, description="collection window in days")
    min_abroad_share: float = Field(
        0.7, gt=0, le=1, description="share of the collected total sent abroad afterwards"
    )
    max_abroad_transfers: int = Field(3, ge=1, description="the share must go in at most this many transfers")
    forward_days: int = Field(14, ge=0, description="days after the last small credit to send it abroad")
    channels: tuple[str, ...] = Field(
        TRANSFER_CHANNELS, description="transaction channels that count as transfers"
    )
    excluded_account_types: tuple[str, ...] = Field(
        ("business", "npo", "correspondent"), description="account types that are not personal accounts"
    )


Ctx = ScanContext[MicroParams]


class MicroDonationAggregation(Typology[MicroParams]):
    Params = MicroParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "window": timedelta(days=int(p.window_days)),
                "forward_window": timedelta(days=int(p.forward_days))}

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return list(row["small_ids"]) + list(row["abroad_ids"])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        total = float(row["total"])
        return {
            "account_id": row["account_id"],
            "small_transfer_count": int(row["n_small"]),
            "sender_count": int(row["n_senders"]),
            "collected_amount": round(total, 2),
            "smallest": round(float(row["min_amt"]), 2),
            "largest": round(float(row["max_amt"]), 2),
            "collection_days": whole_days(row["b_start"], row["b_end"]),
            "sent_abroad_amount": round(float(row["sent_abroad"]), 2),
            "sent_abroad_count": int(row["n_abroad"]),
            "sent_abroad_share": round(clamp01(float(row["sent_abroad"]) / total), 4),
            "days_to_send": whole_days(row["b_end"], row["last_abroad"]),
            "countries": sorted(c for c in as_list(row["countries"]) if c),
            "currency": base_currency(),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        share = clamp01(float(row["sent_abroad"]) / float(row["total"]))
        return round(clamp01(
            0.4
            + 0.2 * ramp(int(row["n_senders"]), int(p.min_senders), 4 * int(p.min_senders))
            + 0.2 * ramp(share, float(p.min_abroad_share), 1.0)
            + 0.2 * float(row["max_weight"] or 0)
        ), 4)

    def explanation(self, row: Row, d: dict[str, Any], ctx: Ctx) -> str:
        ccy = d["currency"]
        return (
            f"{d['small_transfer_count']} small transfers of {money(d['smallest'], '')}–{money(d['largest'], ccy)} "
            f"from {d['sender_count']} senders (total {money(d['collected_amount'], ccy)}) reached personal "
            f"account {d['account_id']} in {plural(d['collection_days'], 'day')}, then "
            f"{money(d['sent_abroad_amount'], ccy)} ({pct(d['sent_abroad_share'])}) went to "
            f"{country_names(d['countries'])} in "
            f"{plural(d['sent_abroad_count'], 'transfer')} within {plural(d['days_to_send'], 'day')}."
        )
