-- TF-DOC-01: every use of a document number, with its comparison key (upper case, A-Z and 0-9
-- only; engine.screening.documents.number_key): the scan window's cash declarations (used at the
-- crossing) and, when $check_parties, the parties' identity documents (used at onboarding:
-- registered_on, else the opening of their first account; unknown, and so not checked, when
-- neither is on file).
CREATE OR REPLACE TEMP TABLE tf_doc_01_uses AS
WITH opened AS (
  SELECT party_id, min(opened_on) AS opened_on FROM accounts
  WHERE party_id IS NOT NULL AND opened_on IS NOT NULL GROUP BY party_id
)
SELECT 'declaration' AS use_kind, d.declaration_id AS use_id, d.timestamp AS used_at,
       d.document_number, regexp_replace(upper(d.document_number), '[^A-Z0-9]', '', 'g') AS number_key,
       d.nationality AS country, d.traveller_name AS name,
       coalesce(nullif(d.party_id, ''), 'traveller:' || upper(trim(d.document_number))) AS subject_id,
       nullif(d.party_id, '') AS party_id, d.port, d.direction, CAST(d.amount_base AS DOUBLE) AS amount
FROM scan_cash_declarations d
WHERE d.document_number IS NOT NULL AND trim(d.document_number) <> ''
UNION ALL
SELECT 'party', p.party_id, CAST(coalesce(p.registered_on, o.opened_on) AS TIMESTAMP),
       p.id_number, regexp_replace(upper(p.id_number), '[^A-Z0-9]', '', 'g'),
       p.nationality, p.name, p.party_id, p.party_id, NULL, NULL, NULL
FROM parties p LEFT JOIN opened o ON o.party_id = p.party_id
WHERE $check_parties AND p.id_number IS NOT NULL AND trim(p.id_number) <> ''
  AND coalesce(p.registered_on, o.opened_on) IS NOT NULL
