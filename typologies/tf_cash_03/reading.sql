-- TF-CASH-03 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN decl d ON d.declaration_id = l.entity_id
             WHERE l.typology_id = $tid),
hrx AS (SELECT e1.instance_id, count(*) AS n FROM ev e1 JOIN ev e2 ON e1.instance_id = e2.instance_id
        AND e1.traveller_name = e2.traveller_name AND e2.timestamp BETWEEN e1.timestamp AND e1.timestamp + INTERVAL 90 DAY
        AND (e2.origin_country IN (SELECT country FROM hr) OR e2.destination_country IN (SELECT country FROM hr))
        GROUP BY e1.instance_id, e1.declaration_id),
grp AS (SELECT e1.instance_id, count(DISTINCT d2.traveller_name) AS n FROM ev e1 JOIN decl d2
        ON d2.transport_ref = e1.transport_ref AND CAST(d2.timestamp AS DATE) = CAST(e1.timestamp AS DATE)
        AND d2.usd BETWEEN e1.usd AND e1.usd * 1.1 GROUP BY e1.instance_id, e1.declaration_id),
dep AS (SELECT DISTINCT e.instance_id FROM ev e JOIN accounts a ON a.party_id = e.party_id JOIN t ON t.to_account = a.account_id
        AND t.channel = 'cash_deposit' AND e.direction = 'inbound' AND e.declared
        AND t.ts BETWEEN e.timestamp AND e.timestamp + INTERVAL 3 DAY)
SELECT e.instance_id, bool_or(e.usd BETWEEN 8000 AND 10000 OR NOT e.declared) OR coalesce(max(h.n), 0) >= 3
       OR coalesce(max(g.n), 0) >= 3 OR bool_or(dp.instance_id IS NOT NULL) AS ok
FROM ev e LEFT JOIN hrx h USING (instance_id) LEFT JOIN grp g USING (instance_id) LEFT JOIN dep dp USING (instance_id)
GROUP BY 1
