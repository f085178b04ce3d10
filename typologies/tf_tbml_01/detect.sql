-- TF-TBML-01: documents of the scan window whose unit price is >= $factor times, or <= 1/$factor
-- of, the reference: a supplied price, else the median over >= $min_comparables documents.
WITH d AS (
  SELECT hs_code, unit, CAST(invoice_value_base AS DOUBLE) / quantity AS price
  FROM trade_documents WHERE quantity > 0 AND invoice_value_base > 0
),
m AS (
  SELECT hs_code, unit, count(*) AS n, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY price) AS med
  FROM d GROUP BY hs_code, unit HAVING count(*) >= $min_comparables
)
SELECT s.trade_id, s.date, s.exporter_party_id, s.importer_party_id, s.hs_code, s.unit, s.quantity,
       CAST(s.invoice_value_base AS DOUBLE) AS value, CAST(s.invoice_value_base AS DOUBLE) / s.quantity AS price,
       COALESCE(sp.price, m.med) AS ref_price, COALESCE(m.n, 0) AS n,
       CASE WHEN sp.price IS NOT NULL THEN 'supplied' ELSE 'median' END AS ref_source, s.payment_txn_id
FROM scan_trade_documents s
LEFT JOIN m ON m.hs_code = s.hs_code AND m.unit = s.unit
LEFT JOIN ref_trade_prices sp ON sp.hs_code = s.hs_code AND sp.unit = s.unit
WHERE s.quantity > 0 AND s.invoice_value_base > 0 AND (m.med IS NOT NULL OR sp.price IS NOT NULL)
  AND (CAST(s.invoice_value_base AS DOUBLE) / s.quantity >= $factor * COALESCE(sp.price, m.med)
    OR CAST(s.invoice_value_base AS DOUBLE) / s.quantity <= COALESCE(sp.price, m.med) / $factor)
ORDER BY s.date, s.trade_id
