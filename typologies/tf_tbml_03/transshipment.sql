-- TF-TBML-03 transshipment: documents of the scan window routed through a risky country other
-- than their origin and destination (the detector then compares the two regions).
SELECT s.trade_id, s.date, s.exporter_party_id, s.importer_party_id, s.hs_code, s.origin_country,
       s.destination_country, s.transshipment_country, CAST(s.invoice_value_base AS DOUBLE) AS value,
       r.category, r.weight, s.payment_txn_id
FROM scan_trade_documents s
JOIN ref_jurisdiction_risk r ON r.country = s.transshipment_country
WHERE s.transshipment_country IS NOT NULL
  AND s.transshipment_country <> s.origin_country AND s.transshipment_country <> s.destination_country
ORDER BY s.date, s.trade_id
