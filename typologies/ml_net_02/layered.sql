-- ML-NET-02: gather-scatter hubs one of whose sources (ml_net_02_sources) reaches one of its
-- sinks (ml_net_02_sinks) through another account within $window of the gather phase.
SELECT DISTINCT s.hub
FROM ml_net_02_sources s
JOIN scan_transactions a ON a.from_account = s.acc AND a.to_account <> s.hub
 AND a.timestamp >= s.t0 AND a.timestamp <= s.t0 + $window
JOIN scan_transactions b ON b.from_account = a.to_account AND b.timestamp > a.timestamp
 AND b.timestamp <= s.t0 + $window
JOIN ml_net_02_sinks k ON k.hub = s.hub AND k.acc = b.to_account
