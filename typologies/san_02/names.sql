-- SAN-02: the scan window's payment names that SAN-02 screens.  An originator (beneficiary)
-- name is kept when the debited (credited) side it names has no party on file: a party on
-- file is screened with its own qualifiers by SAN-01, and its counterparties' exposure to it
-- is ML-NET-06's.  With $customers_only the other side, the customer who was paid (or
-- paid) and the alert's subject, must be an account on file.
SELECT t.txn_id, t.timestamp, t.amount_base, t.currency, t.from_account, t.to_account,
       CASE WHEN fo.party_id IS NULL AND (NOT $customers_only OR tt.account_id IS NOT NULL)
            THEN t.originator_name END AS originator_name,
       CASE WHEN tt.party_id IS NULL AND (NOT $customers_only OR fo.account_id IS NOT NULL)
            THEN t.beneficiary_name END AS beneficiary_name
FROM scan_transactions t
LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account
WHERE (t.originator_name IS NOT NULL AND fo.party_id IS NULL)
   OR (t.beneficiary_name IS NOT NULL AND tt.party_id IS NULL)
