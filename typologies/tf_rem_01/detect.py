"""TF-REM-01 Remittances to many individuals in facilitation jurisdictions.

Definition (catalogue): one party sends remittances or wires without a stated purpose to
>= 4 distinct individuals in high-risk jurisdictions within 60 days.

Reading of the data:

- Payments: debits by ``remittance`` or ``wire`` (``channels``) whose ``reference`` is
  empty ("without a stated purpose"), sent by a party of ``sender_party_types`` (money
  service businesses and banks, whose trade is remitting for others, and government
  bodies are left out by default) or by an account on file whose owner is not on file.
- The beneficiary's country is ``beneficiary_country``, else the credited account's
  country; it must be in ``ref_jurisdiction_risk`` and differ from the sender account's
  country (a cross-border payment).
- Individuals: a beneficiary on file counts when its party type is ``individual``; one not
  on file counts unless its ``beneficiary_name`` looks like an organisation (legal forms
  such as LTD/LLC/GmbH and nouns such as bank, trading, foundation).  Distinct individuals
  are distinct beneficiary parties, else distinct beneficiary names (case and spacing
  ignored), else distinct credited accounts.
- Any 60-day window counts; overlapping qualifying windows merge into one alert.

Score: ``0.3 + 0.4 * ramp(individuals, 4, 12) + 0.3 * w`` where ``w`` is the
amount-weighted jurisdiction weight of the destinations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import (
    ORG_NAME_PATTERN,
    as_list,
    base_currency,
    clamp01,
    countries_phrase,
    money,
    plural,
    ramp,
    whole_days,
)


class RemParams(Params):
    min_individuals: int = Field(4, ge=1, description="distinct individual beneficiaries within window_days")
    window_days: int = Field(60, ge=1, le=366, description="length of the sliding window in days")
    channels: tuple[str, ...] = Field(
        ("remittance", "wire"), description="channels that count as remittances"
    )
    sender_party_types: tuple[str, ...] = Field(
        ("individual", "business", "npo"), description="party types monitored as senders"
    )


Ctx = ScanContext[RemParams]


class RemittancesToIndividuals(Typology[RemParams]):
    Params = RemParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        return {**super().bind(ctx), "window": timedelta(days=ctx.params.window_days),
                "org_name_pattern": ORG_NAME_PATTERN}

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "individual_count": int(row["n_ben"]),
            "payment_count": int(row["n_pay"]),
            "remittance_count": int(row["n_rem"]),
            "wire_count": int(row["n_pay"]) - int(row["n_rem"]),
            "total_amount": round(float(row["total"]), 2),
            "countries": sorted(c for c in as_list(row["countries"]) if c),
            "categories": sorted(c for c in as_list(row["categories"]) if c),
            "category_weight": round(float(row["weight"]), 3),
            "days": whole_days(row["window_start"], row["window_end"]),
            "currency": base_currency(),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        k = int(ctx.params.min_individuals)
        return round(clamp01(0.3 + 0.4 * ramp(int(row["n_ben"]), k, 3 * k) + 0.3 * float(row["weight"])), 4)

    def explanation(self, row: Row, d: dict[str, Any], ctx: Ctx) -> str:
        kinds = []
        if d["remittance_count"]:
            kinds.append(plural(d["remittance_count"], "remittance"))
        if d["wire_count"]:
            kinds.append(plural(d["wire_count"], "wire"))
        return (
            f"Sent {money(d['total_amount'], d['currency'])} in {' and '.join(kinds)} "
            f"with no stated purpose to {d['individual_count']} different individuals in "
            f"{countries_phrase(d['countries'], d['categories'])} within {plural(d['days'], 'day')}."
        )
