-- TF-MICRO-01: small credits into personal accounts from many senders, windows of $window
-- merged into collection bursts, then the largest transfers abroad within $forward_window.
WITH tx AS (SELECT * FROM scan_transfers WHERE list_contains($channels, channel)),
small AS (
  SELECT to_account AS account_id, txn_id, ts, amt,
         COALESCE(f_party, from_account, upper(trim(originator_name))) AS sender
  FROM tx
  WHERE t_on_file AND t_ptype = 'individual' AND NOT list_contains($excluded_account_types, t_acct_type)
    AND amt <= $max_small_amount AND NOT self_transfer
),
cand AS (
  SELECT account_id FROM small GROUP BY account_id
  HAVING COUNT(*) >= $min_small_transfers AND COUNT(DISTINCT sender) >= $min_senders
),
cs AS (SELECT small.* FROM small JOIN cand USING (account_id)),
anchors AS (
  SELECT a.account_id, a.ts AS win_start, MAX(e.ts) AS win_end,
         COUNT(*) AS n, COUNT(DISTINCT e.sender) AS n_senders
  FROM cs a JOIN cs e ON e.account_id = a.account_id
   AND e.ts >= a.ts AND e.ts <= a.ts + $window
  GROUP BY a.account_id, a.txn_id, a.ts
),
qual AS (
  SELECT DISTINCT account_id, win_start, win_end
  FROM anchors WHERE n >= $min_small_transfers AND n_senders >= $min_senders
),
bursts AS (
  SELECT account_id, burst_no, min(win_start) AS b_start, max(win_end) AS b_end
  FROM (
    SELECT account_id, win_start, win_end,
           sum(new_burst) OVER (PARTITION BY account_id ORDER BY win_start, win_end
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
    FROM (
      SELECT account_id, win_start, win_end,
             CASE WHEN win_start <= max(win_end) OVER (PARTITION BY account_id ORDER BY win_start, win_end
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                  THEN 0 ELSE 1 END AS new_burst
      FROM qual
    ) AS flagged
  ) AS numbered
  GROUP BY account_id, burst_no
),
collected AS (
  SELECT b.account_id, b.burst_no, b.b_start, b.b_end,
         SUM(s.amt) AS total, COUNT(*) AS n_small, COUNT(DISTINCT s.sender) AS n_senders,
         MIN(s.amt) AS min_amt, MAX(s.amt) AS max_amt,
         array_agg(s.txn_id ORDER BY s.ts, s.txn_id) AS small_ids
  FROM bursts b JOIN cs s ON s.account_id = b.account_id AND s.ts BETWEEN b.b_start AND b.b_end
  GROUP BY b.account_id, b.burst_no, b.b_start, b.b_end
),
abroad AS (
  SELECT c.account_id, c.burst_no, x.txn_id, x.ts, x.amt, x.dest_country,
         ROW_NUMBER() OVER (PARTITION BY c.account_id, c.burst_no ORDER BY x.amt DESC, x.ts, x.txn_id) AS rk
  FROM collected c JOIN tx x ON x.from_account = c.account_id
   AND x.ts > c.b_start AND x.ts <= c.b_end + $forward_window
  WHERE x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country AND NOT x.self_transfer
),
top AS (
  SELECT a.account_id, a.burst_no, SUM(a.amt) AS sent_abroad, COUNT(*) AS n_abroad,
         MAX(a.ts) AS last_abroad, MAX(COALESCE(r.weight, 0)) AS max_weight,
         array_agg(a.txn_id ORDER BY a.ts, a.txn_id) AS abroad_ids,
         array_agg(DISTINCT a.dest_country) AS countries
  FROM abroad a LEFT JOIN ref_jurisdiction_risk r ON r.country = a.dest_country
  WHERE a.rk <= $max_abroad_transfers
  GROUP BY a.account_id, a.burst_no
)
SELECT c.*, c.b_start AS window_start, greatest(c.b_end, t.last_abroad) AS window_end,
       t.sent_abroad, t.n_abroad, t.last_abroad, t.max_weight, t.abroad_ids, t.countries,
       o.subject_type, o.subject_id
FROM collected c JOIN top t ON t.account_id = c.account_id AND t.burst_no = c.burst_no
JOIN scan_accounts o ON o.account_id = c.account_id
WHERE t.sent_abroad >= $min_abroad_share * c.total
ORDER BY o.subject_id, c.account_id, c.b_start
