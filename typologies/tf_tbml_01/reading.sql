-- TF-TBML-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
med AS (SELECT hs_code, unit, median(usd / quantity) AS m, count(*) AS n FROM td GROUP BY 1, 2)
SELECT ev.instance_id, bool_or(m.n >= 10 AND (ev.usd / ev.quantity >= 3 * m.m OR ev.usd / ev.quantity <= m.m / 3)) AS ok
FROM ev JOIN med m USING (hs_code, unit) GROUP BY 1
