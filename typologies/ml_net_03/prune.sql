-- ML-NET-03: one pruning round of the candidate edges.  An edge of a cycle has a next edge
-- leaving its credited account (later, $next_min_ratio..$max_hop_growth of it; or, closing
-- the cycle, the earlier first hop, 1/$cycle_growth..1/$min_return_ratio of it) and a previous
-- edge entering its debited account (the mirror image), all within $window_seconds.  Every
-- neighbour lies in the edge's time bucket or one either side, so neighbours are joined on
-- (account, bucket) with each edge listed under its own bucket and the two adjacent ones (jb).
CREATE OR REPLACE TEMP TABLE ml_net_03_edges AS
WITH nb AS (SELECT x.*, x.wb + k.d AS jb FROM ml_net_03_edges x CROSS JOIN (VALUES (-1), (0), (1)) AS k(d))
SELECT e.* FROM ml_net_03_edges e
WHERE EXISTS (
  SELECT 1 FROM nb n
  WHERE n.src = e.dst AND n.jb = e.wb AND n.txn_id <> e.txn_id
    AND ((n.es > e.es AND n.es <= e.es + $window_seconds AND n.amount >= e.amount * $next_min_ratio AND n.amount <= e.amount * $max_hop_growth)
      OR (n.es < e.es AND n.es >= e.es - $window_seconds AND n.amount >= e.amount / $cycle_growth AND n.amount <= e.amount / $min_return_ratio)))
AND EXISTS (
  SELECT 1 FROM nb q
  WHERE q.dst = e.src AND q.jb = e.wb AND q.txn_id <> e.txn_id
    AND ((q.es < e.es AND q.es >= e.es - $window_seconds AND e.amount >= q.amount * $next_min_ratio AND e.amount <= q.amount * $max_hop_growth)
      OR (q.es > e.es AND q.es <= e.es + $window_seconds AND q.amount >= e.amount * $min_return_ratio AND q.amount <= e.amount * $cycle_growth)))
