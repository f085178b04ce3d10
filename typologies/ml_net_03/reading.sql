-- ML-NET-03 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
-- Transfers between accounts in a recurring relationship (>= 3 distinct calendar months over
-- the data) or touching a collector or distributor (>= 100 distinct counterparties over the
-- data, a government or financial institution, or a biller/utility/telco/insurer/acquirer/
-- marketplace/payroll/school line of business) are routine and do not count.
WITH rel AS (SELECT a, b FROM recurring_pairs),
coll AS (SELECT account_id FROM collectors),
ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
             WHERE l.typology_id = $tid AND l.role = 'evidence'
       AND t.from_account NOT IN (SELECT account_id FROM coll) AND t.to_account NOT IN (SELECT account_id FROM coll)
       AND NOT EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account) AND rel.b = greatest(t.from_account, t.to_account))),
o AS (SELECT *, row_number() OVER (PARTITION BY instance_id ORDER BY ts) AS k,
             count(*) OVER (PARTITION BY instance_id) AS n FROM ev),
f AS (SELECT instance_id, from_account AS origin, usd AS first_usd, ts AS t0 FROM o WHERE k = 1),
z AS (SELECT instance_id, to_account AS back, usd AS last_usd, ts AS t1, n FROM o WHERE k = n)
SELECT f.instance_id, (z.back = f.origin AND z.last_usd >= 0.7 * f.first_usd AND z.n BETWEEN 3 AND 8
       AND z.t1 - f.t0 <= INTERVAL 30 DAY) AS ok FROM f JOIN z USING (instance_id)
