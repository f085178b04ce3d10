-- ML-NET-05: each money-flow edge in its two candidate cells (w0: pairs of adjacent
-- $window_seconds buckets), so any block of transfers within the window lies in one cell.
CREATE OR REPLACE TEMP TABLE ml_net_05_cells AS
WITH e AS (
  SELECT x.*, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $window_seconds) AS BIGINT) AS wb
  FROM scan_edges x WHERE x.amount > 0 AND x.amount >= $min_amount
)
SELECT e.txn_id, e.ts, e.src, e.dst, e.amount, e.wb - k.dw AS w0 FROM e CROSS JOIN (VALUES (0), (1)) AS k(dw)
