-- TF-DORM-01 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
-- The reading: an inflow to the account after >= 180 days with no transaction, then >= 10,000
-- in and >= 10,000 out within 14 days.  Silence counts from the last transaction on file;
-- with none, from opened_on, provided >= 120 of the silent days lie after the first
-- transaction on file (before it, the account's activity is unknown).  Moves between the
-- account and its owner's other accounts are neither received nor moved out, and accounts of
-- financial institutions and government bodies are not read.
WITH cov AS (SELECT min(ts) AS start FROM t),
own AS (SELECT a.account_id, b.account_id AS other FROM accounts a JOIN accounts b ON a.party_id = b.party_id),
racc AS (SELECT acc.* FROM acc JOIN accounts a USING (account_id) JOIN parties p ON p.party_id = a.party_id
         WHERE p.party_type NOT IN ('financial_institution', 'government')),
big AS (SELECT racc.instance_id, racc.account_id, t.ts, t.usd FROM racc JOIN t ON t.to_account = racc.account_id),
prev AS (SELECT b.instance_id, b.account_id, b.ts, b.usd,
         (SELECT max(p.ts) FROM t p WHERE (p.from_account = b.account_id OR p.to_account = b.account_id)
          AND p.ts < b.ts) AS prev_ts,
         (SELECT CAST(opened_on AS TIMESTAMP) FROM accounts a WHERE a.account_id = b.account_id) AS opened
         FROM big b),
flows AS (SELECT p.instance_id, p.ts, coalesce(p.prev_ts, p.opened) AS last_ts,
          p.prev_ts IS NOT NULL OR p.ts - greatest(p.opened, (SELECT start FROM cov)) >= INTERVAL 120 DAY AS covered,
          (SELECT sum(i.usd) FROM t i WHERE i.to_account = p.account_id AND i.ts BETWEEN p.ts AND p.ts + INTERVAL 14 DAY
             AND (i.from_account IS NULL OR i.from_account NOT IN (SELECT other FROM own WHERE own.account_id = p.account_id))) AS inflow,
          (SELECT sum(o.usd) FROM t o WHERE o.from_account = p.account_id AND o.ts BETWEEN p.ts AND p.ts + INTERVAL 14 DAY
             AND (o.to_account IS NULL OR o.to_account NOT IN (SELECT other FROM own WHERE own.account_id = p.account_id))) AS outflow
          FROM prev p)
SELECT s.instance_id, coalesce(bool_or(f.ts - f.last_ts >= INTERVAL 180 DAY AND f.covered
                                       AND f.inflow >= 10000 AND f.outflow >= 10000), false) AS ok
FROM subj s LEFT JOIN flows f USING (instance_id) GROUP BY 1
