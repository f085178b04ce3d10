-- TF-MICRO-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH inf AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd, t.from_account FROM acc JOIN t ON t.to_account = acc.account_id
        WHERE t.usd <= 500 AND t.channel IN ('mobile_transfer','domestic_transfer','wire','remittance')),
agg AS (SELECT instance_id, account_id, count(*) AS n, count(DISTINCT from_account) AS senders, sum(usd) AS total,
        min(ts) AS t0, max(ts) AS t1 FROM inf GROUP BY 1, 2),
outf AS (SELECT g.instance_id, count(*) AS k, sum(t.usd) AS out_usd FROM agg g JOIN t ON t.from_account = g.account_id
         AND t.ts > g.t1 AND t.ts <= g.t1 + INTERVAL 14 DAY AND t.beneficiary_country <> t.originator_country GROUP BY 1)
SELECT s.instance_id, coalesce(bool_or(g.n >= 20 AND g.senders >= 15 AND g.t1 - g.t0 <= INTERVAL 30 DAY
       AND o.k <= 3 AND o.out_usd >= 0.7 * g.total), false) AS ok
FROM subj s LEFT JOIN agg g USING (instance_id) LEFT JOIN outf o USING (instance_id) GROUP BY 1
