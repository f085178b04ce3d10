-- TF-CASH-03 hr_frequency: a traveller's declarations involving a risky country, windows of
-- $window holding >= $min_hr_declarations of them merged into bursts.
WITH dec AS (SELECT * FROM tf_cash_03_declarations),
risky AS (SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country),
hr AS (
  SELECT d.*, greatest(coalesce(ro.weight, 0), coalesce(rd.weight, 0)) AS weight,
         CASE WHEN rd.country IS NOT NULL THEN d.destination_country ELSE d.origin_country END AS hr_country
  FROM dec d LEFT JOIN risky ro ON ro.country = d.origin_country
             LEFT JOIN risky rd ON rd.country = d.destination_country
  WHERE ro.country IS NOT NULL OR rd.country IS NOT NULL
),
w AS (
  SELECT traveller_key, ts AS s, count(*) OVER win AS n_fwd, max(ts) OVER win AS e FROM hr
  WINDOW win AS (PARTITION BY traveller_key ORDER BY ts
                 RANGE BETWEEN CURRENT ROW AND $window FOLLOWING)
),
starts AS (SELECT traveller_key, s, e FROM w WHERE n_fwd >= $min_hr_declarations),
bursts AS (
  SELECT traveller_key, min(s) AS burst_start, max(e) AS burst_end FROM (
    SELECT traveller_key, s, e, sum(nb) OVER (PARTITION BY traveller_key ORDER BY s, e
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
    FROM (SELECT traveller_key, s, e,
                 CASE WHEN s <= max(e) OVER (PARTITION BY traveller_key ORDER BY s, e
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
          FROM starts) AS f
  ) AS n GROUP BY traveller_key, burst_no
)
SELECT b.traveller_key, min(h.party_id) AS party_id, min(h.traveller_name) AS traveller_name,
       b.burst_start AS s, b.burst_end AS e, count(*) AS n, sum(h.amt) AS total,
       max(h.weight) AS weight, array_agg(DISTINCT h.hr_country) AS countries,
       array_agg(h.declaration_id ORDER BY h.ts, h.declaration_id) AS evidence
FROM bursts b JOIN hr h ON h.traveller_key = b.traveller_key
                       AND h.ts >= b.burst_start AND h.ts <= b.burst_end
GROUP BY b.traveller_key, b.burst_start, b.burst_end
