-- TF-DORM-01: the transaction ending $dormant of silence (since the account's previous
-- transaction on file, else its opening), then what came in and went out within $window.
-- Only accounts on file when $accounts_on_file_only (an account not on file shows only its
-- transactions with accounts on file: its silence is not known).
-- Accounts of parties of $excluded_party_types are not read; moves between the account and
-- its owner's other accounts are not money received or moved out when $exclude_own_transfers.
-- Silence counted from the opening needs $min_covered of it inside the data on file (from
-- $history_start, else the first transaction on file): before that, activity is unknown.
WITH cov AS (
  SELECT COALESCE(CAST($history_start AS TIMESTAMP), coverage_start) AS cov_start FROM scan_coverage
),
legs AS (
  SELECT from_account AS account_id, timestamp AS ts FROM transactions WHERE from_account IS NOT NULL
  UNION ALL
  SELECT to_account, timestamp FROM transactions WHERE to_account IS NOT NULL
),
gaps AS (
  SELECT account_id, ts, lag(ts) OVER (PARTITION BY account_id ORDER BY ts) AS prev_ts
  FROM legs
),
react AS (
  SELECT g.account_id, g.ts AS r_ts, g.prev_ts,
         coalesce(g.prev_ts, CAST(a.opened_on AS TIMESTAMP)) AS idle_since, cov.cov_start,
         COALESCE(a.subject_type, 'account') AS subject_type, COALESCE(a.subject_id, g.account_id) AS subject_id
  FROM gaps g LEFT JOIN scan_accounts a ON a.account_id = g.account_id CROSS JOIN cov
  WHERE g.ts >= $window_start AND g.ts <= $window_end
    AND (a.account_id IS NOT NULL OR NOT $accounts_on_file_only)
    AND NOT COALESCE(list_contains($excluded_party_types, a.party_type), FALSE)
    AND coalesce(g.prev_ts, CAST(a.opened_on AS TIMESTAMP)) IS NOT NULL
    AND g.ts >= coalesce(g.prev_ts, CAST(a.opened_on AS TIMESTAMP)) + $dormant
    AND (g.prev_ts IS NOT NULL
         OR (cov.cov_start IS NOT NULL
             AND g.ts >= greatest(CAST(a.opened_on AS TIMESTAMP), cov.cov_start) + $min_covered))
),
moves AS (
  SELECT r.account_id, r.r_ts, t.txn_id, t.timestamp AS ts, 'in' AS dir, CAST(t.amount_base AS DOUBLE) AS amt,
         (c.subject_type = r.subject_type AND c.subject_id = r.subject_id) AS own
  FROM react r JOIN transactions t ON t.to_account = r.account_id
   AND t.timestamp >= r.r_ts AND t.timestamp <= r.r_ts + $window
  LEFT JOIN scan_accounts c ON c.account_id = t.from_account
  UNION ALL
  SELECT r.account_id, r.r_ts, t.txn_id, t.timestamp, 'out', CAST(t.amount_base AS DOUBLE),
         (c.subject_type = r.subject_type AND c.subject_id = r.subject_id)
  FROM react r JOIN transactions t ON t.from_account = r.account_id
   AND t.timestamp >= r.r_ts AND t.timestamp <= r.r_ts + $window
  LEFT JOIN scan_accounts c ON c.account_id = t.to_account
),
agg AS (
  SELECT account_id, r_ts,
         sum(CASE WHEN dir = 'in' THEN amt ELSE 0 END) AS amt_in,
         sum(CASE WHEN dir = 'out' THEN amt ELSE 0 END) AS amt_out,
         sum(CASE WHEN dir = 'in' THEN 1 ELSE 0 END) AS n_in,
         sum(CASE WHEN dir = 'out' THEN 1 ELSE 0 END) AS n_out,
         max(ts) AS last_ts,
         array_agg(txn_id ORDER BY ts, txn_id) AS evidence
  FROM moves WHERE NOT ($exclude_own_transfers AND COALESCE(own, FALSE))
  GROUP BY account_id, r_ts
)
SELECT g.*, g.r_ts AS window_start, g.last_ts AS window_end, r.idle_since, r.prev_ts, r.cov_start,
       r.subject_type, r.subject_id
FROM agg g JOIN react r ON r.account_id = g.account_id AND r.r_ts = g.r_ts
WHERE g.amt_in >= $min_amount AND g.amt_out >= $min_amount
ORDER BY g.account_id, g.r_ts
