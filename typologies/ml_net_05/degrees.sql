-- ML-NET-05: per account and cell of part $part of $parts, whether it may send (s_ok) or
-- receive (r_ok) in a block: >= $min_degree distinct counterparties that way, and at most
-- $max_counterparties either way.  n_out and n_in are plain counts over distinct pairs; the
-- either-way count lies between max(n_out, n_in) and n_out + n_in, so it is counted exactly
-- only where that range straddles $max_counterparties.
CREATE OR REPLACE TEMP TABLE ml_net_05_deg AS
WITH pairs AS (SELECT DISTINCT src, dst, w0 FROM ml_net_05_cells WHERE ((w0 % $parts) + $parts) % $parts = $part),
deg AS (
  SELECT acc, w0, sum(is_out) AS n_out, count(*) - sum(is_out) AS n_in FROM (
    SELECT src AS acc, w0, 1 AS is_out FROM pairs UNION ALL SELECT dst AS acc, w0, 0 AS is_out FROM pairs
  ) io GROUP BY acc, w0
),
amb AS (
  SELECT acc, w0 FROM deg
  WHERE (n_out >= $min_degree OR n_in >= $min_degree) AND n_out + n_in > $max_counterparties AND greatest(n_out, n_in) <= $max_counterparties
),
exact AS (
  SELECT acc, w0, count(DISTINCT cp) AS n_all FROM (
    SELECT a.acc, a.w0, x.dst AS cp FROM pairs x JOIN amb a ON a.acc = x.src AND a.w0 = x.w0
    UNION ALL SELECT a.acc, a.w0, x.src AS cp FROM pairs x JOIN amb a ON a.acc = x.dst AND a.w0 = x.w0
  ) y GROUP BY acc, w0
)
SELECT d.acc, d.w0, d.n_out >= $min_degree AS s_ok, d.n_in >= $min_degree AS r_ok
FROM deg d LEFT JOIN exact x ON x.acc = d.acc AND x.w0 = d.w0
WHERE (d.n_out >= $min_degree OR d.n_in >= $min_degree)
  AND COALESCE(x.n_all, CASE WHEN d.n_out + d.n_in <= $max_counterparties THEN 0 ELSE $max_counterparties + 1 END) <= $max_counterparties
