-- ML-NET-03 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
WITH ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
             WHERE l.typology_id = $tid AND l.role = 'evidence'),
o AS (SELECT *, row_number() OVER (PARTITION BY instance_id ORDER BY ts) AS k,
             count(*) OVER (PARTITION BY instance_id) AS n FROM ev),
f AS (SELECT instance_id, from_account AS origin, usd AS first_usd, ts AS t0 FROM o WHERE k = 1),
z AS (SELECT instance_id, to_account AS back, usd AS last_usd, ts AS t1, n FROM o WHERE k = n)
SELECT f.instance_id, (z.back = f.origin AND z.last_usd >= 0.7 * f.first_usd AND z.n BETWEEN 3 AND 8
       AND z.t1 - f.t0 <= INTERVAL 30 DAY) AS ok FROM f JOIN z USING (instance_id)
