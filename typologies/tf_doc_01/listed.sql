-- TF-DOC-01 listed: uses of a number on an active document list (status in $statuses) reported
-- before the day of use; the issuing countries must agree where both are given (unless
-- $match_issuing_country is off); with $fold_o_zero a letter O and a zero count as one character.
WITH e AS (
  SELECT l.list_name, l.version_id, l.document_number AS listed_number, l.number_key, l.issuing_country,
         l.document_type, l.status, l.reported_on, l.source
  FROM document_list_entries l
  JOIN screening_list_versions v ON v.version_id = l.version_id AND v.active
  WHERE list_contains($statuses, l.status)
)
SELECT u.use_kind, u.use_id, u.used_at, u.document_number, u.number_key, u.country, u.name, u.subject_id,
       u.party_id, u.port, u.direction, u.amount,
       e.list_name, e.version_id, e.listed_number, e.issuing_country, e.document_type, e.status, e.reported_on,
       e.source
FROM tf_doc_01_uses u
JOIN e ON (CASE WHEN $fold_o_zero THEN replace(u.number_key, 'O', '0') ELSE u.number_key END)
        = (CASE WHEN $fold_o_zero THEN replace(e.number_key, 'O', '0') ELSE e.number_key END)
WHERE e.reported_on < CAST(u.used_at AS DATE)
  AND (NOT $match_issuing_country OR e.issuing_country IS NULL OR u.country IS NULL
       OR e.issuing_country = u.country)
ORDER BY u.subject_id, e.list_name, e.number_key, u.used_at, u.use_id
