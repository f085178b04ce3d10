-- TF-NPO-02 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
-- Payees in a recurring relationship with the NPO (its account and theirs transact in >= 3
-- distinct calendar months over the data: staff salaries, rent) are operations, not forwarding.
WITH rel AS (SELECT a, b FROM recurring_pairs),
don AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd, t.from_account FROM acc JOIN t ON t.to_account = acc.account_id),
agg AS (SELECT instance_id, account_id, count(DISTINCT from_account) AS donors, sum(usd) AS total, max(ts) AS t1, min(ts) AS t0
        FROM don GROUP BY 1, 2),
outf AS (SELECT g.instance_id, count(DISTINCT t.to_account) AS bens, sum(t.usd) AS out_usd FROM agg g
         JOIN t ON t.from_account = g.account_id AND t.ts > g.t0 AND t.ts <= g.t1 + INTERVAL 7 DAY
         WHERE NOT EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account)
                           AND rel.b = greatest(t.from_account, t.to_account))
         GROUP BY 1)
-- forwarded: 70% to 110% of the donations (paying out far more is spending reserves)
SELECT s.instance_id, coalesce(bool_or(g.donors >= 10 AND o.bens <= 2 AND o.out_usd >= 0.7 * g.total
                                       AND o.out_usd <= 1.1 * g.total), false) AS ok
FROM subj s LEFT JOIN agg g USING (instance_id) LEFT JOIN outf o USING (instance_id) GROUP BY 1
