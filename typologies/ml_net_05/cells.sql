-- ML-NET-05: each money-flow edge in its two candidate cells (w0: pairs of adjacent
-- $window_seconds buckets), so any block of transfers within the window lies in one cell.
-- Transfers between accounts in a recurring relationship (>= $recurring_min_months distinct
-- months on file) are not links of a block, and collectors and distributors (>=
-- $collector_min_counterparties distinct counterparties on file, parties of
-- $excused_party_types or whose line of business matches $collector_pattern) are not layers.
CREATE OR REPLACE TEMP TABLE ml_net_05_cells AS
WITH rel AS (
  SELECT acc_a, acc_b FROM scan_relationships WHERE months >= $recurring_min_months
),
coll AS (
  SELECT account_id FROM scan_account_counterparties WHERE counterparties >= $collector_min_counterparties
  UNION
  SELECT account_id FROM scan_accounts
  WHERE list_contains($excused_party_types, party_type)
     OR COALESCE(regexp_matches(upper(party_occupation), $collector_pattern), FALSE)
),
e AS (
  SELECT x.*, CAST(floor(EXTRACT(EPOCH FROM x.ts) / $window_seconds) AS BIGINT) AS wb
  FROM scan_edges x
  WHERE x.amount > 0 AND x.amount >= $min_amount
    AND x.src NOT IN (SELECT account_id FROM coll) AND x.dst NOT IN (SELECT account_id FROM coll)
    AND NOT ($exclude_recurring AND EXISTS (
      SELECT 1 FROM rel r WHERE r.acc_a = least(x.src, x.dst) AND r.acc_b = greatest(x.src, x.dst)))
)
SELECT e.txn_id, e.ts, e.src, e.dst, e.amount, e.wb - k.dw AS w0 FROM e CROSS JOIN (VALUES (0), (1)) AS k(dw)
