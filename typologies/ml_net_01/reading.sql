-- ML-NET-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
-- The reading: >= 8 distinct counterparties send to (or receive from) one of the subject's
-- accounts within 7 days, amounts within 20% of each other and each >= 1,000; a counterparty
-- transacting with the account in >= 3 distinct calendar months over the data (any channel,
-- either way) is in a recurring relationship and does not count; a collector or distributor
-- (>= 100 distinct counterparties over the data, a government or financial institution, or a
-- biller/utility/telco/insurer/acquirer/marketplace/payroll/school line of business) is not a hub.
WITH rel AS (SELECT a, b FROM recurring_pairs),
coll AS (SELECT account_id FROM collectors),
e AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd,
             CASE WHEN t.to_account = acc.account_id THEN 'in' ELSE 'out' END AS dir,
             CASE WHEN t.to_account = acc.account_id THEN t.from_account ELSE t.to_account END AS cp
      FROM acc JOIN t ON acc.account_id IN (t.from_account, t.to_account)
      WHERE t.channel NOT IN ('card_payment','atm_withdrawal','cash_withdrawal','cash_deposit') AND t.usd >= 1000
        AND acc.account_id NOT IN (SELECT account_id FROM coll)
        AND NOT EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account)
                        AND rel.b = greatest(t.from_account, t.to_account))),
-- boxes of 7 days from each transfer's time (e1) by amounts from each transfer's amount (e3) to 1.2 times it
w AS (SELECT e1.instance_id, count(DISTINCT e2.cp) AS n FROM e e1
      JOIN e e3 ON e3.instance_id = e1.instance_id AND e3.account_id = e1.account_id AND e3.dir = e1.dir
      JOIN e e2 ON e2.instance_id = e1.instance_id AND e2.account_id = e1.account_id AND e2.dir = e1.dir
       AND e2.ts BETWEEN e1.ts AND e1.ts + INTERVAL 7 DAY AND e2.usd BETWEEN e3.usd AND e3.usd * 1.2
      GROUP BY e1.instance_id, e1.account_id, e1.dir, e1.ts, e3.usd)
SELECT s.instance_id, coalesce(max(n), 0) >= 8 AS ok FROM subj s LEFT JOIN w USING (instance_id) GROUP BY 1
