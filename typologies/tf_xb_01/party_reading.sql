-- TF-XB-01 literal reading per party (datagen.verify, datagen.crosslabel): the candidate
-- parties cand(party_id) that meet the catalogue definition, each with the transactions
-- that show it; t and td are the generated transactions and trade documents with usd
-- amounts, hr the high-risk countries.
-- The reading: >= 10,000 in 30 days sent to or received from high-risk jurisdictions (other
-- than the account's own country) by an individual or business, with no NPO/trade
-- rationale: not paying an invoice, no trade documents on file between the party and the
-- counterparty, not an established recurring relationship with that counterparty account
-- (transacting in >= 3 distinct calendar months over the data) of a business (a supplier or
-- customer) or, for money received, of an individual (a student's parents), not a donation
-- to an NPO declaring operations there.
WITH rel AS (SELECT a, b FROM recurring_pairs),
tp AS (SELECT exporter_party_id AS p1, importer_party_id AS p2 FROM td
       UNION SELECT importer_party_id, exporter_party_id FROM td),
acc AS (
  SELECT a.account_id, a.party_id, a.country, p.party_type FROM cand JOIN accounts a USING (party_id)
  JOIN parties p USING (party_id) WHERE p.party_type IN ('individual','business')),
flow AS (
  SELECT acc.party_id, acc.country AS own, acc.party_type, t.txn_id, t.ts, t.usd, ca.party_id AS cp_id,
         acc.account_id AS own_acc, CASE WHEN t.from_account = acc.account_id THEN 'out' ELSE 'in' END AS dir,
         CASE WHEN t.from_account = acc.account_id THEN t.to_account ELSE t.from_account END AS cp_acc,
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
    AND NOT (coalesce(cp.party_type, '') = 'npo' AND list_contains(coalesce(cp.npo_operating_countries, []), f.cc))
    AND NOT EXISTS (SELECT 1 FROM tp WHERE tp.p1 = f.party_id AND tp.p2 = f.cp_id)
    AND NOT ((f.party_type = 'business' OR f.dir = 'in')
             AND EXISTS (SELECT 1 FROM rel WHERE rel.a = least(f.own_acc, f.cp_acc) AND rel.b = greatest(f.own_acc, f.cp_acc)))),
win AS (
  SELECT x1.party_id, x1.ts FROM x x1 JOIN x x2 ON x1.party_id = x2.party_id
     AND x2.ts BETWEEN x1.ts AND x1.ts + INTERVAL 30 DAY
  GROUP BY x1.party_id, x1.ts HAVING round(sum(x2.usd), 2) >= 10000)
SELECT DISTINCT x.party_id, x.txn_id FROM win JOIN x ON x.party_id = win.party_id
  AND x.ts BETWEEN win.ts AND win.ts + INTERVAL 30 DAY
