-- ML-NET-01 stage 1: the edges of hubs with >= $min_counterparties distinct counterparties in a
-- pair of adjacent $window_seconds time buckets (a cheap superset: the sum of the two buckets'
-- distinct counts), each with its time bucket (wb) and log-amount bucket of width $log_width (ab).
CREATE OR REPLACE TEMP TABLE ml_net_01_rows AS
WITH e AS (
  SELECT x.*, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $window_seconds) AS BIGINT) AS wb
  FROM scan_edges x WHERE x.amount > 0 AND x.amount >= $min_amount
),
pr AS (SELECT DISTINCT src, dst, wb FROM e),
bw AS (
  SELECT 'in' AS direction, dst AS hub, wb, count(*) AS n FROM pr GROUP BY dst, wb
  UNION ALL SELECT 'out' AS direction, src AS hub, wb, count(*) AS n FROM pr GROUP BY src, wb
),
hw AS (
  SELECT direction, hub, w0 FROM (
    SELECT direction, hub, wb AS w0, n FROM bw UNION ALL SELECT direction, hub, wb - 1 AS w0, n FROM bw
  ) x GROUP BY direction, hub, w0 HAVING sum(n) >= $min_counterparties
),
hk AS (SELECT DISTINCT direction, hub, w0 + k.d AS wb FROM hw CROSS JOIN (VALUES (0), (1)) AS k(d))
SELECT 'in' AS direction, e.dst AS hub, e.src AS cp, e.txn_id, e.ts, e.amount, e.wb,
       CAST(floor(ln(e.amount) / $log_width) AS BIGINT) AS ab
FROM e JOIN hk ON hk.direction = 'in' AND hk.hub = e.dst AND hk.wb = e.wb
UNION ALL
SELECT 'out' AS direction, e.src AS hub, e.dst AS cp, e.txn_id, e.ts, e.amount, e.wb,
       CAST(floor(ln(e.amount) / $log_width) AS BIGINT) AS ab
FROM e JOIN hk ON hk.direction = 'out' AND hk.hub = e.src AND hk.wb = e.wb
