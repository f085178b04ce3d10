"""TF-XB-01 High-risk corridor.

Definition (catalogue): an individual or business sends or receives >= 10,000 in 30 days
to/from high-risk jurisdictions with no NPO/trade rationale; the score rises with the
jurisdiction's category and the share of the party's flows.

Reading of the data:

- Flows are transfers (``channels``, default wire, domestic transfer, remittance, mobile
  transfer, cheque, internal) in the scan window.  The counterparty's country is
  ``beneficiary_country`` (sent) or ``originator_country`` (received), falling back to the
  country of the counterparty's account when the account is on file.
- A flow is a corridor flow when that country is in ``ref_jurisdiction_risk`` and differs
  from the country of the subject's own account (a domestic payment inside a listed country
  is not a cross-border corridor).  Transfers between two accounts of the same owner are
  ignored.
- Subjects are parties of type ``individual`` or ``business`` (``party_types``) owning the
  account; an account on file whose owner is not on file is its own subject (type unknown).
- "No NPO/trade rationale (an NPO operating there, trade documents on file, or an
  established recurring trade relationship with that counterparty)": a flow is excused
  when it pays a trade document (``trade_documents.payment_txn_id``), or when trade
  documents on file name the subject and the counterparty party as exporter and importer
  (either way), or when the subject and the counterparty account transact in
  ``recurring_min_months`` (3) or more distinct calendar months over the data on file (scan
  view ``scan_relationships``) and the subject is of ``established_party_types`` (default
  businesses: a supplier or customer of long standing, the catalogue's "established
  recurring trade relationship") or, for money received, of
  ``excused_inbound_party_types`` (default individuals: parents paying a student's
  allowance and tuition every month, read as routine as the catalogue's "Everyday activity"
  reads recurring relationships; an individual sending regularly to the same person in a
  high-risk jurisdiction is still read), or when the
  counterparty is an NPO whose declared ``npo_operating_countries`` include that country
  (a donation to a charity working there), or when the counterparty is a party of
  ``excused_counterparty_types`` (default government bodies: taxes and fees have a
  public rationale).  Optionally
  (``trade_reference_words``, empty by default) a business's payment whose reference states
  a trade purpose is excused too; payment references are free text anyone can write, so
  this is off unless the user opts in.  NPOs themselves are not
  subjects here; their flows outside declared operations are TF-NPO-01.
- Any 30-day window counts (a window opens at every corridor flow); overlapping qualifying
  windows of a subject merge into one burst, which gives one alert.

Score: ``0.2 + 0.5 * w + 0.3 * s`` where ``w`` is the amount-weighted category weight of
the corridor countries (``ref_jurisdiction_risk.weight``: call for action 1.0, conflict
zone 0.9, increased monitoring 0.6, border/transit 0.5) and ``s`` the share of the subject's
transfer flows (in and out) in the burst's period (at least 30 days from its start) that
went through the corridor.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import ScanContext
from engine.detect.everyday import RecurringParams
from engine.detect.typology import Row, Typology
from engine.schema import TRANSFER_CHANNELS
from typologies._common import (
    CATEGORY_LABELS,
    as_list,
    base_currency,
    clamp01,
    country_names,
    join_words,
    money,
    pct,
    plural,
    whole_days,
)


class XbParams(RecurringParams):
    min_amount: float = Field(
        10_000, gt=0, description="corridor flows (sent plus received, base currency) within window_days"
    )
    window_days: int = Field(30, ge=1, le=366, description="length of the sliding window in days")
    party_types: tuple[str, ...] = Field(
        ("individual", "business"),
        description="party types monitored (accounts without owner on file too)"
    )
    channels: tuple[str, ...] = Field(
        TRANSFER_CHANNELS, description="transaction channels that count as transfers"
    )
    trade_reference_words: tuple[str, ...] = Field(
        (),
        description="words that, in the reference of a business's payment, state a trade purpose "
        "(e.g. INVOICE, SUPPLIER); empty: only trade documents on file give a trade rationale",
    )
    established_party_types: tuple[str, ...] = Field(
        ("business",), description="party types whose recurring relationship with a counterparty account abroad "
        "(see recurring_min_months) is a rationale for flows either way: an established trade relationship"
    )
    excused_inbound_party_types: tuple[str, ...] = Field(
        ("individual",), description="party types whose money received through a recurring relationship with a "
        "counterparty account abroad is routine (a student's parents, family support); money they send is read"
    )
    excused_counterparty_types: tuple[str, ...] = Field(
        ("government",), description="counterparty party types whose flows have a public rationale (taxes, fees)"
    )


Ctx = ScanContext[XbParams]


def _share(row: Row) -> float:
    hr_amount = float(row["hr_amount"])
    return clamp01(hr_amount / max(float(row["all_amount"]), hr_amount))


class HighRiskCorridor(Typology[XbParams]):
    Params = XbParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        words = "|".join(re.escape(w.upper()) for w in ctx.params.trade_reference_words if w.strip())
        return {**super().bind(ctx), "window": timedelta(days=int(ctx.params.window_days)),
                "trade_reference_pattern": words or None}

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {
            "corridor_amount": round(float(row["hr_amount"]), 2),
            "sent_amount": round(float(row["sent"]), 2),
            "received_amount": round(float(row["received"]), 2),
            "sent_count": int(row["n_sent"]),
            "received_count": int(row["n_received"]),
            "countries": sorted(c for c in as_list(row["countries"]) if c),
            "countries_sent_to": sorted(c for c in as_list(row["countries_out"]) if c),
            "countries_received_from": sorted(c for c in as_list(row["countries_in"]) if c),
            "categories": sorted(c for c in as_list(row["categories"]) if c),
            "category_weight": round(float(row["weight"]), 3),
            "share_of_flows": round(_share(row), 4),
            "all_flows_amount": round(float(row["all_amount"]), 2),
            "days": whole_days(row["b_start"], row["b_end"]),
            "currency": base_currency(),
            "threshold": float(p.min_amount),
            "window_days": int(p.window_days),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        return round(clamp01(0.2 + 0.5 * float(row["weight"]) + 0.3 * _share(row)), 4)

    def explanation(self, row: Row, d: dict[str, Any], ctx: Ctx) -> str:
        ccy = d["currency"]
        parts = []
        if d["sent_count"]:
            parts.append(
                f"sent {money(d['sent_amount'], ccy)} in {plural(d['sent_count'], 'transfer')} to "
                f"{country_names(d['countries_sent_to'])}"
            )
        if d["received_count"]:
            parts.append(
                f"received {money(d['received_amount'], ccy)} in {plural(d['received_count'], 'transfer')} from "
                f"{country_names(d['countries_received_from'])}"
            )
        cats = join_words([CATEGORY_LABELS.get(c, c) for c in d["categories"]])
        text = " and ".join(parts)
        return (
            f"{text[0].upper()}{text[1:]} ({cats}) in {plural(d['days'], 'day')}, "
            f"{pct(d['share_of_flows'])} of the party's transfer flows, with no NPO or trade purpose on file."
        )
