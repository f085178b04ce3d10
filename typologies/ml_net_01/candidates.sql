-- ML-NET-01 stage 1: the edges of hubs with >= $min_counterparties distinct counterparties in a
-- pair of adjacent $window_seconds time buckets (a cheap superset: the sum of the two buckets'
-- distinct counts), each with its time bucket (wb) and log-amount bucket of width $log_width (ab).
-- Transfers under $min_amount and transfers between accounts in a recurring relationship
-- (>= $recurring_min_months distinct months on file) are left out; collectors and
-- distributors are not hubs when $exclude_collector_hubs.
CREATE OR REPLACE TEMP TABLE ml_net_01_rows AS
WITH rel AS (
  SELECT acc_a, acc_b FROM scan_relationships WHERE months >= $recurring_min_months
),
coll AS (
  SELECT account_id FROM scan_account_counterparties
  WHERE $exclude_collector_hubs AND counterparties >= $collector_min_counterparties
  UNION
  SELECT account_id FROM scan_accounts
  WHERE $exclude_collector_hubs
    AND (list_contains($excused_party_types, party_type)
         OR COALESCE(regexp_matches(upper(party_occupation), $collector_pattern), FALSE))
),
e AS (
  SELECT x.*, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $window_seconds) AS BIGINT) AS wb
  FROM scan_edges x
  WHERE x.amount > 0 AND x.amount >= $min_amount
    AND NOT EXISTS (SELECT 1 FROM rel r WHERE r.acc_a = least(x.src, x.dst) AND r.acc_b = greatest(x.src, x.dst))
),
pr AS (SELECT DISTINCT src, dst, wb FROM e),
bw AS (
  SELECT 'in' AS direction, dst AS hub, wb, count(*) AS n FROM pr GROUP BY dst, wb
  UNION ALL SELECT 'out' AS direction, src AS hub, wb, count(*) AS n FROM pr GROUP BY src, wb
),
hw AS (
  SELECT direction, hub, w0 FROM (
    SELECT direction, hub, wb AS w0, n FROM bw UNION ALL SELECT direction, hub, wb - 1 AS w0, n FROM bw
  ) x
  WHERE hub NOT IN (SELECT account_id FROM coll)
  GROUP BY direction, hub, w0 HAVING sum(n) >= $min_counterparties
),
hk AS (SELECT DISTINCT direction, hub, w0 + k.d AS wb FROM hw CROSS JOIN (VALUES (0), (1)) AS k(d))
SELECT 'in' AS direction, e.dst AS hub, e.src AS cp, e.txn_id, e.ts, e.amount, e.wb,
       CAST(floor(ln(e.amount) / $log_width) AS BIGINT) AS ab
FROM e JOIN hk ON hk.direction = 'in' AND hk.hub = e.dst AND hk.wb = e.wb
UNION ALL
SELECT 'out' AS direction, e.src AS hub, e.dst AS cp, e.txn_id, e.ts, e.amount, e.wb,
       CAST(floor(ln(e.amount) / $log_width) AS BIGINT) AS ab
FROM e JOIN hk ON hk.direction = 'out' AND hk.hub = e.src AND hk.wb = e.wb
