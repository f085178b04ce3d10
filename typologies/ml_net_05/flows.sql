-- ML-NET-05: every flow (any transaction, in or out) of the layer accounts of the blocks found,
-- within each block's window (ml_net_05_windows(block, account_id, w_start, w_end)).
SELECT block, account_id, sum(amt) AS flows FROM (
  SELECT w.block, w.account_id, CAST(t.amount_base AS DOUBLE) AS amt
  FROM ml_net_05_windows w JOIN transactions t ON t.from_account = w.account_id
   AND t.timestamp >= w.w_start AND t.timestamp <= w.w_end
  UNION ALL
  SELECT w.block, w.account_id, CAST(t.amount_base AS DOUBLE) AS amt
  FROM ml_net_05_windows w JOIN transactions t ON t.to_account = w.account_id
   AND t.timestamp >= w.w_start AND t.timestamp <= w.w_end
) f
GROUP BY block, account_id
