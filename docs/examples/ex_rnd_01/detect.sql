-- EX-RND-01: cash deposits of at least $min_amount that are multiples of $unit; per subject the
-- first window of $window holding at least $min_deposits of them.
WITH dep AS (
  SELECT t.txn_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
         COALESCE(a.subject_type, 'account') AS subject_type, COALESCE(a.subject_id, t.to_account) AS subject_id
  FROM scan_transactions t LEFT JOIN scan_accounts a ON a.account_id = t.to_account
  WHERE t.channel = 'cash_deposit' AND t.amount_base >= $min_amount
    AND CAST(t.amount_base AS DOUBLE) % $unit = 0
),
win AS (
  SELECT subject_type, subject_id, ts AS s, count(*) OVER w AS n
  FROM dep
  WINDOW w AS (PARTITION BY subject_type, subject_id ORDER BY ts RANGE BETWEEN CURRENT ROW AND $window FOLLOWING)
),
first_window AS (
  SELECT subject_type, subject_id, min(s) AS s FROM win WHERE n >= $min_deposits GROUP BY subject_type, subject_id
)
SELECT f.subject_type, f.subject_id, f.s AS window_start, max(d.ts) AS window_end,
       array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS evidence,
       least(1.0, 0.5 + 0.1 * (count(*) - $min_deposits)) AS score,
       CAST(count(*) AS VARCHAR) || ' cash deposits of round amounts, ' || CAST(CAST(sum(d.amt) AS BIGINT) AS VARCHAR)
         || ' in total, within ' || CAST($window_days AS VARCHAR) || ' days.' AS explanation,
       {'deposits': count(*), 'total': sum(d.amt)} AS details
FROM first_window f
JOIN dep d ON d.subject_type = f.subject_type AND d.subject_id = f.subject_id
 AND d.ts >= f.s AND d.ts <= f.s + $window
GROUP BY f.subject_type, f.subject_id, f.s
