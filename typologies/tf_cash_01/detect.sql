-- TF-CASH-01: cash movements in the band [low_amount, threshold) per subject, windows of
-- $window opening at each one holding at least $min_transactions, merged into bursts.
WITH cash AS (
  SELECT t.txn_id, t.timestamp AS ts, t.channel, CAST(t.amount_base AS DOUBLE) AS amt,
         CASE WHEN t.channel = 'cash_deposit' THEN t.to_account ELSE t.from_account END AS account_id,
         t.location_city
  FROM scan_transactions t
  WHERE t.channel IN ('cash_deposit', 'cash_withdrawal', 'atm_withdrawal')
    AND t.amount_base >= $low_amount AND t.amount_base < $threshold
),
q AS (
  SELECT c.*, COALESCE(a.subject_type, 'account') AS subject_type,
         COALESCE(a.subject_id, c.account_id) AS subject_id
  FROM cash c LEFT JOIN scan_accounts a ON a.account_id = c.account_id
  WHERE c.account_id IS NOT NULL
),
w AS (
  SELECT subject_type, subject_id, ts AS s, count(*) OVER win AS n_fwd, max(ts) OVER win AS e
  FROM q
  WINDOW win AS (PARTITION BY subject_type, subject_id ORDER BY ts
                 RANGE BETWEEN CURRENT ROW AND $window FOLLOWING)
),
starts AS (SELECT subject_type, subject_id, s, e FROM w WHERE n_fwd >= $min_transactions),
flagged AS (
  SELECT subject_type, subject_id, s, e,
         CASE WHEN s <= max(e) OVER (PARTITION BY subject_type, subject_id ORDER BY s, e
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
              THEN 0 ELSE 1 END AS new_burst
  FROM starts
),
numbered AS (
  SELECT subject_type, subject_id, s, e,
         sum(new_burst) OVER (PARTITION BY subject_type, subject_id ORDER BY s, e
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
  FROM flagged
),
bursts AS (
  SELECT subject_type, subject_id, burst_no, min(s) AS burst_start, max(e) AS burst_end
  FROM numbered GROUP BY subject_type, subject_id, burst_no
)
SELECT b.subject_type, b.subject_id, b.burst_no, b.burst_start AS window_start, b.burst_end AS window_end,
       array_agg(q.txn_id ORDER BY q.ts, q.txn_id) AS evidence,
       count(*) AS n, min(q.amt) AS min_amt, max(q.amt) AS max_amt, sum(q.amt) AS total,
       avg(q.amt) AS mean_amt,
       sum(CASE WHEN q.channel = 'cash_deposit' THEN 1 ELSE 0 END) AS n_deposits,
       count(DISTINCT q.account_id) AS n_accounts,
       count(DISTINCT q.location_city) AS n_branches
FROM bursts b
JOIN q ON q.subject_type = b.subject_type AND q.subject_id = b.subject_id
      AND q.ts >= b.burst_start AND q.ts <= b.burst_end
GROUP BY b.subject_type, b.subject_id, b.burst_no, b.burst_start, b.burst_end
ORDER BY b.subject_id, b.burst_start
