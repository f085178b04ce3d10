-- ML-NET-02 scatter-gather: two-leg paths source -> intermediary -> sink within $window_seconds,
-- the second leg forwarding $forward_min_ratio..$forward_max_ratio of the first, of
-- (source, sink) pairs with >= $min_intermediaries intermediaries.  The second leg lies in the
-- first leg's bucket (wb) or the next: legs are joined on (intermediary, bucket) with each
-- second leg under its own bucket and the previous one (jb), so every path is found once.
WITH e AS (SELECT * FROM ml_net_02_edges),
sw AS (SELECT DISTINCT acc, w0 + k.d AS wb FROM ml_net_02_windows CROSS JOIN (VALUES (0), (1)) AS k(d) WHERE src_ok),
kw AS (SELECT DISTINCT acc, w0 + k.d AS wb FROM ml_net_02_windows CROSS JOIN (VALUES (0), (1)) AS k(d) WHERE sink_ok),
e1c AS (SELECT e.* FROM e JOIN sw ON sw.acc = e.src AND sw.wb = e.wb),
e2c AS (
  SELECT e.*, e.wb - k.d AS jb
  FROM e JOIN kw ON kw.acc = e.dst AND kw.wb = e.wb CROSS JOIN (VALUES (0), (1)) AS k(d)
),
p AS (
  SELECT e1.src AS source, e1.dst AS mid, e2.dst AS sink,
         e1.txn_id AS t1, e1.ts AS ts1, e1.amount AS a1,
         e2.txn_id AS t2, e2.ts AS ts2, e2.amount AS a2
  FROM e1c e1 JOIN e2c e2 ON e2.src = e1.dst AND e2.jb = e1.wb
  WHERE e2.es > e1.es AND e2.es <= e1.es + $window_seconds
    AND e2.dst <> e1.src AND e2.dst <> e1.dst
    AND e2.amount >= e1.amount * $forward_min_ratio
    AND e2.amount <= e1.amount * $forward_max_ratio
),
g AS (
  SELECT source, sink FROM p GROUP BY source, sink
  HAVING count(DISTINCT mid) >= $min_intermediaries
)
SELECT p.* FROM p JOIN g ON p.source = g.source AND p.sink = g.sink
ORDER BY p.source, p.sink, p.ts1, p.t1, p.ts2, p.t2
