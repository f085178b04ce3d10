"""TF-TBML-01 Over/under-invoicing.

Indicator (catalogue): unit price (value in base currency / quantity) deviates from the
robust price of its HS code and unit (median over the data, or a supplied reference price
table) by a factor of at least 3 either way; needs at least 10 comparable documents.

The robust price is the median unit price (``PERCENTILE_CONT(0.5)``) over every trade
document on file with the same 6-digit HS code and unit, when at least
``min_comparables`` exist.  When a table ``trade_reference_prices(hs_code, unit, price)``
(price in the base currency per unit) is loaded, its price is used for the codes it lists.
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
from typing import Any, ClassVar, Literal

from pydantic import Field

from typologies._common import money, num, ramp
from typologies.base import Alert, Params, ScanContext, Typology


class InvoicingParams(Params):
    factor: float = Field(3.0, gt=1, description="unit price at least this many times the reference, or at most 1/factor")
    min_comparables: int = Field(10, ge=2, description="documents of the same HS code and unit needed for a median")
    subject: Literal["both", "beneficiary", "exporter", "importer"] = Field(
        "both", description="who is alerted: both trading parties (one alert each), the party receiving the "
        "excess value, or always the exporter/importer"
    )


def _has_reference_table(ctx: ScanContext) -> bool:
    rows = ctx.con.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'trade_reference_prices'"
    ).fetchall()
    return {"hs_code", "unit", "price"} <= {r[0] for r in rows}


class OverUnderInvoicing(Typology):
    id: ClassVar[str] = "TF-TBML-01"
    name: ClassVar[str] = "Over/under-invoicing"
    description: ClassVar[str] = (
        "The unit price (value in base currency / quantity) deviates from the median price of its HS code and "
        "unit by a factor of at least 3 either way, given at least 10 comparable documents."
    )
    references: ClassVar[tuple[str, ...]] = (
        "FATF/Egmont Trade-Based Money Laundering: Risk Indicators (2021)",
        "FATF Trade-Based Money Laundering (2006)",
    )
    Params: ClassVar[type[Params]] = InvoicingParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: InvoicingParams = ctx.params  # type: ignore[assignment]
        supplied = ""
        if _has_reference_table(ctx):
            supplied = """
, supplied AS (SELECT hs_code, unit, CAST(price AS DOUBLE) AS ref_price FROM trade_reference_prices WHERE price > 0)"""
        ref_expr = "COALESCE(sp.ref_price, m.med)" if supplied else "m.med"
        join_sp = "LEFT JOIN supplied sp ON sp.hs_code = s.hs_code AND sp.unit = s.unit" if supplied else ""
        src_expr = "CASE WHEN sp.ref_price IS NOT NULL THEN 'supplied' ELSE 'median' END" if supplied else "'median'"
        med_cond = "(m.med IS NOT NULL OR sp.ref_price IS NOT NULL)" if supplied else "m.med IS NOT NULL"
        rows = ctx.sql(
            f"""
WITH d AS (
  SELECT hs_code, unit, CAST(invoice_value_base AS DOUBLE) / quantity AS price
  FROM trade_documents WHERE quantity > 0 AND invoice_value_base > 0
),
m AS (
  SELECT hs_code, unit, count(*) AS n, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY price) AS med
  FROM d GROUP BY hs_code, unit HAVING count(*) >= {p.min_comparables}
){supplied}
SELECT s.trade_id, s.date, s.exporter_party_id, s.importer_party_id, s.hs_code, s.unit, s.quantity,
       CAST(s.invoice_value_base AS DOUBLE) AS value, CAST(s.invoice_value_base AS DOUBLE) / s.quantity AS price,
       {ref_expr} AS ref_price, COALESCE(m.n, 0) AS n, {src_expr} AS ref_source, s.payment_txn_id
FROM scan_trade_documents s
LEFT JOIN m ON m.hs_code = s.hs_code AND m.unit = s.unit
{join_sp}
WHERE s.quantity > 0 AND s.invoice_value_base > 0 AND {med_cond}
  AND (CAST(s.invoice_value_base AS DOUBLE) / s.quantity >= {p.factor} * {ref_expr}
    OR CAST(s.invoice_value_base AS DOUBLE) / s.quantity <= {ref_expr} / {p.factor})
ORDER BY s.date, s.trade_id
"""
        )
        alerts = []
        for r in rows.iter_rows(named=True):
            alerts.extend(self._alerts(r, p))
        return alerts

    def _alerts(self, r: dict[str, Any], p: InvoicingParams) -> list[Alert]:
        ratio = r["price"] / r["ref_price"]
        over = ratio >= 1
        dev = ratio if over else 1 / ratio
        if p.subject == "both":
            subjects = list(dict.fromkeys([r["exporter_party_id"], r["importer_party_id"]]))
        elif p.subject == "beneficiary":
            subjects = [r["exporter_party_id"] if over else r["importer_party_id"]]
        else:
            subjects = [r[f"{p.subject}_party_id"]]
        solid = r["ref_source"] == "supplied" or r["n"] >= 30
        score = 0.6 + 0.3 * ramp(math.log(dev), math.log(p.factor), math.log(3 * p.factor)) + (0.1 if solid else 0.0)
        details: dict[str, Any] = {
            "direction": "over-invoicing" if over else "under-invoicing",
            "trade_id": r["trade_id"], "hs_code": r["hs_code"], "unit": r["unit"], "quantity": r["quantity"],
            "invoice_value": round(r["value"], 2), "unit_price": round(r["price"], 4),
            "reference_price": round(r["ref_price"], 4), "reference_source": r["ref_source"],
            "comparables": int(r["n"]), "factor": round(dev, 2),
            "exporter_party_id": r["exporter_party_id"], "importer_party_id": r["importer_party_id"],
        }
        ref_word = "a supplied reference" if r["ref_source"] == "supplied" else f"the median of {int(r['n'])} documents"
        explanation = (
            f"Invoice {r['trade_id']} prices HS {r['hs_code']} at {money(r['price'])} per {r['unit']} "
            f"({num(r['quantity'])} {r['unit']} for {money(r['value'])}), {dev:.1f} times "
            f"{'above' if over else 'below'} {ref_word} ({money(r['ref_price'])}): "
            f"{'over' if over else 'under'}-invoicing moves value to the {'exporter' if over else 'importer'}."
        )
        evidence = [r["trade_id"]] + ([r["payment_txn_id"]] if r["payment_txn_id"] else [])
        ts = datetime.combine(r["date"], time())
        return [Alert("party", s, round(min(score, 1.0), 4), ts, ts, evidence, explanation, details) for s in subjects]
