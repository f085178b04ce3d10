-- TF-CASH-02: accounts receiving cash from >= $min_depositors depositors in >= $min_cities
-- cities within $deposit_window, >= $min_outflow_share of it leaving abroad within $outflow_window.
WITH dep0 AS (
  SELECT txn_id, to_account AS account_id, timestamp AS ts, CAST(amount_base AS DOUBLE) AS amt,
         nullif(lower(trim(originator_name)), '') AS depositor, nullif(trim(location_city), '') AS city,
         location_country
  FROM scan_transactions WHERE channel = 'cash_deposit' AND to_account IS NOT NULL
),
cand AS (
  SELECT account_id FROM dep0 GROUP BY account_id
  HAVING count(DISTINCT depositor) >= $min_depositors AND count(DISTINCT city) >= $min_cities
),
dep AS (SELECT d.* FROM dep0 d JOIN cand c ON c.account_id = d.account_id),
home AS (
  SELECT c.account_id, coalesce(a.country, (SELECT min(d.location_country) FROM dep d
                                           WHERE d.account_id = c.account_id)) AS home_country
  FROM cand c LEFT JOIN accounts a ON a.account_id = c.account_id
),
outs AS (
  SELECT t.txn_id, t.from_account AS account_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
         t.channel,
         CASE WHEN t.channel = 'wire' THEN coalesce(t.beneficiary_country, ta.country)
              ELSE t.location_country END AS out_country
  FROM transactions t
  JOIN home h ON h.account_id = t.from_account
  LEFT JOIN accounts ta ON ta.account_id = t.to_account
  WHERE t.channel IN ('wire', 'cash_withdrawal', 'atm_withdrawal')
    AND t.timestamp >= $window_start
    AND CASE WHEN t.channel = 'wire' THEN coalesce(t.beneficiary_country, ta.country)
             ELSE t.location_country END <> h.home_country
),
anchor AS (
  SELECT d1.account_id, d1.txn_id, d1.ts AS s, max(d2.ts) AS e, sum(d2.amt) AS dep_total
  FROM dep d1 JOIN dep d2 ON d2.account_id = d1.account_id AND d2.ts >= d1.ts AND d2.ts <= d1.ts + $deposit_window
  GROUP BY d1.account_id, d1.txn_id, d1.ts
  HAVING count(DISTINCT d2.depositor) >= $min_depositors AND count(DISTINCT d2.city) >= $min_cities
),
qual AS (
  SELECT a.account_id, a.s, a.e
  FROM anchor a LEFT JOIN outs o ON o.account_id = a.account_id AND o.ts >= a.s AND o.ts <= a.e + $outflow_window
  GROUP BY a.account_id, a.txn_id, a.s, a.e, a.dep_total
  HAVING coalesce(sum(o.amt), 0) >= $min_outflow_share * a.dep_total
),
bursts AS (
  SELECT account_id, burst_start, burst_end FROM (
    SELECT account_id, burst_no, min(s) AS burst_start, max(e) AS burst_end FROM (
      SELECT account_id, s, e, sum(nb) OVER (PARTITION BY account_id ORDER BY s, e
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
      FROM (SELECT account_id, s, e,
                   CASE WHEN s <= max(e) OVER (PARTITION BY account_id ORDER BY s, e
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
            FROM qual) AS f
    ) AS n GROUP BY account_id, burst_no
  ) AS b
),
bdep AS (
  SELECT b.account_id, b.burst_start, b.burst_end,
         count(*) AS n_dep, sum(d.amt) AS dep_total,
         count(DISTINCT d.depositor) AS n_depositors, count(DISTINCT d.city) AS n_cities,
         array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS dep_ids
  FROM bursts b JOIN dep d ON d.account_id = b.account_id AND d.ts >= b.burst_start AND d.ts <= b.burst_end
  GROUP BY b.account_id, b.burst_start, b.burst_end
),
risky AS (SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country),
bout AS (
  SELECT b.account_id, b.burst_start, count(*) AS n_out, sum(o.amt) AS out_total, max(o.ts) AS last_out,
         count(DISTINCT o.out_country) AS n_out_countries,
         max(coalesce(r.weight, 0)) AS max_weight,
         array_agg(DISTINCT o.out_country) AS out_countries,
         array_agg(o.txn_id ORDER BY o.ts, o.txn_id) AS out_ids
  FROM bursts b JOIN outs o ON o.account_id = b.account_id AND o.ts >= b.burst_start
                           AND o.ts <= b.burst_end + $outflow_window
  LEFT JOIN risky AS r ON r.country = o.out_country
  GROUP BY b.account_id, b.burst_start
)
SELECT d.*, 'account' AS subject_type, d.account_id AS subject_id,
       d.burst_start AS window_start, greatest(d.burst_end, o.last_out) AS window_end,
       o.n_out, o.out_total, o.last_out, o.out_countries, o.max_weight, o.out_ids, h.home_country
FROM bdep d JOIN bout o ON o.account_id = d.account_id AND o.burst_start = d.burst_start
JOIN home h ON h.account_id = d.account_id
ORDER BY d.account_id, d.burst_start
