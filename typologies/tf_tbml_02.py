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
from typing import Any, ClassVar, Literal

from pydantic import Field

from typologies._common import money, pct, ramp
from typologies.base import Alert, Params, ScanContext, Typology


class PhantomParams(Params):
    max_payment_deviation: float = Field(
        0.10, ge=0, description="payment may differ from the invoice value by at most this share"
    )
    subject: Literal["both", "importer", "exporter"] = Field(
        "both", description="which party of the invoice is alerted (both: one alert each)"
    )


class PhantomShipment(Typology):
    id: ClassVar[str] = "TF-TBML-02"
    name: ClassVar[str] = "Phantom shipment or multiple invoicing"
    description: ClassVar[str] = (
        "A paid invoice with no shipment reference; one shipment reference invoiced more than once; or a "
        "payment that differs from its invoice value by more than 10% or comes from a party other than the "
        "importer."
    )
    references: ClassVar[tuple[str, ...]] = (
        "FATF/Egmont Trade-Based Money Laundering: Risk Indicators (2021)",
    )
    Params: ClassVar[type[Params]] = PhantomParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: PhantomParams = ctx.params  # type: ignore[assignment]
        rows = ctx.sql(
            f"""
WITH ship AS (
  SELECT shipment_ref, count(*) AS n_docs FROM trade_documents
  WHERE shipment_ref IS NOT NULL AND shipment_ref <> '' GROUP BY shipment_ref HAVING count(*) > 1
),
d AS (
  SELECT s.trade_id, s.date, s.exporter_party_id, s.importer_party_id, s.hs_code, s.shipment_ref,
         s.payment_txn_id, CAST(s.invoice_value_base AS DOUBLE) AS value,
         CAST(t.amount_base AS DOUBLE) AS paid, t.from_account,
         COALESCE(a.party_id, CASE WHEN t.originator_name IS NOT NULL AND ip.name IS NOT NULL
                                    AND lower(trim(t.originator_name)) <> lower(trim(ip.name))
                               THEN t.originator_name END) AS payer_party,
         sh.n_docs
  FROM scan_trade_documents s
  LEFT JOIN transactions t ON t.txn_id = s.payment_txn_id
  LEFT JOIN accounts a ON a.account_id = t.from_account
  LEFT JOIN parties ip ON ip.party_id = s.importer_party_id
  LEFT JOIN ship sh ON sh.shipment_ref = s.shipment_ref
)
SELECT d.*,
  (payment_txn_id IS NOT NULL AND payment_txn_id <> '' AND (shipment_ref IS NULL OR shipment_ref = ''))
    AS no_shipment,
  (n_docs IS NOT NULL) AS multiple_invoicing,
  (paid IS NOT NULL AND value > 0 AND abs(paid - value) > {p.max_payment_deviation} * value) AS payment_mismatch,
  (payer_party IS NOT NULL AND payer_party <> importer_party_id) AS third_party_payment
FROM d
WHERE (payment_txn_id IS NOT NULL AND payment_txn_id <> '' AND (shipment_ref IS NULL OR shipment_ref = ''))
   OR n_docs IS NOT NULL
   OR (paid IS NOT NULL AND value > 0 AND abs(paid - value) > {p.max_payment_deviation} * value)
   OR (payer_party IS NOT NULL AND payer_party <> importer_party_id)
ORDER BY date, trade_id
"""
        )
        if rows.is_empty():
            return []
        others: dict[str, list[str]] = {}
        multi = rows.filter(rows["multiple_invoicing"])
        if not multi.is_empty():
            ctx.con.register("_tbml02_refs", multi.select("shipment_ref").unique().to_arrow())
            try:
                for ref, tid in ctx.con.sql(
                    "SELECT d.shipment_ref, d.trade_id FROM trade_documents d "
                    "JOIN _tbml02_refs r ON r.shipment_ref = d.shipment_ref ORDER BY d.trade_id"
                ).fetchall():
                    others.setdefault(ref, []).append(tid)
            finally:
                ctx.con.unregister("_tbml02_refs")
        return [a for r in rows.iter_rows(named=True) for a in self._alerts(r, others, p)]

    def _alerts(self, r: dict[str, Any], others: dict[str, list[str]], p: PhantomParams) -> list[Alert]:
        checks = [c for c in ("no_shipment", "multiple_invoicing", "payment_mismatch", "third_party_payment") if r[c]]
        parts = []
        evidence = [r["trade_id"]]
        dev = 0.0
        if r["no_shipment"]:
            parts.append(f"was paid ({money(r['paid'] or r['value'])}) with no shipping record")
        if r["multiple_invoicing"]:
            docs = [t for t in others.get(r["shipment_ref"], []) if t != r["trade_id"]]
            evidence += docs
            parts.append(f"shares shipment {r['shipment_ref']} with {len(docs)} other invoice(s)")
        if r["payment_mismatch"]:
            dev = abs(r["paid"] - r["value"]) / r["value"]
            parts.append(f"was paid {money(r['paid'])} against an invoice of {money(r['value'])} ({pct(dev)} off)")
        if r["third_party_payment"]:
            parts.append(f"was paid by {r['payer_party']}, not the importer {r['importer_party_id']}")
        if r["payment_txn_id"]:
            evidence.append(r["payment_txn_id"])
        n = len(checks)
        score = (0.6 if n == 1 else 0.8 if n == 2 else 0.9) + 0.1 * ramp(dev, p.max_payment_deviation, 1.0)
        details: dict[str, Any] = {
            "checks": checks, "trade_id": r["trade_id"], "shipment_ref": r["shipment_ref"],
            "invoice_value": round(r["value"], 2) if r["value"] is not None else None,
            "paid": round(r["paid"], 2) if r["paid"] is not None else None,
            "payment_txn_id": r["payment_txn_id"], "payer_party_id": r["payer_party"],
            "exporter_party_id": r["exporter_party_id"], "importer_party_id": r["importer_party_id"],
            "other_invoices": [t for t in others.get(r["shipment_ref"] or "", []) if t != r["trade_id"]],
        }
        explanation = f"Invoice {r['trade_id']} (HS {r['hs_code']}, {money(r['value'])}) " + "; ".join(parts) + "."
        if p.subject == "both":
            subjects = list(dict.fromkeys([r["exporter_party_id"], r["importer_party_id"]]))
        else:
            subjects = [r[f"{p.subject}_party_id"]]
        ts = datetime.combine(r["date"], time())
        seen: list[str] = []
        for e in evidence:
            if e not in seen:
                seen.append(e)
        return [Alert("party", s, round(min(score, 1.0), 4), ts, ts, seen, explanation, details) for s in subjects]
