-- TF-REM-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH r AS (SELECT acc.instance_id, t.ts, t.to_account FROM acc JOIN t ON t.from_account = acc.account_id
      WHERE t.channel IN ('remittance','wire') AND t.reference IS NULL AND t.beneficiary_country IN (SELECT country FROM hr)),
w AS (SELECT r1.instance_id, count(DISTINCT r2.to_account) AS n FROM r r1 JOIN r r2 ON r1.instance_id = r2.instance_id
      AND r2.ts BETWEEN r1.ts AND r1.ts + INTERVAL 60 DAY GROUP BY r1.instance_id, r1.ts)
SELECT s.instance_id, coalesce(max(n), 0) >= 4 AS ok FROM subj s LEFT JOIN w USING (instance_id) GROUP BY 1
