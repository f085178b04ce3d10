-- ML-NET-06: collectors and distributors (>= $collector_min_counterparties distinct counterparties
-- on file, parties of $excused_party_types or whose line of business matches $collector_pattern)
-- with the graph node each belongs to (the owning party when on file, else the account).
CREATE OR REPLACE TEMP TABLE ml_net_06_coll AS
SELECT c.account_id, COALESCE(a.party_id, c.account_id) AS node FROM (
  SELECT account_id FROM scan_account_counterparties WHERE counterparties >= $collector_min_counterparties
  UNION
  SELECT account_id FROM scan_accounts
  WHERE list_contains($excused_party_types, party_type)
     OR COALESCE(regexp_matches(upper(party_occupation), $collector_pattern), FALSE)
) c LEFT JOIN scan_accounts a ON a.account_id = c.account_id
