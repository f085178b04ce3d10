-- TF-NPO-01: debits of NPOs flagged as diverted (outside declared operations, to
-- individuals other than those it pays in a recurring relationship, in cash); windows of
-- $window with >= $min_diverted_amount diverted and a diverted share >= $min_diverted_share,
-- merged into bursts.
WITH npo_acc AS (
  SELECT a.account_id FROM accounts a JOIN parties p ON p.party_id = a.party_id WHERE p.party_type = 'npo'
),
-- the NPOs' debits, filtered before their accounts are resolved
src AS (SELECT t.* FROM scan_transactions t WHERE t.from_account IN (SELECT account_id FROM npo_acc)),
tx AS (
  SELECT t.txn_id, t.timestamp AS ts, t.channel, CAST(t.amount_base AS DOUBLE) AS amt,
         t.beneficiary_name, t.location_country, t.from_account, t.to_account,
         COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
         tt.party_id AS t_party, tt.party_type AS t_ptype,
         COALESCE(t.beneficiary_country, tt.account_country) AS dest_country,
         (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
          AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account)) AS self_transfer
  FROM src t
  LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
  LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account
),
npo AS (SELECT party_id, country FROM parties WHERE party_type = 'npo'),
-- established relationships: pairs of accounts transacting in >= $recurring_min_months months
rel AS (SELECT acc_a, acc_b FROM scan_relationships WHERE months >= $recurring_min_months),
npo_ops AS (
  SELECT party_id, UNNEST(npo_operating_countries) AS country
  FROM parties WHERE party_type = 'npo' AND npo_operating_countries IS NOT NULL
),
outs AS (
  SELECT n.party_id AS npo_id, x.txn_id, x.ts, x.amt, x.channel,
         COALESCE(x.dest_country, x.location_country) AS dest,
         (COALESCE(x.dest_country, x.location_country) IS NOT NULL
          AND COALESCE(x.dest_country, x.location_country) <> n.country
          AND NOT EXISTS (SELECT 1 FROM npo_ops o WHERE o.party_id = n.party_id
                          AND o.country = COALESCE(x.dest_country, x.location_country))) AS outside,
         (x.channel NOT IN ('cash_withdrawal', 'atm_withdrawal')
          AND (x.t_ptype = 'individual'
               OR (x.t_party IS NULL AND x.beneficiary_name IS NOT NULL
                   AND trim(x.beneficiary_name) <> ''
                   AND NOT regexp_matches(upper(x.beneficiary_name), $org_name_pattern)))
          AND NOT ($excuse_recurring_individuals AND x.to_account IS NOT NULL
                   AND EXISTS (SELECT 1 FROM rel r WHERE r.acc_a = least(x.from_account, x.to_account)
                               AND r.acc_b = greatest(x.from_account, x.to_account)))) AS to_individual,
         (x.channel IN ('cash_withdrawal', 'atm_withdrawal')) AS cash
  FROM tx x JOIN npo n ON x.f_stype = 'party' AND x.f_sid = n.party_id
  WHERE NOT x.self_transfer
),
flagged AS (
  SELECT o.*, (outside OR to_individual OR cash) AS diverted,
         CASE WHEN outside OR to_individual OR cash THEN amt ELSE 0 END AS div_amt
  FROM outs o
),
anchors AS (
  SELECT npo_id, ts AS win_start, MAX(ts) OVER w AS win_end,
         SUM(amt) OVER w AS total, SUM(div_amt) OVER w AS diverted_amt
  FROM flagged
  WINDOW w AS (PARTITION BY npo_id ORDER BY ts RANGE BETWEEN CURRENT ROW AND $window FOLLOWING)
),
qual AS (
  SELECT DISTINCT npo_id, win_start, win_end
  FROM anchors WHERE diverted_amt >= $min_diverted_amount AND diverted_amt > 0 AND diverted_amt >= $min_diverted_share * total
),
bursts AS (
  SELECT npo_id, burst_no, min(win_start) AS b_start, max(win_end) AS b_end
  FROM (
    SELECT npo_id, win_start, win_end,
           sum(new_burst) OVER (PARTITION BY npo_id ORDER BY win_start, win_end
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
    FROM (
      SELECT npo_id, win_start, win_end,
             CASE WHEN win_start <= max(win_end) OVER (PARTITION BY npo_id ORDER BY win_start, win_end
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                  THEN 0 ELSE 1 END AS new_burst
      FROM qual
    ) AS flagged
  ) AS numbered
  GROUP BY npo_id, burst_no
),
inb AS (
  SELECT b.burst_no, b.b_start, b.b_end, f.*
  FROM bursts b JOIN flagged f ON f.npo_id = b.npo_id AND f.ts BETWEEN b.b_start AND b.b_end
)
SELECT 'party' AS subject_type, i.npo_id AS subject_id, i.burst_no,
       MIN(i.b_start) AS window_start, MAX(i.b_end) AS window_end,
       SUM(i.amt) AS total, SUM(i.div_amt) AS diverted,
       SUM(CASE WHEN i.outside THEN i.amt ELSE 0 END) AS outside_amt,
       SUM(CASE WHEN i.to_individual THEN i.amt ELSE 0 END) AS individual_amt,
       SUM(CASE WHEN i.cash THEN i.amt ELSE 0 END) AS cash_amt,
       SUM(CASE WHEN i.diverted THEN 1 ELSE 0 END) AS n_div,
       SUM(CASE WHEN i.diverted THEN i.amt * COALESCE(r.weight, 0) ELSE 0 END) AS weighted,
       SUM(CASE WHEN i.diverted AND r.weight IS NOT NULL THEN i.amt ELSE 0 END) AS hr_amt,
       array_agg(CASE WHEN i.diverted THEN i.txn_id END ORDER BY i.ts, i.txn_id) AS evidence,
       array_agg(DISTINCT CASE WHEN i.outside THEN i.dest END) AS outside_countries,
       array_agg(DISTINCT CASE WHEN i.diverted AND r.weight IS NOT NULL THEN i.dest END) AS hr_countries
FROM inb i LEFT JOIN ref_jurisdiction_risk r ON r.country = i.dest
GROUP BY i.npo_id, i.burst_no
ORDER BY i.npo_id, window_start
