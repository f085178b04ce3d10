-- TF-TBML-03 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
circ AS (SELECT DISTINCT a.instance_id FROM ev a JOIN ev b ON a.instance_id = b.instance_id
         AND substr(a.hs_code, 1, 4) = substr(b.hs_code, 1, 4) AND b.importer_party_id = a.exporter_party_id
         AND b.date >= a.date AND b.date <= a.date + INTERVAL 180 DAY AND a.trade_id <> b.trade_id),
ts AS (SELECT DISTINCT instance_id FROM ev JOIN region o ON o.country = ev.origin_country
       JOIN region d ON d.country = ev.destination_country
       WHERE transshipment_country IN (SELECT country FROM hr) AND o.region = d.region)
SELECT i.instance_id, (c.instance_id IS NOT NULL OR x.instance_id IS NOT NULL) AS ok
FROM (SELECT DISTINCT instance_id FROM ev) i LEFT JOIN circ c USING (instance_id) LEFT JOIN ts x USING (instance_id)
