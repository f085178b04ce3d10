-- TF-TBML-02 literal reading per party (datagen.verify, datagen.crosslabel): the candidate
-- parties cand(party_id) that meet the catalogue definition, each with the trade documents and
-- transactions that show it; t and td are the generated transactions and trade documents with
-- usd amounts.
-- The reading: the party is the exporter or the importer of a trade document that was paid
-- with no shipment_ref; or shares its shipment_ref with another document on file; or was paid
-- an amount more than 10% away from its invoice value; or was paid by a party other than the
-- importer: the debited account's owner on file, or, the account not on file, the name on the
-- payment message (originator_name, case and outer spaces ignored).
WITH doc AS (
  SELECT d.* FROM td d WHERE d.exporter_party_id IN (SELECT party_id FROM cand)
                          OR d.importer_party_id IN (SELECT party_id FROM cand)),
refs AS (SELECT shipment_ref, count(*) AS n FROM td WHERE shipment_ref IS NOT NULL GROUP BY 1),
hit AS (
  SELECT doc.trade_id, doc.exporter_party_id, doc.importer_party_id, p.txn_id
  FROM doc LEFT JOIN refs r USING (shipment_ref) LEFT JOIN t p ON p.txn_id = doc.payment_txn_id
  LEFT JOIN accounts a ON a.account_id = p.from_account
  LEFT JOIN parties ip ON ip.party_id = doc.importer_party_id
  WHERE (doc.shipment_ref IS NULL AND doc.payment_txn_id IS NOT NULL) OR coalesce(r.n, 0) > 1
     OR coalesce(abs(p.usd - doc.usd) > 0.1 * doc.usd, false)
     OR coalesce(a.party_id <> doc.importer_party_id, false)
     OR (p.txn_id IS NOT NULL AND a.account_id IS NULL
         AND coalesce(lower(trim(p.originator_name)) <> lower(trim(ip.name)), false))),
who AS (
  SELECT exporter_party_id AS party_id, trade_id, txn_id FROM hit
  UNION ALL SELECT importer_party_id, trade_id, txn_id FROM hit)
SELECT DISTINCT w.party_id, e.id FROM who w JOIN cand USING (party_id),
  unnest([w.trade_id, w.txn_id]) AS e(id) WHERE e.id IS NOT NULL
