-- TF-TBML-02: documents of the scan window with a check that holds: paid with no shipment
-- record, a shipment invoiced more than once, a payment off by more than
-- $max_payment_deviation, or paid by a party other than the importer.
WITH ship AS (
  SELECT shipment_ref, count(*) AS n_docs, array_agg(trade_id ORDER BY trade_id) AS docs FROM trade_documents
  WHERE shipment_ref IS NOT NULL AND shipment_ref <> '' GROUP BY shipment_ref HAVING count(*) > 1
),
d AS (
  SELECT s.trade_id, s.date, s.exporter_party_id, s.importer_party_id, s.hs_code, s.shipment_ref,
         s.payment_txn_id, CAST(s.invoice_value_base AS DOUBLE) AS value,
         CAST(t.amount_base AS DOUBLE) AS paid, t.from_account,
         COALESCE(a.party_id, CASE WHEN t.originator_name IS NOT NULL AND ip.name IS NOT NULL
                                    AND lower(trim(t.originator_name)) <> lower(trim(ip.name))
                               THEN t.originator_name END) AS payer_party,
         sh.n_docs, sh.docs AS shipment_docs
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
  (paid IS NOT NULL AND value > 0 AND abs(paid - value) > $max_payment_deviation * value) AS payment_mismatch,
  (payer_party IS NOT NULL AND payer_party <> importer_party_id) AS third_party_payment
FROM d
WHERE (payment_txn_id IS NOT NULL AND payment_txn_id <> '' AND (shipment_ref IS NULL OR shipment_ref = ''))
   OR n_docs IS NOT NULL
   OR (paid IS NOT NULL AND value > 0 AND abs(paid - value) > $max_payment_deviation * value)
   OR (payer_party IS NOT NULL AND payer_party <> importer_party_id)
ORDER BY date, trade_id
