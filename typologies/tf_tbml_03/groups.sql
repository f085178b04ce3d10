-- TF-TBML-03 party groups: pairs of trading parties of the scan window that share an id
-- number or an address (case and spacing ignored); the detector joins them transitively.
WITH tp AS (
  SELECT exporter_party_id AS party_id FROM scan_trade_documents
  UNION SELECT importer_party_id FROM scan_trade_documents
),
keys AS (
  SELECT p.party_id, 'id:' || lower(trim(p.id_number)) AS k FROM parties p JOIN tp ON tp.party_id = p.party_id
  WHERE p.id_number IS NOT NULL AND trim(p.id_number) <> ''
  UNION
  SELECT p.party_id, 'addr:' || lower(regexp_replace(trim(p.address), '\s+', ' ', 'g'))
  FROM parties p JOIN tp ON tp.party_id = p.party_id
  WHERE p.address IS NOT NULL AND trim(p.address) <> ''
)
SELECT a.party_id AS p1, b.party_id AS p2 FROM keys a JOIN keys b ON a.k = b.k AND a.party_id < b.party_id
