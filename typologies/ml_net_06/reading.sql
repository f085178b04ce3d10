-- ML-NET-06 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
-- The reading: a subject's account lies within 2 hops of a designated party's account over
-- the transfers on file; a collector or distributor (>= 100 distinct counterparties over the
-- data, a government or financial institution, or a biller/utility/telco/insurer/acquirer/
-- marketplace/payroll/school line of business) passes no exposure on and is not exposed itself.
WITH coll AS (SELECT account_id FROM collectors),
d AS (SELECT l.instance_id, a.account_id FROM labels l JOIN accounts a ON a.party_id = l.entity_id
           WHERE l.typology_id = $tid AND l.role = 'designated'),
s AS (SELECT l.instance_id, a.account_id FROM labels l JOIN accounts a ON a.party_id = l.entity_id
      WHERE l.typology_id = $tid AND l.role = 'subject'),
e AS (SELECT from_account AS x, to_account AS y FROM t WHERE from_account IS NOT NULL AND to_account IS NOT NULL
      UNION SELECT to_account, from_account FROM t WHERE from_account IS NOT NULL AND to_account IS NOT NULL),
h1 AS (SELECT d.instance_id, e.y AS acct FROM d JOIN e ON e.x = d.account_id),
h2 AS (SELECT h1.instance_id, e.y AS acct FROM h1 JOIN e ON e.x = h1.acct WHERE h1.acct NOT IN (SELECT account_id FROM coll)),
near AS (SELECT * FROM h1 UNION SELECT * FROM h2)
SELECT s.instance_id, bool_or(n.acct IS NOT NULL AND s.account_id NOT IN (SELECT account_id FROM coll)) AS ok
FROM s LEFT JOIN near n ON n.instance_id = s.instance_id AND n.acct = s.account_id GROUP BY 1
