-- TF-PASS-01: every account's credits and debits up to the window end, money leaving first in
-- first out; windows of $window opening at a credit of the scan window in which >= $min_inflow
-- came in, >= $min_forwarded_share of it left within $hold and the residual < $max_residual_share;
-- merged into bursts per account.  Credits from a counterparty in a recurring relationship with
-- the account are not counted among the inflows when $exclude_recurring_inflows.  Collectors and distributors (coll) are not read when
-- $exclude_collectors: passing money on quickly is their business.
WITH coll AS (
  SELECT account_id FROM scan_account_counterparties
  WHERE $exclude_collectors AND counterparties >= $collector_min_counterparties
  UNION
  SELECT account_id FROM scan_accounts
  WHERE $exclude_collectors
    AND (list_contains($excused_party_types, party_type)
         OR COALESCE(regexp_matches(upper(party_occupation), $collector_pattern), FALSE))
),
acc AS (
  SELECT account_id, party_id, subject_type, subject_id
  FROM scan_accounts WHERE NOT list_contains($excluded_account_types, account_type)
    AND account_id NOT IN (SELECT account_id FROM coll)
),
flows AS (
  SELECT t.to_account AS account_id, t.txn_id, t.timestamp AS ts, 0 AS kind,
         CAST(t.amount_base AS DOUBLE) AS amt, t.from_account AS cp
  FROM transactions t JOIN acc ON acc.account_id = t.to_account
  WHERE t.timestamp <= $window_end
  UNION ALL
  SELECT t.from_account, t.txn_id, t.timestamp, 1, CAST(t.amount_base AS DOUBLE), t.to_account
  FROM transactions t JOIN acc ON acc.account_id = t.from_account
  WHERE t.timestamp <= $window_end
),
-- established relationships: pairs of accounts transacting in >= $recurring_min_months months
rel AS (SELECT acc_a, acc_b FROM scan_relationships WHERE months >= $recurring_min_months),
active AS (
  SELECT DISTINCT account_id FROM (
    SELECT account_id,
           SUM(amt) OVER (PARTITION BY account_id ORDER BY ts
                          RANGE BETWEEN CURRENT ROW AND $window FOLLOWING) AS in_30
    FROM flows WHERE kind = 0 AND ts >= $window_start
  ) c WHERE in_30 >= $min_inflow
),
f AS (SELECT flows.* FROM flows JOIN active USING (account_id)),
run AS (
  SELECT f.*,
         SUM(CASE WHEN kind = 0 THEN amt ELSE 0 END) OVER w AS cum_in,
         SUM(CASE WHEN kind = 1 THEN amt ELSE 0 END) OVER w AS cum_out,
         SUM(CASE WHEN kind = 0 THEN amt ELSE 0 END) OVER (
           PARTITION BY account_id ORDER BY ts
           RANGE BETWEEN $window PRECEDING AND CURRENT ROW) AS recent_in
  FROM f
  WINDOW w AS (PARTITION BY account_id ORDER BY ts, kind, txn_id ROWS UNBOUNDED PRECEDING)
),
opening AS (
  SELECT account_id, GREATEST(0, MAX(cum_out - cum_in)) AS opening FROM run GROUP BY account_id
),
probes AS (
  SELECT account_id, ts, 0 AS ord, amt AS out_amt, CAST(NULL AS VARCHAR) AS probe_txn
  FROM f WHERE kind = 1
  UNION ALL
  SELECT account_id, ts + $hold, 1, 0, txn_id FROM f WHERE kind = 0 AND ts >= $window_start
),
probed AS (
  SELECT account_id, probe_txn,
         SUM(out_amt) OVER (PARTITION BY account_id ORDER BY ts, ord ROWS UNBOUNDED PRECEDING) AS out_by
  FROM probes
),
credits AS (
  SELECT r.account_id, r.txn_id, r.ts, r.amt,
         ($exclude_recurring_inflows AND r.cp IS NOT NULL AND EXISTS (
            SELECT 1 FROM rel WHERE rel.acc_a = least(r.account_id, r.cp) AND rel.acc_b = greatest(r.account_id, r.cp)
         )) AS recurring,
         o.opening + r.cum_in - r.amt AS q_start,
         o.opening + r.cum_in AS q_end,
         $max_residual_share * (r.recent_in - r.amt) AS slack,
         pr.out_by
  FROM run r
  JOIN opening o ON o.account_id = r.account_id
  JOIN probed pr ON pr.account_id = r.account_id AND pr.probe_txn = r.txn_id
  WHERE r.kind = 0 AND r.ts >= $window_start
),
-- credits through an established relationship stay in the queue (they are part of the balance)
-- but are not the window's inflows
fwd AS (
  SELECT c.*, LEAST(amt, GREATEST(0, out_by - (q_start - slack))) AS forwarded FROM credits c WHERE NOT c.recurring
),
anchors AS (
  SELECT account_id, ts AS win_start,
         MAX(ts) OVER w AS win_end,
         SUM(amt) OVER w AS in_amt,
         SUM(forwarded) OVER w AS fwd_amt,
         q_start AS first_q_start,
         LAST_VALUE(out_by) OVER w AS last_out_by
  FROM fwd
  WINDOW w AS (PARTITION BY account_id ORDER BY ts
               RANGE BETWEEN CURRENT ROW AND $window FOLLOWING)
),
qual AS (
  SELECT DISTINCT acc.subject_type, acc.subject_id, a.account_id, a.win_start, a.win_end
  FROM anchors a JOIN acc ON acc.account_id = a.account_id
  WHERE a.in_amt >= $min_inflow AND a.fwd_amt >= $min_forwarded_share * a.in_amt
    AND (a.in_amt - LEAST(a.in_amt, GREATEST(0, a.last_out_by - a.first_q_start))) < $max_residual_share * a.in_amt
),
ord AS (
  SELECT account_id, subject_type, subject_id, win_start, win_end,
         MAX(win_end) OVER (PARTITION BY account_id ORDER BY win_start, win_end
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM qual
),
isl AS (
  SELECT ord.*,
         SUM(CASE WHEN prev_end IS NULL OR win_start > prev_end THEN 1 ELSE 0 END)
           OVER (PARTITION BY account_id ORDER BY win_start, win_end ROWS UNBOUNDED PRECEDING) AS burst_no
  FROM ord
),
bursts AS (
  SELECT account_id, subject_type, subject_id, burst_no, MIN(win_start) AS b_start, MAX(win_end) AS b_end
  FROM isl GROUP BY account_id, subject_type, subject_id, burst_no
),
b_in AS (
  SELECT b.account_id, b.burst_no, SUM(c.amt) AS in_amt, SUM(c.forwarded) AS fwd_amt,
         MIN(c.q_start) AS first_q_start, MAX(c.out_by) AS last_out_by,
         COUNT(*) AS n_in, array_agg(c.txn_id ORDER BY c.ts, c.txn_id) AS in_ids
  FROM bursts b JOIN fwd c ON c.account_id = b.account_id AND c.ts BETWEEN b.b_start AND b.b_end
  GROUP BY b.account_id, b.burst_no
),
b_out AS (
  SELECT b.account_id, b.burst_no, SUM(f.amt) AS out_amt, COUNT(*) AS n_out,
         array_agg(f.txn_id ORDER BY f.ts, f.txn_id) AS out_ids, MAX(f.ts) AS last_out
  FROM bursts b JOIN f ON f.account_id = b.account_id AND f.kind = 1
   AND f.ts >= b.b_start AND f.ts <= b.b_end + $hold
  GROUP BY b.account_id, b.burst_no
)
SELECT b.account_id, b.subject_type, b.subject_id, b.b_start AS window_start,
       greatest(b.b_end, COALESCE(o.last_out, b.b_end)) AS window_end, b.b_start, b.b_end,
       i.in_amt, i.fwd_amt, i.n_in, i.in_ids,
       (i.in_amt - LEAST(i.in_amt, GREATEST(0, i.last_out_by - i.first_q_start))) / i.in_amt AS residual,
       COALESCE(o.out_amt, 0) AS out_amt, COALESCE(o.n_out, 0) AS n_out, o.out_ids, o.last_out
FROM bursts b JOIN b_in i ON i.account_id = b.account_id AND i.burst_no = b.burst_no
LEFT JOIN b_out o ON o.account_id = b.account_id AND o.burst_no = b.burst_no
ORDER BY b.subject_type, b.subject_id, b.account_id, b.b_start
