-- TF-DOC-01 shared number: the declarations on file up to the end of the scan window whose
-- number (key of at least $min_number_length characters, with a digit, not one character
-- repeated) and nationality are also used in the window, where the number is declared under more
-- than one name (case and outer spaces ignored) or birth date.  Python then decides which names
-- belong to one traveller (spellings, transliterations, a dropped name).
WITH d AS (
  SELECT d.declaration_id, d.timestamp AS ts, d.traveller_name, nullif(d.party_id, '') AS party_id,
         d.document_number, d.nationality, d.port,
         regexp_replace(upper(d.document_number), '[^A-Z0-9]', '', 'g') AS number_key,
         p.date_of_birth, p.name AS party_name, p.alt_names
  FROM cash_declarations d LEFT JOIN parties p ON p.party_id = d.party_id
  WHERE d.timestamp <= $window_end AND d.document_number IS NOT NULL
),
k AS (
  SELECT number_key, coalesce(nationality, '') AS nat FROM d
  WHERE length(number_key) >= $min_number_length AND regexp_matches(number_key, '[0-9]')
    AND replace(number_key, substr(number_key, 1, 1), '') <> ''
  GROUP BY number_key, coalesce(nationality, '')
  HAVING max(ts) >= $window_start
     AND (count(DISTINCT lower(trim(traveller_name))) > 1 OR count(DISTINCT date_of_birth) > 1)
)
SELECT d.* FROM d JOIN k ON k.number_key = d.number_key AND k.nat = coalesce(d.nationality, '')
ORDER BY d.number_key, d.nationality, d.ts, d.declaration_id
