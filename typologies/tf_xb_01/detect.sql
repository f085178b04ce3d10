-- TF-XB-01: transfers of monitored parties to or from risky countries abroad with no NPO or
-- trade rationale (an NPO operating there, a paid invoice or trade documents between the two
-- parties on file, or an established recurring relationship of the party with that
-- counterparty account); windows of $window with >= $min_amount merged into bursts; then the
-- share of the subject's transfer flows that went through the corridor.
WITH hr_acc AS (
  SELECT a.account_id FROM accounts a JOIN ref_jurisdiction_risk r ON r.country = a.country
),
-- only the transfers that can touch a risky country, filtered before their accounts are
-- resolved (DuckDB does not push such a filter below the outer joins of scan_transfers)
src AS (
  SELECT t.* FROM scan_transactions t
  WHERE list_contains($channels, t.channel)
    AND (t.beneficiary_country IN (SELECT country FROM ref_jurisdiction_risk)
         OR t.originator_country IN (SELECT country FROM ref_jurisdiction_risk)
         OR t.from_account IN (SELECT account_id FROM hr_acc)
         OR t.to_account IN (SELECT account_id FROM hr_acc))
),
tx AS (
  SELECT t.txn_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt, t.reference,
         t.from_account, t.to_account,
         (fo.account_id IS NOT NULL) AS f_on_file, fo.party_id AS f_party, fo.party_type AS f_ptype,
         fo.account_country AS f_acct_country,
         COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
         (tt.account_id IS NOT NULL) AS t_on_file, tt.party_id AS t_party, tt.party_type AS t_ptype,
         tt.account_country AS t_acct_country,
         COALESCE(tt.subject_type, 'account') AS t_stype, COALESCE(tt.subject_id, t.to_account) AS t_sid,
         COALESCE(t.beneficiary_country, tt.account_country) AS dest_country,
         COALESCE(t.originator_country, fo.account_country) AS orig_country,
         (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
          AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account)) AS self_transfer
  FROM src t
  LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
  LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account
),
trade_paid AS (
  SELECT DISTINCT payment_txn_id FROM trade_documents WHERE payment_txn_id IS NOT NULL
),
-- pairs of parties with trade documents on file between them (either way)
trade_pairs AS (
  SELECT DISTINCT exporter_party_id AS p1, importer_party_id AS p2 FROM trade_documents
  UNION SELECT DISTINCT importer_party_id, exporter_party_id FROM trade_documents
),
-- established relationships: pairs of accounts transacting in >= $recurring_min_months months
rel AS (
  SELECT acc_a, acc_b FROM scan_relationships WHERE months >= $recurring_min_months
),
npo_ops AS (
  SELECT party_id, UNNEST(npo_operating_countries) AS country
  FROM parties WHERE party_type = 'npo' AND npo_operating_countries IS NOT NULL
),
-- each transfer from the side of each monitored account it touches
legs AS (
  SELECT f_stype AS subject_type, f_sid AS subject_id, txn_id, ts, amt, 'out' AS direction,
         dest_country AS cp_country, f_acct_country AS own_country, t_party AS cp_party, t_ptype AS cp_type,
         f_ptype AS own_type, reference, f_party AS own_party, from_account AS own_account, to_account AS cp_account
  FROM tx WHERE f_on_file AND NOT self_transfer AND (list_contains($party_types, f_ptype) OR f_party IS NULL)
  UNION ALL
  SELECT t_stype, t_sid, txn_id, ts, amt, 'in',
         orig_country, t_acct_country, f_party, f_ptype, t_ptype, reference, t_party, to_account, from_account
  FROM tx WHERE t_on_file AND NOT self_transfer AND (list_contains($party_types, t_ptype) OR t_party IS NULL)
),
hr AS (
  SELECT l.*, r.category, r.weight
  FROM legs l JOIN ref_jurisdiction_risk r ON r.country = l.cp_country
  WHERE l.cp_country <> l.own_country
    AND NOT EXISTS (SELECT 1 FROM trade_paid d WHERE d.payment_txn_id = l.txn_id)
    AND NOT EXISTS (SELECT 1 FROM trade_pairs d WHERE d.p1 = l.own_party AND d.p2 = l.cp_party)
    AND NOT ((list_contains($established_party_types, COALESCE(l.own_type, ''))
              OR (l.direction = 'in' AND list_contains($excused_inbound_party_types, COALESCE(l.own_type, ''))))
             AND EXISTS (SELECT 1 FROM rel r WHERE r.acc_a = least(l.own_account, l.cp_account)
                         AND r.acc_b = greatest(l.own_account, l.cp_account)))
    AND NOT EXISTS (SELECT 1 FROM npo_ops n WHERE n.party_id = l.cp_party AND n.country = l.cp_country)
    AND (l.cp_type IS NULL OR NOT list_contains($excused_counterparty_types, l.cp_type))
    AND NOT COALESCE(l.own_type = 'business' AND $trade_reference_pattern IS NOT NULL
                     AND regexp_matches(upper(l.reference), $trade_reference_pattern), FALSE)
),
anchors AS (
  SELECT subject_type, subject_id, ts AS win_start,
         SUM(amt) OVER w AS win_amt, MAX(ts) OVER w AS win_end
  FROM hr
  WINDOW w AS (PARTITION BY subject_type, subject_id ORDER BY ts
               RANGE BETWEEN CURRENT ROW AND $window FOLLOWING)
),
qual AS (SELECT DISTINCT subject_type, subject_id, win_start, win_end FROM anchors WHERE win_amt >= $min_amount),
bursts AS (
  SELECT subject_type, subject_id, burst_no, min(win_start) AS b_start, max(win_end) AS b_end
  FROM (
    SELECT subject_type, subject_id, win_start, win_end,
           sum(new_burst) OVER (PARTITION BY subject_type, subject_id ORDER BY win_start, win_end
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
    FROM (
      SELECT subject_type, subject_id, win_start, win_end,
             CASE WHEN win_start <= max(win_end) OVER (PARTITION BY subject_type, subject_id
                                   ORDER BY win_start, win_end
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                  THEN 0 ELSE 1 END AS new_burst
      FROM qual
    ) AS flagged
  ) AS numbered
  GROUP BY subject_type, subject_id, burst_no
),
hits AS (
  SELECT b.subject_type, b.subject_id, b.burst_no, b.b_start, b.b_end, h.txn_id, h.ts, h.amt,
         h.direction, h.cp_country, h.category, h.weight
  FROM bursts b JOIN hr h ON h.subject_type = b.subject_type AND h.subject_id = b.subject_id
   AND h.ts BETWEEN b.b_start AND b.b_end
),
agg AS (
  SELECT subject_type, subject_id, burst_no, MIN(b_start) AS b_start, MAX(b_end) AS b_end,
         SUM(amt) AS hr_amount,
         SUM(CASE WHEN direction = 'out' THEN amt ELSE 0 END) AS sent,
         SUM(CASE WHEN direction = 'in' THEN amt ELSE 0 END) AS received,
         SUM(CASE WHEN direction = 'out' THEN 1 ELSE 0 END) AS n_sent,
         SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) AS n_received,
         SUM(amt * weight) / SUM(amt) AS weight,
         array_agg(txn_id ORDER BY ts, txn_id) AS evidence,
         array_agg(DISTINCT cp_country) AS countries,
         array_agg(DISTINCT category) AS categories,
         array_agg(DISTINCT CASE WHEN direction = 'out' THEN cp_country END) AS countries_out,
         array_agg(DISTINCT CASE WHEN direction = 'in' THEN cp_country END) AS countries_in
  FROM hits GROUP BY subject_type, subject_id, burst_no
),
subj_acc AS (
  SELECT DISTINCT o.account_id FROM scan_accounts o
  JOIN agg a ON a.subject_type = o.subject_type AND a.subject_id = o.subject_id
),
src_all AS (
  SELECT t.* FROM scan_transactions t
  WHERE list_contains($channels, t.channel)
    AND (t.from_account IN (SELECT account_id FROM subj_acc) OR t.to_account IN (SELECT account_id FROM subj_acc))
),
tx_all AS (
  SELECT t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
         (fo.account_id IS NOT NULL) AS f_on_file, fo.party_id AS f_party, fo.party_type AS f_ptype,
         COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
         (tt.account_id IS NOT NULL) AS t_on_file, tt.party_id AS t_party, tt.party_type AS t_ptype,
         COALESCE(tt.subject_type, 'account') AS t_stype, COALESCE(tt.subject_id, t.to_account) AS t_sid,
         (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
          AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account)) AS self_transfer
  FROM src_all t
  LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
  LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account
),
legs_all AS (
  SELECT f_stype AS subject_type, f_sid AS subject_id, ts, amt
  FROM tx_all WHERE f_on_file AND NOT self_transfer AND (list_contains($party_types, f_ptype) OR f_party IS NULL)
  UNION ALL
  SELECT t_stype, t_sid, ts, amt
  FROM tx_all WHERE t_on_file AND NOT self_transfer AND (list_contains($party_types, t_ptype) OR t_party IS NULL)
),
all_legs AS (
  SELECT a.subject_type, a.subject_id, a.burst_no, SUM(l.amt) AS all_amount
  FROM agg a JOIN legs_all l ON l.subject_type = a.subject_type AND l.subject_id = a.subject_id
   AND l.ts >= a.b_start
   AND l.ts <= CASE WHEN a.b_end > a.b_start + $window THEN a.b_end ELSE a.b_start + $window END
  GROUP BY a.subject_type, a.subject_id, a.burst_no
)
SELECT a.*, a.b_start AS window_start, a.b_end AS window_end,
       COALESCE(al.all_amount, a.hr_amount) AS all_amount
FROM agg a LEFT JOIN all_legs al ON al.subject_type = a.subject_type
 AND al.subject_id = a.subject_id AND al.burst_no = a.burst_no
ORDER BY a.subject_type, a.subject_id, a.b_start
