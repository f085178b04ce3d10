-- TF-TBML-04: trade documents of the scan window whose HS code is on the strategic-goods watch
-- list (ref_strategic_goods: a 4-digit heading covers its subheadings), with the high-risk
-- jurisdictions (weight >= $min_jurisdiction_weight) they are shipped to, transshipped through or
-- paid from, and the party that paid them.  The sanctions-list check runs in Python on the parties
-- of these documents.
WITH hr AS (
  SELECT country, category, weight FROM ref_jurisdiction_risk WHERE weight >= $min_jurisdiction_weight
),
d AS (
  SELECT s.trade_id, s.date, s.exporter_party_id, s.importer_party_id, s.hs_code, s.goods_description,
         CAST(s.invoice_value_base AS DOUBLE) AS value, s.origin_country, s.destination_country,
         s.transshipment_country, s.shipment_ref, s.payment_txn_id,
         w.hs_code AS watch_code, w.description AS watch_description, w.basis AS watch_basis,
         w.source AS watch_source, CAST(w.as_of AS VARCHAR) AS watch_as_of,
         CAST(t.amount_base AS DOUBLE) AS paid, t.originator_name,
         COALESCE(t.originator_country, a.country) AS paid_from,
         a.party_id AS payer_account_party,
         COALESCE(a.party_id, CASE WHEN t.originator_name IS NOT NULL AND ip.name IS NOT NULL
                                    AND lower(trim(t.originator_name)) <> lower(trim(ip.name))
                               THEN t.originator_name END) AS payer_party
  FROM scan_trade_documents s
  JOIN ref_strategic_goods w ON substr(s.hs_code, 1, length(w.hs_code)) = w.hs_code
  LEFT JOIN transactions t ON t.txn_id = s.payment_txn_id
  LEFT JOIN accounts a ON a.account_id = t.from_account
  LEFT JOIN parties ip ON ip.party_id = s.importer_party_id
)
SELECT d.*,
       hd.category AS dest_category, hd.weight AS dest_weight,
       ht.category AS trans_category, ht.weight AS trans_weight,
       hp.category AS paid_category, hp.weight AS paid_weight,
       (d.payer_party IS NOT NULL AND d.payer_party <> d.importer_party_id) AS third_party_payment
FROM d
LEFT JOIN hr hd ON hd.country = d.destination_country
LEFT JOIN hr ht ON ht.country = d.transshipment_country
LEFT JOIN hr hp ON hp.country = d.paid_from
ORDER BY d.date, d.trade_id, length(d.watch_code) DESC
