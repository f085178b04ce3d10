-- ML-NET-05: the edges of part $part of $parts whose sender may send and receiver may receive.
INSERT INTO ml_net_05_kept
SELECT c.* FROM ml_net_05_cells c
JOIN ml_net_05_deg a ON a.acc = c.src AND a.w0 = c.w0 AND a.s_ok
JOIN ml_net_05_deg b ON b.acc = c.dst AND b.w0 = c.w0 AND b.r_ok
WHERE ((c.w0 % $parts) + $parts) % $parts = $part
