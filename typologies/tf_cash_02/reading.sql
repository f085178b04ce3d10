-- TF-CASH-02 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH dep AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd, t.originator_name, t.location_city FROM acc
        JOIN t ON t.to_account = acc.account_id WHERE t.channel = 'cash_deposit'),
agg AS (SELECT instance_id, account_id, min(ts) AS t0, max(ts) AS t1, sum(usd) AS total,
        count(DISTINCT originator_name) AS depositors, count(DISTINCT location_city) AS cities
        FROM dep GROUP BY 1, 2),
outf AS (SELECT g.instance_id, sum(t.usd) AS out_usd FROM agg g JOIN t ON t.from_account = g.account_id
         AND t.ts > g.t1 AND t.ts <= g.t1 + INTERVAL 7 DAY
         AND ((t.channel = 'wire' AND t.beneficiary_country <> t.originator_country)
              OR (t.channel IN ('atm_withdrawal','cash_withdrawal') AND t.location_country <> t.originator_country))
         GROUP BY 1)
SELECT s.instance_id, coalesce(bool_or(g.depositors >= 5 AND g.cities >= 2 AND g.t1 - g.t0 <= INTERVAL 14 DAY
       AND o.out_usd >= 0.7 * g.total), false) AS ok
FROM subj s LEFT JOIN agg g USING (instance_id) LEFT JOIN outf o USING (instance_id) GROUP BY 1
