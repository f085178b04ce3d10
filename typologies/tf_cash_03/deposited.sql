-- TF-CASH-03 deposited: declared inbound cash of which >= $deposit_min_share is paid in as cash
-- within $deposit_window (into the traveller's accounts or under the traveller's name).
WITH dec AS (SELECT * FROM tf_cash_03_declarations),
inb AS (SELECT * FROM dec WHERE direction = 'inbound' AND declared),
deps AS (
  SELECT i.declaration_id, t.txn_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt
  FROM inb i JOIN accounts a ON a.party_id = i.party_id
  JOIN transactions t ON t.to_account = a.account_id AND t.channel = 'cash_deposit'
   AND t.timestamp >= i.ts AND t.timestamp <= i.ts + $deposit_window
  UNION
  SELECT i.declaration_id, t.txn_id, t.timestamp, CAST(t.amount_base AS DOUBLE)
  FROM inb i JOIN transactions t ON t.channel = 'cash_deposit'
   AND lower(trim(t.originator_name)) = lower(trim(i.traveller_name))
   AND t.timestamp >= i.ts AND t.timestamp <= i.ts + $deposit_window
)
SELECT i.traveller_key, min(i.party_id) AS party_id, min(i.traveller_name) AS traveller_name,
       i.ts AS s, max(d.ts) AS e, i.amt AS declared_amt, sum(d.amt) AS deposited, count(*) AS n,
       i.declaration_id, array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS deps
FROM inb i JOIN deps d ON d.declaration_id = i.declaration_id
GROUP BY i.traveller_key, i.declaration_id, i.ts, i.amt
HAVING sum(d.amt) >= $deposit_min_share * i.amt
