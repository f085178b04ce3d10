"""TF-PASS-01 Rapid pass-through.

Definition (catalogue): >= 90% of an account's inflows (total >= 20,000 in 30 days) leave
within 72 hours, leaving a residual under 10%.

Reading of the data: money leaves first in, first out.  Over the account's history up to
the end of the scan window, every credit is a slice of the running inflow total and every
debit consumes that total in order; the balance the account must already have held (the
largest shortfall of cumulative debits over cumulative credits, never negative) is placed
in front of the queue.  A credit has been *forwarded within 72 hours* for the part of its
slice that cumulative debits have consumed by ``credit time + 72 h``, where the account
may keep back up to ``max_residual_share`` (10%) of what it received in the previous
``window_days`` without that counting against newer credits (a pass-through account that
leaves a few percent of each credit behind still forwards each credit).  So an account
that keeps a working balance (a business that holds money for weeks) does not qualify,
while one that empties itself after each credit does.

For every window of 30 days opening at a credit inside the scan window: credits total
>= 20,000, the forwarded part >= 90% of them, and the residual (the part of those credits
still in the account 72 hours after the window's last credit, first in first out) < 10%.
Overlapping qualifying windows of an account merge into one burst and one alert.  All
channels count (transfers, cash, card); accounts of ``excluded_account_types``
(correspondent accounts exist to pass money through) are skipped.  Credits from a counterparty
in a recurring relationship with the account (transacting in ``recurring_min_months`` (3) or
more distinct calendar months over the data on file: family support paying a student's
tuition, customers paying a business that pays its staff) stay in the first-in-first-out
queue but are not counted among the window's inflows (``exclude_recurring_inflows``): money
arriving through an established relationship is not layering.  Collectors and
distributors with ``exclude_collectors`` (catalogue, "Everyday activity is not a typology":
accounts exchanging money with ``collector_min_counterparties`` (100) or more distinct
accounts on file, or owned by a party of ``excused_party_types`` or whose line of business
has one of ``excused_business_words``: payment processors, payroll bureaus and marketplaces
pass money on quickly by what they are) are skipped too.  The subject is the
account's owner party, or the account when its owner is not on file.

Score: ``0.4 + 0.3 * ramp(forwarded share, 90%, 100%) + 0.3 * ramp(credits, 20,000, 100,000)``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import ScanContext
from engine.detect.everyday import CollectorParams, RecurringParams, word_pattern
from engine.detect.typology import Row, Typology
from typologies._common import base_currency, clamp01, money, pct, plural, ramp


class PassParams(RecurringParams, CollectorParams):
    min_inflow: float = Field(20_000, gt=0, description="credits into the account within window_days")
    window_days: int = Field(30, ge=1, le=366, description="length of the sliding window in days")
    max_hours: int = Field(72, ge=1, description="hours within which credits must leave")
    min_forwarded_share: float = Field(
        0.9, gt=0, le=1, description="share of the window's credits that left within max_hours"
    )
    max_residual_share: float = Field(
        0.1, ge=0, le=1, description="residual of the window's credits must be under this share"
    )
    excluded_account_types: tuple[str, ...] = Field(
        ("correspondent",), description="account types not monitored (built to pass money through)"
    )
    exclude_recurring_inflows: bool = Field(
        True, description="credits from a counterparty in a recurring relationship with the account (see "
        "recurring_min_months: family support, customers, an employer) are not counted among its inflows"
    )
    exclude_collectors: bool = Field(
        True, description="collectors and distributors (see collector_min_counterparties) are not read: passing money "
        "on quickly is their business"
    )


Ctx = ScanContext[PassParams]


def _share(row: Row) -> float:
    in_amt = float(row["in_amt"])
    return clamp01(float(row["fwd_amt"]) / in_amt) if in_amt else 0.0


class RapidPassThrough(Typology[PassParams]):
    Params = PassParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "window": timedelta(days=int(p.window_days)),
                "hold": timedelta(hours=int(p.max_hours)),
                "collector_pattern": word_pattern(p.excused_business_words)}

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return list(row["in_ids"]) + list(row["out_ids"] or [])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "account_id": row["account_id"],
            "inflow_amount": round(float(row["in_amt"]), 2),
            "inflow_count": int(row["n_in"]),
            "forwarded_amount": round(float(row["fwd_amt"]), 2),
            "forwarded_share": round(_share(row), 4),
            "residual_share": round(clamp01(float(row["residual"])), 4),
            "outflow_amount": round(float(row["out_amt"]), 2),
            "outflow_count": int(row["n_out"]),
            "max_hours": int(ctx.params.max_hours),
            "currency": base_currency(),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        in_amt = float(row["in_amt"])
        return round(clamp01(
            0.4
            + 0.3 * ramp(_share(row), float(p.min_forwarded_share), 1.0)
            + 0.3 * ramp(in_amt, float(p.min_inflow), 5 * float(p.min_inflow))
        ), 4)

    def explanation(self, row: Row, d: dict[str, Any], ctx: Ctx) -> str:
        ccy = d["currency"]
        return (
            f"Account {d['account_id']} received {money(d['inflow_amount'], ccy)} in "
            f"{plural(d['inflow_count'], 'credit')} and {pct(d['forwarded_share'])} of it "
            f"({money(d['forwarded_amount'], ccy)}) left within {d['max_hours']} hours in "
            f"{plural(d['outflow_count'], 'debit')}, leaving {pct(d['residual_share'])} of it in the account."
        )
