-- TF-TBML-02 literal reading (datagen.verify): per planted instance of the label $tid, does
-- it meet the catalogue definition?  t, td and decl are the generated transactions, trade
-- documents and declarations with usd amounts, hr the high-risk countries, region the
-- countries' regions.
WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
refs AS (SELECT shipment_ref, count(*) AS n FROM td WHERE shipment_ref IS NOT NULL GROUP BY 1)
SELECT ev.instance_id, bool_or(
    (ev.shipment_ref IS NULL AND ev.payment_txn_id IS NOT NULL) OR coalesce(r.n, 0) > 1
    OR abs(p.usd - ev.usd) > 0.1 * ev.usd
    OR coalesce(a.party_id, x.party_id, '') <> ev.importer_party_id) AS ok
FROM ev LEFT JOIN refs r USING (shipment_ref) LEFT JOIN t p ON p.txn_id = ev.payment_txn_id
LEFT JOIN accounts a ON a.account_id = p.from_account
LEFT JOIN (SELECT DISTINCT from_account, NULL AS party_id FROM t) x ON x.from_account = p.from_account AND a.account_id IS NULL
GROUP BY 1
