-- ML-NET-01 stage 2: the rows of (direction, hub) cells of two adjacent time buckets by two
-- adjacent amount buckets holding >= $min_counterparties distinct counterparties.
WITH cells AS (
  SELECT DISTINCT r.direction, r.hub, r.wb - k.dw AS w0, r.ab - k.da AS a0, r.cp
  FROM ml_net_01_rows r CROSS JOIN (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) AS k(dw, da)
),
cand AS (
  SELECT direction, hub, w0, a0 FROM cells GROUP BY direction, hub, w0, a0 HAVING count(*) >= $min_counterparties
),
ck AS (
  SELECT DISTINCT c.direction, c.hub, c.w0 + k.dw AS wb, c.a0 + k.da AS ab
  FROM cand c CROSS JOIN (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) AS k(dw, da)
)
SELECT r.direction, r.hub, r.cp, r.txn_id, r.ts, r.amount
FROM ml_net_01_rows r JOIN ck c ON r.direction = c.direction AND r.hub = c.hub AND r.wb = c.wb AND r.ab = c.ab
ORDER BY r.direction, r.hub, r.ts, r.txn_id
