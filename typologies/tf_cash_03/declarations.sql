-- TF-CASH-03: the scan window's declarations with the traveller each belongs to: its party_id,
-- else the one party whose id_number is the document number, else the document number or
-- name itself; the four indicators read this view.
CREATE OR REPLACE TEMP VIEW tf_cash_03_declarations AS
WITH doc_party AS (
  SELECT id_number, min(party_id) AS party_id FROM parties
  WHERE id_number IS NOT NULL AND id_number <> '' GROUP BY id_number HAVING count(*) = 1
),
dec AS (
  SELECT d.declaration_id, d.timestamp AS ts, CAST(d.amount_base AS DOUBLE) AS amt, d.direction,
         d.declared, d.origin_country, d.destination_country, d.port, d.transport_ref,
         d.traveller_name,
         coalesce(nullif(d.party_id, ''), dp.party_id) AS party_id,
         coalesce(nullif(d.party_id, ''), dp.party_id,
                  'traveller:' || nullif(upper(trim(d.document_number)), ''),
                  'traveller:' || lower(trim(d.traveller_name))) AS traveller_key
  FROM scan_cash_declarations d
  LEFT JOIN doc_party dp ON dp.id_number = d.document_number
)
SELECT * FROM dec
