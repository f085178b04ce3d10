-- ML-NET-06: one hop of expansion: the money-flow edges touching an account reached at hop
-- $hop - 1 that were not taken yet.  Exposure does not run on through a collector or
-- distributor (ml_net_06_coll) reached on the way: paying a utility exposes nobody else who
-- pays it.
INSERT INTO ml_net_06_edges
SELECT DISTINCT x.* FROM (
  SELECT e.txn_id, e.ts, e.src, e.dst, e.amount FROM scan_edges e
  JOIN ml_net_06_seen s ON s.account_id = e.src AND s.hop = $hop - 1
  WHERE s.hop = 0 OR s.account_id NOT IN (SELECT account_id FROM ml_net_06_coll)
  UNION ALL
  SELECT e.txn_id, e.ts, e.src, e.dst, e.amount FROM scan_edges e
  JOIN ml_net_06_seen s ON s.account_id = e.dst AND s.hop = $hop - 1
  WHERE s.hop = 0 OR s.account_id NOT IN (SELECT account_id FROM ml_net_06_coll)
) x
WHERE x.txn_id NOT IN (SELECT txn_id FROM ml_net_06_edges)
