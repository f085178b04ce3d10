-- ML-NET-05: one round of degree peeling: edges whose sender still sends to and receiver still
-- receives from >= $min_degree distinct accounts in the cell.
CREATE OR REPLACE TEMP TABLE ml_net_05_cells AS
WITH pr AS (SELECT DISTINCT src, dst, w0 FROM ml_net_05_cells),
so AS (SELECT src, w0 FROM pr GROUP BY src, w0 HAVING count(*) >= $min_degree),
di AS (SELECT dst, w0 FROM pr GROUP BY dst, w0 HAVING count(*) >= $min_degree)
SELECT c.* FROM ml_net_05_cells c
JOIN so ON so.src = c.src AND so.w0 = c.w0
JOIN di ON di.dst = c.dst AND di.w0 = c.w0
