-- ML-NET-02: the 14-day windows (bucket pairs w0, w0 + 1) in which an account can be a
-- scatter-gather source (src_ok) or sink (sink_ok) or a gather-scatter hub (hub_ok), for the
-- accounts of part $part of $parts (by hash).  Distinct counterparties out and in are counted
-- per bucket and summed over the pair; the either-way count (at most $max_hub_counterparties)
-- lies between the larger one-way count and their sum, so it is counted exactly only there.
INSERT INTO ml_net_02_windows
WITH io AS (
  SELECT DISTINCT acc, wb, cp, is_in FROM (
    SELECT src AS acc, wb, dst AS cp, 0 AS is_in FROM ml_net_02_edges WHERE ((hash(src) % $parts) + $parts) % $parts = $part
    UNION ALL SELECT dst AS acc, wb, src AS cp, 1 AS is_in FROM ml_net_02_edges WHERE ((hash(dst) % $parts) + $parts) % $parts = $part
  ) x
),
bw AS (SELECT acc, wb, count(*) - sum(is_in) AS n_out, sum(is_in) AS n_in FROM io GROUP BY acc, wb),
amb AS (SELECT acc, wb FROM bw WHERE n_in + n_out > $max_hub_counterparties AND greatest(n_in, n_out) <= $max_hub_counterparties),
exact AS (
  SELECT io.acc, io.wb, count(DISTINCT io.cp) AS n_all
  FROM io JOIN amb ON amb.acc = io.acc AND amb.wb = io.wb GROUP BY io.acc, io.wb
),
bwx AS (
  SELECT b.acc, b.wb, b.n_out, b.n_in, COALESCE(x.n_all > $max_hub_counterparties, b.n_in + b.n_out > $max_hub_counterparties) AS too_many
  FROM bw b LEFT JOIN exact x ON x.acc = b.acc AND x.wb = b.wb
),
win AS (
  SELECT acc, w0, sum(n_out) AS s_out, sum(n_in) AS s_in, bool_or(too_many) AS crowded FROM (
    SELECT acc, wb AS w0, n_out, n_in, too_many FROM bwx
    UNION ALL SELECT acc, wb - 1 AS w0, n_out, n_in, too_many FROM bwx
  ) y GROUP BY acc, w0
)
SELECT acc, w0, s_out >= $min_intermediaries AS src_ok, s_in >= $min_intermediaries AS sink_ok, s_in >= $min_intermediaries AND s_out >= $min_intermediaries AND NOT crowded AS hub_ok
FROM win WHERE s_out >= $min_intermediaries OR s_in >= $min_intermediaries
