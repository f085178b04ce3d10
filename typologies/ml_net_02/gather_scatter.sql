-- ML-NET-02 gather-scatter: the transfers in and out of candidate hubs in their windows.
WITH e AS (SELECT * FROM ml_net_02_edges),
cw AS (SELECT DISTINCT acc AS hub, w0 + k.d AS wb FROM ml_net_02_windows CROSS JOIN (VALUES (0), (1)) AS k(d) WHERE hub_ok)
SELECT e.dst AS hub, 'in' AS direction, e.src AS cp, e.txn_id, e.ts, e.amount
FROM e JOIN cw ON cw.hub = e.dst AND cw.wb = e.wb
UNION ALL
SELECT e.src AS hub, 'out' AS direction, e.dst AS cp, e.txn_id, e.ts, e.amount
FROM e JOIN cw ON cw.hub = e.src AND cw.wb = e.wb
ORDER BY hub, ts, txn_id
