-- EX-RND-01 literal reading: an instance's subject received at least 3 cash deposits of at
-- least 5,000 that are multiples of 1,000 (usd) within 7 days.
WITH d AS (
  SELECT acc.instance_id, t.ts FROM acc JOIN t ON t.to_account = acc.account_id
  WHERE t.channel = 'cash_deposit' AND t.usd >= 5000 AND t.usd % 1000 = 0
),
w AS (
  SELECT d1.instance_id, count(*) AS n FROM d d1 JOIN d d2 ON d1.instance_id = d2.instance_id
   AND d2.ts BETWEEN d1.ts AND d1.ts + INTERVAL 7 DAY
  GROUP BY d1.instance_id, d1.ts
)
SELECT s.instance_id, coalesce(max(n), 0) >= 3 AS ok FROM subj s LEFT JOIN w USING (instance_id) GROUP BY 1
