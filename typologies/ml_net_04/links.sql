-- ML-NET-04 links: transfer e2 made by the account e1 paid, within $hold_seconds after e1,
-- of $forward_min_ratio..$forward_max_ratio of e1's amount, not straight back.  e2 lies in
-- e1's hold-length time bucket (hb) or the next: joined on (account, bucket) with each
-- transfer listed under its own bucket and the previous one (jb), every link is found once
-- without pairing all of an account's inflows with all of its outflows.
-- Transfers between accounts in a recurring relationship (>= $recurring_min_months distinct
-- months on file) are not layering links, and collectors and distributors (>=
-- $collector_min_counterparties distinct counterparties on file, parties of
-- $excused_party_types or whose line of business matches $collector_pattern) are not
-- layering accounts: their transfers make no links.
WITH rel AS (
  SELECT acc_a, acc_b FROM scan_relationships WHERE $exclude_recurring AND months >= $recurring_min_months
),
coll AS (
  SELECT account_id FROM scan_account_counterparties
  WHERE $exclude_collectors AND counterparties >= $collector_min_counterparties
  UNION
  SELECT account_id FROM scan_accounts
  WHERE $exclude_collectors
    AND (list_contains($excused_party_types, party_type)
         OR COALESCE(regexp_matches(upper(party_occupation), $collector_pattern), FALSE))
),
e AS (
  SELECT x.*, EXTRACT(EPOCH FROM x.ts) AS es, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $hold_seconds) AS BIGINT) AS hb
  FROM scan_edges x WHERE x.amount > 0 AND x.amount >= $min_amount
    AND x.src NOT IN (SELECT account_id FROM coll) AND x.dst NOT IN (SELECT account_id FROM coll)
    AND NOT EXISTS (SELECT 1 FROM rel r WHERE r.acc_a = least(x.src, x.dst) AND r.acc_b = greatest(x.src, x.dst))
),
e2 AS (SELECT e.*, e.hb - k.d AS jb FROM e CROSS JOIN (VALUES (0), (1)) AS k(d))
SELECT e1.txn_id AS t1, e1.ts AS ts1, e1.src AS s1, e1.dst AS d1, e1.amount AS a1,
       e2.txn_id AS t2, e2.ts AS ts2, e2.src AS s2, e2.dst AS d2, e2.amount AS a2
FROM e e1 JOIN e2 ON e2.src = e1.dst AND e2.jb = e1.hb
WHERE e2.es > e1.es AND e2.es <= e1.es + $hold_seconds
  AND e2.dst <> e1.src
  AND e2.amount >= e1.amount * $forward_min_ratio
  AND e2.amount <= e1.amount * $forward_max_ratio
