-- SAN-02: the scan window's payment names that SAN-02 screens.  An originator (beneficiary)
-- name is kept when the debited (credited) side it names has no party on file: a party on
-- file is screened with its own qualifiers by SAN-01, and its counterparties' exposure to it
-- is ML-NET-06's.  The customer's own name (its name or an alternative name, as written,
-- case and outer spaces aside) on a payment into (out of) its account is SAN-01's too.  With
-- $customers_only the other side, the customer who was paid (or paid) and the alert's
-- subject, must be an account on file.
WITH own_names AS (
  SELECT party_id, upper(trim(name)) AS n FROM parties WHERE name IS NOT NULL
  UNION
  SELECT party_id, upper(trim(alt)) AS n FROM (SELECT party_id, UNNEST(alt_names) AS alt FROM parties) x
  WHERE alt IS NOT NULL
),
tx AS (
  SELECT t.txn_id, t.timestamp, t.amount_base, t.currency, t.from_account, t.to_account,
         t.originator_name, t.beneficiary_name,
         fo.account_id AS f_acc, fo.party_id AS f_party, tt.account_id AS t_acc, tt.party_id AS t_party
  FROM scan_transactions t
  LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
  LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account
  WHERE (t.originator_name IS NOT NULL AND fo.party_id IS NULL)
     OR (t.beneficiary_name IS NOT NULL AND tt.party_id IS NULL)
)
SELECT x.txn_id, x.timestamp, x.amount_base, x.currency, x.from_account, x.to_account,
       CASE WHEN x.f_party IS NULL AND (NOT $customers_only OR x.t_acc IS NOT NULL)
             AND NOT EXISTS (SELECT 1 FROM own_names o WHERE o.party_id = x.t_party
                             AND o.n = upper(trim(x.originator_name)))
            THEN x.originator_name END AS originator_name,
       CASE WHEN x.t_party IS NULL AND (NOT $customers_only OR x.f_acc IS NOT NULL)
             AND NOT EXISTS (SELECT 1 FROM own_names o WHERE o.party_id = x.f_party
                             AND o.n = upper(trim(x.beneficiary_name)))
            THEN x.beneficiary_name END AS beneficiary_name
FROM tx x
