-- ML-NET-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH e AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd,
             CASE WHEN t.to_account = acc.account_id THEN 'in' ELSE 'out' END AS dir,
             CASE WHEN t.to_account = acc.account_id THEN t.from_account ELSE t.to_account END AS cp
      FROM acc JOIN t ON acc.account_id IN (t.from_account, t.to_account)
      WHERE t.channel NOT IN ('card_payment','atm_withdrawal','cash_withdrawal','cash_deposit')),
w AS (SELECT e1.instance_id, count(DISTINCT e2.cp) AS n FROM e e1 JOIN e e2 ON e1.instance_id = e2.instance_id
      AND e1.account_id = e2.account_id AND e1.dir = e2.dir AND e2.ts BETWEEN e1.ts - INTERVAL 7 DAY AND e1.ts + INTERVAL 7 DAY
      AND e2.usd BETWEEN e1.usd AND e1.usd * 1.2
      AND abs(epoch(e2.ts) - epoch(e1.ts)) <= 7 * 86400 GROUP BY e1.instance_id, e1.ts, e1.usd)
SELECT s.instance_id, coalesce(max(n), 0) >= 8 AS ok FROM subj s LEFT JOIN w USING (instance_id) GROUP BY 1
