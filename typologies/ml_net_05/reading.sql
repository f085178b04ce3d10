-- ML-NET-05 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
WITH ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id WHERE l.typology_id = $tid AND l.role = 'evidence'),
srcs AS (SELECT instance_id, count(DISTINCT from_account) AS n_src, count(DISTINCT to_account) AS n_dst,
                count(DISTINCT from_account || '>' || to_account) AS edges, max(ts) - min(ts) AS span FROM ev GROUP BY 1)
SELECT instance_id, n_src >= 6 AND n_dst >= 6 AND span <= INTERVAL 14 DAY AND edges >= 12 AS ok FROM srcs
