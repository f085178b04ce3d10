-- ML-NET-04 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
-- The reading, over the labelled transfers in time order: >= 4 hops, each from the account
-- the previous one paid, within 48 hours, of 80-100% of it; no hop between accounts in a
-- recurring relationship (transacting in >= 3 distinct calendar months over the data) or
-- touching a collector or distributor (>= 100 distinct counterparties over the data, a
-- government or financial institution, or a biller/utility/telco/insurer/acquirer/
-- marketplace/payroll/school line of business).
WITH rel AS (SELECT a, b FROM recurring_pairs),
coll AS (SELECT account_id FROM collectors),
ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
             WHERE l.typology_id = $tid AND l.role = 'evidence'),
o AS (SELECT *, lag(usd) OVER w AS prev_usd, lag(ts) OVER w AS prev_ts, lag(to_account) OVER w AS prev_to,
             (EXISTS (SELECT 1 FROM rel WHERE rel.a = least(from_account, to_account) AND rel.b = greatest(from_account, to_account))
              OR from_account IN (SELECT account_id FROM coll) OR to_account IN (SELECT account_id FROM coll)) AS routine
      FROM ev WINDOW w AS (PARTITION BY instance_id ORDER BY ts))
SELECT instance_id, count(*) >= 4 AND bool_and(NOT routine AND (prev_usd IS NULL OR (usd BETWEEN 0.8 * prev_usd AND prev_usd
       AND ts - prev_ts <= INTERVAL 48 HOUR AND from_account = prev_to))) AS ok FROM o GROUP BY 1
