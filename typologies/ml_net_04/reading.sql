-- ML-NET-04 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
WITH ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
             WHERE l.typology_id = $tid AND l.role = 'evidence'),
o AS (SELECT *, lag(usd) OVER w AS prev_usd, lag(ts) OVER w AS prev_ts, lag(to_account) OVER w AS prev_to
      FROM ev WINDOW w AS (PARTITION BY instance_id ORDER BY ts))
SELECT instance_id, count(*) >= 4 AND bool_and(prev_usd IS NULL OR (usd BETWEEN 0.8 * prev_usd AND prev_usd
       AND ts - prev_ts <= INTERVAL 48 HOUR AND from_account = prev_to)) AS ok FROM o GROUP BY 1
