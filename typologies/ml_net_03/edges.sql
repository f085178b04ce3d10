-- ML-NET-03: the window's money-flow edges with their $window_seconds time bucket (wb).
-- Transfers between accounts in a recurring relationship (>= $recurring_min_months distinct
-- months on file: a business and its supplier paying each other, own accounts) are not hops
-- of a round trip, and collectors and distributors (>= $collector_min_counterparties distinct
-- counterparties on file, parties of $excused_party_types or whose line of business matches
-- $collector_pattern) are not round-tripping accounts.
CREATE OR REPLACE TEMP TABLE ml_net_03_edges AS
WITH rel AS (
  SELECT acc_a, acc_b FROM scan_relationships WHERE $exclude_recurring AND months >= $recurring_min_months
),
coll AS (
  SELECT account_id FROM scan_account_counterparties
  WHERE $exclude_collectors AND counterparties >= $collector_min_counterparties
  UNION
  SELECT account_id FROM scan_accounts
  WHERE $exclude_collectors
    AND (list_contains($excused_party_types, party_type)
         OR COALESCE(regexp_matches(upper(party_occupation), $collector_pattern), FALSE))
)
SELECT x.*, EXTRACT(EPOCH FROM x.ts) AS es, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $window_seconds) AS BIGINT) AS wb
FROM scan_edges x WHERE x.amount > 0 AND x.amount >= $min_amount
  AND x.src NOT IN (SELECT account_id FROM coll) AND x.dst NOT IN (SELECT account_id FROM coll)
  AND NOT EXISTS (SELECT 1 FROM rel r WHERE r.acc_a = least(x.src, x.dst) AND r.acc_b = greatest(x.src, x.dst))
