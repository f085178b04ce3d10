-- TF-CASH-03 undeclared and near_threshold: each undeclared detection, and each declaration of
-- $low_amount up to (not including) $threshold.
WITH dec AS (SELECT * FROM tf_cash_03_declarations)
SELECT traveller_key, party_id, traveller_name, ts AS s, ts AS e, amt, port, declared,
       origin_country, destination_country, declaration_id,
       CASE WHEN NOT declared THEN 'undeclared' ELSE 'near_threshold' END AS branch
FROM dec
WHERE NOT declared OR (amt >= $low_amount AND amt < $threshold)
UNION ALL
SELECT traveller_key, party_id, traveller_name, ts, ts, amt, port, declared,
       origin_country, destination_country, declaration_id, 'near_threshold'
FROM dec WHERE NOT declared AND amt >= $low_amount AND amt < $threshold
