-- TF-FTF-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH tx AS (SELECT acc.instance_id, acc.account_id, t.* FROM acc
       JOIN t ON acc.account_id IN (t.from_account, t.to_account)),
drain AS (SELECT instance_id, min(ts) AS t0 FROM tx WHERE channel = 'cash_withdrawal' AND usd >= 1000 GROUP BY 1),
bal AS (SELECT d.instance_id, d.t0,
        sum(CASE WHEN x.to_account = x.account_id AND x.ts < d.t0 + INTERVAL 3 DAY THEN x.usd ELSE 0 END)
        - sum(CASE WHEN x.from_account = x.account_id AND x.ts < d.t0 THEN x.usd ELSE 0 END) AS balance,
        sum(CASE WHEN x.channel = 'cash_withdrawal' AND x.from_account = x.account_id
                 AND x.ts BETWEEN d.t0 AND d.t0 + INTERVAL 3 DAY THEN x.usd ELSE 0 END) AS drained,
        bool_or(x.channel = 'card_payment' AND (CAST(x.merchant_category AS INTEGER) BETWEEN 3000 AND 3299
                OR x.merchant_category IN ('4511','4722')) AND x.ts BETWEEN d.t0 AND d.t0 + INTERVAL 30 DAY) AS air
        FROM drain d JOIN tx x USING (instance_id) GROUP BY 1, 2),
abroad AS (SELECT DISTINCT d.instance_id FROM drain d JOIN subj s USING (instance_id) JOIN accounts a ON a.party_id = s.party_id
           JOIN t ON t.from_account = a.account_id AND t.channel IN ('card_payment','atm_withdrawal')
           AND t.location_country IN (SELECT country FROM hr) AND t.ts BETWEEN d.t0 AND d.t0 + INTERVAL 30 DAY)
SELECT s.instance_id, coalesce(bool_or(b.drained >= 0.8 * b.balance AND b.air AND ab.instance_id IS NOT NULL), false) AS ok
FROM subj s LEFT JOIN bal b USING (instance_id) LEFT JOIN abroad ab USING (instance_id) GROUP BY 1
