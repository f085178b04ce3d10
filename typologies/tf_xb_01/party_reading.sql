-- TF-XB-01 literal reading per party (datagen.verify, datagen.crosslabel): the candidate
-- parties cand(party_id) that meet the catalogue definition, each with the transactions
-- that show it; t and td are the generated transactions and trade documents with usd
-- amounts, hr the high-risk countries.
-- The reading: >= 10,000 in 30 days sent to or received from high-risk jurisdictions (other
-- than the account's own country) by an individual or business, with no NPO/trade
-- rationale: not paying an invoice, not a donation to an NPO declaring operations there.
WITH acc AS (
  SELECT a.account_id, a.party_id, a.country FROM cand JOIN accounts a USING (party_id)
  JOIN parties p USING (party_id) WHERE p.party_type IN ('individual','business')),
flow AS (
  SELECT acc.party_id, acc.country AS own, t.txn_id, t.ts, t.usd, ca.party_id AS cp_id,
         CASE WHEN t.from_account = acc.account_id THEN coalesce(t.beneficiary_country, ca.country)
              ELSE coalesce(t.originator_country, ca.country) END AS cc
  FROM acc JOIN t ON acc.account_id IN (t.from_account, t.to_account)
  LEFT JOIN accounts ca ON ca.account_id = CASE WHEN t.from_account = acc.account_id THEN t.to_account
                                                ELSE t.from_account END
  WHERE list_contains($transfer_channels, t.channel)),
x AS (
  SELECT f.party_id, f.txn_id, f.ts, f.usd FROM flow f LEFT JOIN parties cp ON cp.party_id = f.cp_id
  WHERE f.cc IN (SELECT country FROM hr) AND f.cc <> f.own AND coalesce(f.cp_id, '') <> f.party_id
    AND f.txn_id NOT IN (SELECT payment_txn_id FROM trade_documents WHERE payment_txn_id IS NOT NULL)
    AND NOT (coalesce(cp.party_type, '') = 'npo' AND list_contains(coalesce(cp.npo_operating_countries, []), f.cc))),
win AS (
  SELECT x1.party_id, x1.ts FROM x x1 JOIN x x2 ON x1.party_id = x2.party_id
     AND x2.ts BETWEEN x1.ts AND x1.ts + INTERVAL 30 DAY
  GROUP BY x1.party_id, x1.ts HAVING round(sum(x2.usd), 2) >= 10000)
SELECT DISTINCT x.party_id, x.txn_id FROM win JOIN x ON x.party_id = win.party_id
  AND x.ts BETWEEN win.ts AND win.ts + INTERVAL 30 DAY
