-- ML-NET-02: the window's money-flow edges with their $window_seconds time bucket (wb).
CREATE OR REPLACE TEMP TABLE ml_net_02_edges AS
SELECT x.*, EXTRACT(EPOCH FROM x.ts) AS es, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $window_seconds) AS BIGINT) AS wb
FROM scan_edges x WHERE x.amount > 0 AND x.amount >= $min_amount
