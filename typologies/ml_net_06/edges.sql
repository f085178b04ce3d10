-- ML-NET-06: the edges of the neighbourhood with the node each end belongs to: the owning
-- party when it is on file, else the account.
SELECT e.txn_id, e.ts, e.src, e.dst, e.amount,
       COALESCE(a1.party_id, e.src) AS n1, COALESCE(a2.party_id, e.dst) AS n2
FROM ml_net_06_edges e
LEFT JOIN scan_accounts a1 ON a1.account_id = e.src
LEFT JOIN scan_accounts a2 ON a2.account_id = e.dst
ORDER BY e.ts, e.txn_id
