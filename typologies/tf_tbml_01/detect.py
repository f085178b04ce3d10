"""TF-TBML-01 Over/under-invoicing.

Indicator (catalogue): unit price (value in base currency / quantity) deviates from the
robust price of its HS code and unit (median over the data, or a supplied reference price
table) by a factor of at least 3 either way; needs at least 10 comparable documents.

The robust price is the median unit price (``PERCENTILE_CONT(0.5)``) over every trade
document on file with the same 6-digit HS code and unit, when at least
``min_comparables`` exist.  When a table ``trade_reference_prices(hs_code, unit, price)``
(price in the base currency per unit) is loaded, its price is used for the codes it lists
(the scan's ``ref_trade_prices`` view).
Documents in the scan window whose price is at least ``factor`` times the reference
(over-invoicing: value moves to the exporter) or at most ``1 / factor`` of it
(under-invoicing: value moves to the importer) are alerted.

Subjects: by default (``subject = "both"``) the exporter and the importer, one alert each
(which side is the reporting entity's customer is not on the document); ``beneficiary``
alerts only the party that receives the excess value (the exporter for over-invoicing,
the importer for under-invoicing); ``exporter``/``importer`` always that side.

Score: 0.6 at the factor, rising to 0.9 at three times the factor, +0.1 when the
reference rests on at least 30 documents (or a supplied price).
"""

from __future__ import annotations

import math
from datetime import datetime, time
from typing import Any, Literal

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import money, num, ramp


class InvoicingParams(Params):
    factor: float = Field(3.0, gt=1, description="unit price at least this many times the reference, or at most 1/factor")
    min_comparables: int = Field(10, ge=2, description="documents of the same HS code and unit needed for a median")
    subject: Literal["both", "beneficiary", "exporter", "importer"] = Field(
        "both", description="who is alerted: both trading parties (one alert each), the party receiving the "
        "excess value, or always the exporter/importer"
    )


Ctx = ScanContext[InvoicingParams]


def _deviation(row: Row) -> tuple[bool, float]:
    ratio = row["price"] / row["ref_price"]
    return ratio >= 1, (ratio if ratio >= 1 else 1 / ratio)


class OverUnderInvoicing(Typology[InvoicingParams]):
    Params = InvoicingParams

    def subjects(self, row: Row, ctx: Ctx) -> list[tuple[str, str]]:
        over, _ = _deviation(row)
        who = ctx.params.subject
        if who == "both":
            parties = list(dict.fromkeys([row["exporter_party_id"], row["importer_party_id"]]))
        elif who == "beneficiary":
            parties = [row["exporter_party_id"] if over else row["importer_party_id"]]
        else:
            parties = [row[f"{who}_party_id"]]
        return [("party", p) for p in parties]

    def window(self, row: Row, ctx: Ctx) -> tuple[datetime, datetime]:
        ts = datetime.combine(row["date"], time())
        return ts, ts

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return [row["trade_id"]] + ([row["payment_txn_id"]] if row["payment_txn_id"] else [])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        over, dev = _deviation(row)
        return {
            "direction": "over-invoicing" if over else "under-invoicing",
            "trade_id": row["trade_id"], "hs_code": row["hs_code"], "unit": row["unit"],
            "quantity": row["quantity"], "invoice_value": round(row["value"], 2),
            "unit_price": round(row["price"], 4), "reference_price": round(row["ref_price"], 4),
            "reference_source": row["ref_source"], "comparables": int(row["n"]), "factor": round(dev, 2),
            "exporter_party_id": row["exporter_party_id"], "importer_party_id": row["importer_party_id"],
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        factor = ctx.params.factor
        _, dev = _deviation(row)
        solid = row["ref_source"] == "supplied" or row["n"] >= 30
        score = 0.6 + 0.3 * ramp(math.log(dev), math.log(factor), math.log(3 * factor)) + (0.1 if solid else 0.0)
        return round(min(score, 1.0), 4)

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        over, dev = _deviation(row)
        ref_word = ("a supplied reference" if row["ref_source"] == "supplied"
                    else f"the median of {int(row['n'])} documents")
        return (
            f"Invoice {row['trade_id']} prices HS {row['hs_code']} at {money(row['price'])} per {row['unit']} "
            f"({num(row['quantity'])} {row['unit']} for {money(row['value'])}), {dev:.1f} times "
            f"{'above' if over else 'below'} {ref_word} ({money(row['ref_price'])}): "
            f"{'over' if over else 'under'}-invoicing moves value to the {'exporter' if over else 'importer'}."
        )
