-- TF-NPO-01 literal reading per party (datagen.verify, datagen.crosslabel): the candidate
-- parties cand(party_id) that meet the catalogue definition, each with the transactions
-- that show it; t and td are the generated transactions and trade documents with usd
-- amounts, hr the high-risk countries.
-- The reading: an NPO sending >= 10,000 in some 90 days, and >= 20% of its outflows then, to
-- countries outside its npo_operating_countries, to individuals (on file) or in cash
-- withdrawals; payments to an individual whose account transacts with the NPO's in >= 3
-- distinct calendar months over the data (staff salaries, recurring payments to the same
-- people) are operations, not diversion.
WITH rel AS (SELECT a, b FROM recurring_pairs),
npo AS (
  SELECT p.party_id, coalesce(p.npo_operating_countries, []) AS ops, a.account_id
  FROM cand JOIN parties p USING (party_id) JOIN accounts a USING (party_id) WHERE p.party_type = 'npo'),
o AS (
  SELECT n.party_id, t.txn_id, t.ts, t.usd,
         (t.channel IN ('cash_withdrawal','atm_withdrawal')
          OR (coalesce(bp.party_type, '') = 'individual'
              AND NOT EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account)
                              AND rel.b = greatest(t.from_account, t.to_account)))
          OR (coalesce(t.beneficiary_country, ba.country, t.location_country) IS NOT NULL
              AND NOT list_contains(n.ops, coalesce(t.beneficiary_country, ba.country, t.location_country)))) AS diverted
  FROM npo n JOIN t ON t.from_account = n.account_id
  LEFT JOIN accounts ba ON ba.account_id = t.to_account LEFT JOIN parties bp ON bp.party_id = ba.party_id
  WHERE coalesce(ba.party_id, '') <> n.party_id),
win AS (
  SELECT o1.party_id, o1.ts FROM o o1 JOIN o o2 ON o1.party_id = o2.party_id
     AND o2.ts BETWEEN o1.ts AND o1.ts + INTERVAL 90 DAY
  GROUP BY o1.party_id, o1.ts
  HAVING round(sum(CASE WHEN o2.diverted THEN o2.usd ELSE 0 END), 2) >= 10000
     AND round(sum(CASE WHEN o2.diverted THEN o2.usd ELSE 0 END), 2) >= round(0.2 * sum(o2.usd), 2))
SELECT DISTINCT o.party_id, o.txn_id FROM win JOIN o ON o.party_id = win.party_id AND o.diverted
  AND o.ts BETWEEN win.ts AND win.ts + INTERVAL 90 DAY
