-- ML-NET-02 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
-- Transfers between accounts in a recurring relationship (>= 3 distinct calendar months over
-- the data) or touching a collector or distributor (>= 100 distinct counterparties over the
-- data, a government or financial institution, or a biller/utility/telco/insurer/acquirer/
-- marketplace/payroll/school line of business) are routine and do not count.
WITH rel AS (SELECT a, b FROM recurring_pairs),
coll AS (SELECT account_id FROM collectors),
ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id WHERE l.typology_id = $tid AND l.role = 'evidence'
       AND t.from_account NOT IN (SELECT account_id FROM coll) AND t.to_account NOT IN (SELECT account_id FROM coll)
       AND NOT EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account) AND rel.b = greatest(t.from_account, t.to_account))),
sg AS (SELECT a.instance_id, a.from_account AS src, b.to_account AS sink, count(DISTINCT a.to_account) AS mids,
              max(b.ts) - min(a.ts) AS span
       FROM ev a JOIN ev b ON a.instance_id = b.instance_id AND b.from_account = a.to_account AND b.ts > a.ts
       WHERE b.to_account IS NOT NULL GROUP BY 1, 2, 3),
gs AS (SELECT a.instance_id, a.to_account AS hub, count(DISTINCT a.from_account) AS ins, count(DISTINCT b.to_account) AS outs,
              max(b.ts) - min(a.ts) AS span
       FROM ev a JOIN ev b ON a.instance_id = b.instance_id AND b.from_account = a.to_account AND b.ts > a.ts GROUP BY 1, 2)
SELECT i.instance_id, coalesce(bool_or(sg.mids >= 3 AND sg.span <= INTERVAL 7 DAY), false)
       OR coalesce(bool_or(gs.ins >= 3 AND gs.outs >= 3 AND gs.span <= INTERVAL 7 DAY), false) AS ok
FROM (SELECT DISTINCT instance_id FROM ev) i LEFT JOIN sg USING (instance_id) LEFT JOIN gs USING (instance_id) GROUP BY 1
