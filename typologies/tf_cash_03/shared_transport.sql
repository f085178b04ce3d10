-- TF-CASH-03 shared_transport: trips of one transport_ref (declarations at most $trip_gap
-- apart) with >= $min_travellers travellers carrying amounts within a ratio of $amount_ratio.
WITH dec AS (SELECT * FROM tf_cash_03_declarations),
tr0 AS (
  SELECT d.*, CASE WHEN d.ts - lag(d.ts) OVER (PARTITION BY d.transport_ref ORDER BY d.ts)
                        <= $trip_gap THEN 0 ELSE 1 END AS new_trip
  FROM dec d WHERE d.transport_ref IS NOT NULL AND d.transport_ref <> ''
),
tr AS (
  SELECT tr0.*, sum(new_trip) OVER (PARTITION BY transport_ref ORDER BY ts, declaration_id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS day
  FROM tr0
),
anchors AS (
  SELECT a.declaration_id AS anchor_id, a.transport_ref, a.day, a.amt AS lo
  FROM tr a JOIN tr b ON b.transport_ref = a.transport_ref AND b.day = a.day
   AND b.amt >= a.amt AND b.amt <= a.amt * $amount_ratio
  GROUP BY a.declaration_id, a.transport_ref, a.day, a.amt
  HAVING count(DISTINCT b.traveller_key) >= $min_travellers
),
members AS (
  SELECT DISTINCT b.transport_ref, b.day, b.declaration_id
  FROM anchors a JOIN tr b ON b.transport_ref = a.transport_ref AND b.day = a.day
   AND b.amt >= a.lo AND b.amt <= a.lo * $amount_ratio
),
grp AS (
  SELECT m.transport_ref, m.day, count(DISTINCT t.traveller_key) AS n_travellers,
         min(t.amt) AS lo, max(t.amt) AS hi, sum(t.amt) AS total,
         array_agg(t.declaration_id ORDER BY t.declaration_id) AS evidence
  FROM members m JOIN tr t ON t.declaration_id = m.declaration_id
  GROUP BY m.transport_ref, m.day
)
SELECT t.traveller_key, t.party_id, t.traveller_name, t.ts AS s, t.ts AS e, g.transport_ref,
       g.n_travellers, g.lo, g.hi, g.total, g.evidence
FROM grp g JOIN members m ON m.transport_ref = g.transport_ref AND m.day = g.day
JOIN tr t ON t.declaration_id = m.declaration_id
