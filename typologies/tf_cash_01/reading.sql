-- TF-CASH-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH cash AS (SELECT acc.instance_id, t.ts FROM acc JOIN t ON acc.account_id = coalesce(t.to_account, t.from_account)
         WHERE t.channel IN ('cash_deposit','cash_withdrawal','atm_withdrawal') AND t.usd BETWEEN 8000 AND 10000),
win AS (SELECT c1.instance_id, count(*) AS n FROM cash c1 JOIN cash c2 ON c1.instance_id = c2.instance_id
        AND c2.ts BETWEEN c1.ts AND c1.ts + INTERVAL 7 DAY GROUP BY c1.instance_id, c1.ts)
SELECT s.instance_id, coalesce(max(n), 0) >= 3 AS ok FROM subj s LEFT JOIN win USING (instance_id) GROUP BY 1
