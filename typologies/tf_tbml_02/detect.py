"""TF-TBML-02 Phantom shipment or multiple invoicing.

Indicator (catalogue): a paid invoice with no ``shipment_ref``; one ``shipment_ref``
invoiced more than once; or a payment that differs from its invoice value by more than 10%
or comes from a party other than the importer.

Checks, per trade document in the scan window (several may hold for one document):

- ``no_shipment``: ``payment_txn_id`` is set and ``shipment_ref`` is empty;
- ``multiple_invoicing``: another trade document on file (any date) has the same
  ``shipment_ref``;
- ``payment_mismatch``: the paying transaction's base amount differs from the invoice's
  base value by more than ``max_payment_deviation`` of the invoice value;
- ``third_party_payment``: the paying transaction's debited account belongs to a party on
  file other than the importer, or, when the account's owner is not on file, the payment's
  originator name differs from the importer's name (case and outer spaces ignored).

One alert per document and party, with every check that holds.  Subjects: by default
(``subject = "both"``) the exporter and the importer (which side is the reporting entity's
customer is not on the document); or only the ``importer`` / ``exporter``.

Score: 0.6 for one check, 0.8 for two, 0.9 for three or more; a payment mismatch adds up
to 0.1 as the deviation grows to 100%.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import money, pct, ramp

CHECKS = ("no_shipment", "multiple_invoicing", "payment_mismatch", "third_party_payment")


class PhantomParams(Params):
    max_payment_deviation: float = Field(
        0.10, ge=0, description="payment may differ from the invoice value by at most this share"
    )
    subject: Literal["both", "importer", "exporter"] = Field(
        "both", description="which party of the invoice is alerted (both: one alert each)"
    )


Ctx = ScanContext[PhantomParams]


def _others(row: Row) -> list[str]:
    """The other documents invoicing this document's shipment."""
    return [t for t in (row["shipment_docs"] or []) if t != row["trade_id"]]


def _deviation(row: Row) -> float:
    return abs(row["paid"] - row["value"]) / row["value"] if row["payment_mismatch"] else 0.0


class PhantomShipment(Typology[PhantomParams]):
    Params = PhantomParams

    def subjects(self, row: Row, ctx: Ctx) -> list[tuple[str, str]]:
        if ctx.params.subject == "both":
            parties = list(dict.fromkeys([row["exporter_party_id"], row["importer_party_id"]]))
        else:
            parties = [row[f"{ctx.params.subject}_party_id"]]
        return [("party", p) for p in parties]

    def window(self, row: Row, ctx: Ctx) -> tuple[datetime, datetime]:
        ts = datetime.combine(row["date"], time())
        return ts, ts

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        evidence = [row["trade_id"]]
        if row["multiple_invoicing"]:
            evidence += _others(row)
        if row["payment_txn_id"]:
            evidence.append(row["payment_txn_id"])
        return list(dict.fromkeys(evidence))

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "checks": [c for c in CHECKS if row[c]], "trade_id": row["trade_id"], "shipment_ref": row["shipment_ref"],
            "invoice_value": round(row["value"], 2) if row["value"] is not None else None,
            "paid": round(row["paid"], 2) if row["paid"] is not None else None,
            "payment_txn_id": row["payment_txn_id"], "payer_party_id": row["payer_party"],
            "exporter_party_id": row["exporter_party_id"], "importer_party_id": row["importer_party_id"],
            "other_invoices": _others(row),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        n = len(details["checks"])
        score = (0.6 if n == 1 else 0.8 if n == 2 else 0.9) + 0.1 * ramp(
            _deviation(row), ctx.params.max_payment_deviation, 1.0)
        return round(min(score, 1.0), 4)

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        parts = []
        if row["no_shipment"]:
            parts.append(f"was paid ({money(row['paid'] or row['value'])}) with no shipping record")
        if row["multiple_invoicing"]:
            parts.append(f"shares shipment {row['shipment_ref']} with {len(_others(row))} other invoice(s)")
        if row["payment_mismatch"]:
            parts.append(f"was paid {money(row['paid'])} against an invoice of {money(row['value'])} "
                         f"({pct(_deviation(row))} off)")
        if row["third_party_payment"]:
            parts.append(f"was paid by {row['payer_party']}, not the importer {row['importer_party_id']}")
        return f"Invoice {row['trade_id']} (HS {row['hs_code']}, {money(row['value'])}) " + "; ".join(parts) + "."
