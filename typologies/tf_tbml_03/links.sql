-- TF-TBML-03 circular-trade links: document b of the same 4-digit HS heading exported by the
-- group that imported document a, dated on or after a and within $window of it
-- (tf_tbml_03_groups: party_id -> group_id, registered by the detector).
WITH d AS (
  SELECT s.trade_id, s.date, substr(s.hs_code, 1, 4) AS hs4, s.exporter_party_id AS exp, s.importer_party_id AS imp,
         COALESCE(ge.group_id, s.exporter_party_id) AS gexp, COALESCE(gi.group_id, s.importer_party_id) AS gimp,
         CAST(s.invoice_value_base AS DOUBLE) AS value
  FROM scan_trade_documents s
  LEFT JOIN tf_tbml_03_groups ge ON ge.party_id = s.exporter_party_id
  LEFT JOIN tf_tbml_03_groups gi ON gi.party_id = s.importer_party_id
),
x AS (SELECT * FROM d WHERE gexp <> gimp)
SELECT a.trade_id AS t1, a.date AS d1, a.hs4, a.exp AS e1, a.imp AS i1, a.gexp AS ge1, a.gimp AS gi1,
       a.value AS v1,
       b.trade_id AS t2, b.date AS d2, b.exp AS e2, b.imp AS i2, b.gexp AS ge2, b.gimp AS gi2, b.value AS v2
FROM x a JOIN x b ON b.hs4 = a.hs4 AND b.gexp = a.gimp AND b.trade_id <> a.trade_id
 AND b.date >= a.date AND b.date <= a.date + $window
