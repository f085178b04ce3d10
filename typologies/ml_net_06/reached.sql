-- ML-NET-06: the accounts the edges taken so far reach for the first time, at hop $hop.
INSERT INTO ml_net_06_seen
SELECT DISTINCT acc, $hop FROM (SELECT src AS acc FROM ml_net_06_edges UNION SELECT dst FROM ml_net_06_edges) x
WHERE acc NOT IN (SELECT account_id FROM ml_net_06_seen)
