-- ML-NET-05 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  subj(instance_id, party_id) and acc(instance_id,
-- account_id) are the label's subject parties and their accounts; t, td and decl the
-- generated transactions, trade documents and declarations with usd amounts, hr the
-- high-risk countries.
-- The reading, over the labelled transfers: layers of >= 3 accounts (>= 6 distinct senders and
-- >= 6 distinct receivers, >= 12 links) within 14 days, counting only transfers between pairs
-- with no recurring relationship (transacting in >= 3 distinct calendar months over the data)
-- and between accounts that are not collectors or distributors (>= 100 distinct counterparties
-- over the data, a government or financial institution, or a biller/utility/telco/insurer/
-- acquirer/marketplace/payroll/school line of business); and those transfers are the bulk (>= 50%)
-- of every layer account's flows (any transaction in or out) from the first transfer to 14
-- days after it (or the last, when later).
WITH rel AS (SELECT a, b FROM recurring_pairs),
coll AS (SELECT account_id FROM collectors),
ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
       WHERE l.typology_id = $tid AND l.role = 'evidence' AND t.from_account IS NOT NULL AND t.to_account IS NOT NULL
         AND t.from_account NOT IN (SELECT account_id FROM coll) AND t.to_account NOT IN (SELECT account_id FROM coll)
         AND NOT EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account)
                         AND rel.b = greatest(t.from_account, t.to_account))),
win AS (SELECT instance_id, min(ts) AS t0, greatest(max(ts), min(ts) + INTERVAL 14 DAY) AS t1 FROM ev GROUP BY 1),
mem AS (SELECT instance_id, from_account AS account_id, usd FROM ev UNION ALL SELECT instance_id, to_account, usd FROM ev),
blk AS (SELECT instance_id, account_id, sum(usd) AS block FROM mem GROUP BY 1, 2),
flows AS (SELECT b.instance_id, b.account_id, b.block,
                 (SELECT sum(x.usd) FROM t x, win w WHERE w.instance_id = b.instance_id
                  AND (x.from_account = b.account_id OR x.to_account = b.account_id) AND x.ts BETWEEN w.t0 AND w.t1) AS total
          FROM blk b),
bulk AS (SELECT instance_id, bool_and(block >= 0.5 * total - 0.01) AS ok FROM flows GROUP BY 1),
srcs AS (SELECT instance_id, count(DISTINCT from_account) AS n_src, count(DISTINCT to_account) AS n_dst,
                count(DISTINCT from_account || '>' || to_account) AS edges, max(ts) - min(ts) AS span FROM ev GROUP BY 1)
SELECT s.instance_id, coalesce(n_src >= 6 AND n_dst >= 6 AND span <= INTERVAL 14 DAY AND edges >= 12 AND b.ok, false) AS ok
FROM subj s LEFT JOIN srcs USING (instance_id) LEFT JOIN bulk b USING (instance_id)
GROUP BY s.instance_id, n_src, n_dst, span, edges, b.ok
