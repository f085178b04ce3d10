-- TF-TBML-02 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.  The same reading as party_reading.sql, over the instance's labelled
-- trade documents: a paid document with no shipment_ref, a shipment_ref on another document
-- too, a payment more than 10% away from the invoice value, or a payer other than the
-- importer (the debited account's owner on file, else the name on the payment message).
WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
refs AS (SELECT shipment_ref, count(*) AS n FROM td WHERE shipment_ref IS NOT NULL GROUP BY 1)
SELECT ev.instance_id, bool_or(
    (ev.shipment_ref IS NULL AND ev.payment_txn_id IS NOT NULL) OR coalesce(r.n, 0) > 1
    OR coalesce(abs(p.usd - ev.usd) > 0.1 * ev.usd, false)
    OR coalesce(a.party_id <> ev.importer_party_id, false)
    OR (p.txn_id IS NOT NULL AND a.account_id IS NULL
        AND coalesce(lower(trim(p.originator_name)) <> lower(trim(ip.name)), false))) AS ok
FROM ev LEFT JOIN refs r USING (shipment_ref) LEFT JOIN t p ON p.txn_id = ev.payment_txn_id
LEFT JOIN accounts a ON a.account_id = p.from_account
LEFT JOIN parties ip ON ip.party_id = ev.importer_party_id
GROUP BY 1
