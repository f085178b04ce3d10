-- TF-CARD-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH loads AS (SELECT acc.instance_id, t.to_account AS card, t.ts, t.usd FROM acc JOIN t ON t.to_account = acc.account_id
          WHERE t.channel = 'prepaid_load'),
w AS (SELECT l1.instance_id, l1.ts, count(DISTINCT l2.card) AS cards, sum(l2.usd) AS total FROM loads l1
      JOIN loads l2 ON l1.instance_id = l2.instance_id AND l2.ts BETWEEN l1.ts AND l1.ts + INTERVAL 30 DAY GROUP BY 1, 2),
atm AS (SELECT DISTINCT l.instance_id, l.ts FROM loads l JOIN t ON t.from_account = l.card AND t.channel = 'atm_withdrawal'
        AND t.ts BETWEEN l.ts AND l.ts + INTERVAL 30 DAY AND t.location_country IN (SELECT country FROM hr))
SELECT s.instance_id, coalesce(bool_or((w.cards >= 3 OR w.total >= 5000) AND a.ts IS NOT NULL), false) AS ok
FROM subj s LEFT JOIN w USING (instance_id) LEFT JOIN atm a ON a.instance_id = w.instance_id AND a.ts = w.ts GROUP BY 1
