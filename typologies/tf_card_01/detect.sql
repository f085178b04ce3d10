-- TF-CARD-01: prepaid loads per loading party; windows of $load_window with >= $min_cards
-- cards or >= $min_loaded loaded and a card drawn in cash in a risky country within $cashout_window.
WITH loads0 AS (
  SELECT t.txn_id, t.to_account AS card, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
         CASE WHEN fa.subject_type = 'party' THEN 'party'
              WHEN t.from_account IS NOT NULL THEN 'account'
              WHEN ca.subject_type = 'party' THEN 'party'
              ELSE 'account' END AS subject_type,
         CASE WHEN fa.subject_type = 'party' THEN fa.subject_id
              WHEN t.from_account IS NOT NULL THEN t.from_account
              WHEN ca.subject_type = 'party' THEN ca.subject_id
              ELSE t.to_account END AS subject_id
  FROM scan_transactions t
  LEFT JOIN scan_accounts fa ON fa.account_id = t.from_account
  LEFT JOIN scan_accounts ca ON ca.account_id = t.to_account
  WHERE t.channel = 'prepaid_load' AND t.to_account IS NOT NULL
),
risky AS (SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country),
cashouts AS (
  SELECT t.txn_id, t.from_account AS card, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
         t.location_country AS country, r.weight
  FROM transactions t JOIN risky r ON r.country = t.location_country
  WHERE t.channel IN ('atm_withdrawal', 'cash_withdrawal')
    AND t.from_account IN (SELECT card FROM loads0)
    AND t.timestamp >= $window_start
),
-- a load "cashed out abroad": its card is drawn in a risky country within the cash-out period
loads AS (
  SELECT l.*, CASE WHEN EXISTS (SELECT 1 FROM cashouts c WHERE c.card = l.card AND c.ts >= l.ts
                                 AND c.ts <= l.ts + $cashout_window) THEN 1 ELSE 0 END AS cashed
  FROM loads0 l
  JOIN (SELECT DISTINCT l2.subject_type, l2.subject_id FROM loads0 l2 JOIN cashouts c ON c.card = l2.card
       ) AS k ON k.subject_type = l.subject_type AND k.subject_id = l.subject_id
),
anchor AS (
  SELECT l1.subject_type, l1.subject_id, l1.ts AS s, max(l2.ts) AS e
  FROM loads l1 JOIN loads l2 ON l2.subject_type = l1.subject_type AND l2.subject_id = l1.subject_id
                            AND l2.ts >= l1.ts AND l2.ts <= l1.ts + $load_window
  GROUP BY l1.subject_type, l1.subject_id, l1.txn_id, l1.ts
  HAVING (count(DISTINCT l2.card) >= $min_cards OR sum(l2.amt) >= $min_loaded)
     AND max(l2.cashed) = 1
),
bursts AS (
  SELECT subject_type, subject_id, min(s) AS burst_start, max(e) AS burst_end FROM (
    SELECT subject_type, subject_id, s, e,
           sum(nb) OVER (PARTITION BY subject_type, subject_id ORDER BY s, e
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
    FROM (SELECT subject_type, subject_id, s, e,
                 CASE WHEN s <= max(e) OVER (PARTITION BY subject_type, subject_id ORDER BY s, e
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
          FROM anchor) AS f
  ) AS n GROUP BY subject_type, subject_id, burst_no
),
bl AS (
  SELECT b.subject_type, b.subject_id, b.burst_start, b.burst_end, l.txn_id, l.card, l.ts, l.amt
  FROM bursts b JOIN loads l ON l.subject_type = b.subject_type AND l.subject_id = b.subject_id
                            AND l.ts >= b.burst_start AND l.ts <= b.burst_end
),
bc AS (
  SELECT DISTINCT b.subject_type, b.subject_id, b.burst_start, c.txn_id, c.ts, c.amt, c.country, c.weight
  FROM bl b JOIN cashouts c ON c.card = b.card AND c.ts >= b.ts AND c.ts <= b.ts + $cashout_window
),
lagg AS (
  SELECT subject_type, subject_id, burst_start, max(burst_end) AS burst_end, count(*) AS n_loads,
         count(DISTINCT card) AS n_cards, sum(amt) AS loaded,
         array_agg(txn_id ORDER BY ts, txn_id) AS load_ids
  FROM bl GROUP BY subject_type, subject_id, burst_start
),
cagg AS (
  SELECT subject_type, subject_id, burst_start, count(*) AS n_cash, sum(amt) AS drawn, max(ts) AS last_cash,
         max(weight) AS max_weight, array_agg(DISTINCT country) AS countries,
         array_agg(txn_id ORDER BY ts, txn_id) AS cash_ids
  FROM bc GROUP BY subject_type, subject_id, burst_start
)
SELECT l.*, l.burst_start AS window_start, greatest(l.burst_end, c.last_cash) AS window_end,
       c.n_cash, c.drawn, c.last_cash, c.max_weight, c.countries, c.cash_ids
FROM lagg l JOIN cagg c ON c.subject_type = l.subject_type AND c.subject_id = l.subject_id
                       AND c.burst_start = l.burst_start
ORDER BY l.subject_id, l.burst_start
