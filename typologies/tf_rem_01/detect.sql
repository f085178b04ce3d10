-- TF-REM-01: payments without a stated purpose to individuals in risky countries abroad;
-- windows of $window with >= $min_individuals distinct beneficiaries, merged into bursts.
WITH pay AS (
  SELECT x.f_stype AS subject_type, x.f_sid AS subject_id, x.txn_id, x.ts, x.amt, x.channel,
         x.dest_country, r.category, r.weight,
         COALESCE(x.t_party, upper(trim(x.beneficiary_name)), x.to_account) AS beneficiary
  FROM scan_transfers x JOIN ref_jurisdiction_risk r ON r.country = x.dest_country
  WHERE list_contains($channels, x.channel) AND (x.reference IS NULL OR trim(x.reference) = '')
    AND x.f_on_file AND (list_contains($sender_party_types, x.f_ptype) OR x.f_party IS NULL)
    AND NOT x.self_transfer
    AND x.dest_country <> x.f_acct_country
    AND (x.t_ptype = 'individual'
         OR (x.t_party IS NULL AND (x.beneficiary_name IS NULL
                                    OR NOT regexp_matches(upper(x.beneficiary_name), $org_name_pattern))))
),
cand AS (
  SELECT subject_type, subject_id FROM pay GROUP BY subject_type, subject_id
  HAVING COUNT(DISTINCT beneficiary) >= $min_individuals
),
cp AS (SELECT pay.* FROM pay JOIN cand USING (subject_type, subject_id)),
anchors AS (
  SELECT a.subject_type, a.subject_id, a.ts AS win_start, MAX(e.ts) AS win_end,
         COUNT(DISTINCT e.beneficiary) AS n_ben
  FROM cp a JOIN cp e ON e.subject_type = a.subject_type AND e.subject_id = a.subject_id
   AND e.ts >= a.ts AND e.ts <= a.ts + $window
  GROUP BY a.subject_type, a.subject_id, a.txn_id, a.ts
),
qual AS (SELECT DISTINCT subject_type, subject_id, win_start, win_end FROM anchors WHERE n_ben >= $min_individuals),
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
)
SELECT b.subject_type, b.subject_id, b.b_start AS window_start, b.b_end AS window_end,
       COUNT(DISTINCT c.beneficiary) AS n_ben, COUNT(*) AS n_pay, SUM(c.amt) AS total,
       SUM(c.amt * c.weight) / SUM(c.amt) AS weight,
       SUM(CASE WHEN c.channel = 'remittance' THEN 1 ELSE 0 END) AS n_rem,
       array_agg(c.txn_id ORDER BY c.ts, c.txn_id) AS evidence,
       array_agg(DISTINCT c.dest_country) AS countries,
       array_agg(DISTINCT c.category) AS categories
FROM bursts b JOIN cp c ON c.subject_type = b.subject_type AND c.subject_id = b.subject_id
 AND c.ts BETWEEN b.b_start AND b.b_end
GROUP BY b.subject_type, b.subject_id, b.burst_no, b.b_start, b.b_end
ORDER BY b.subject_type, b.subject_id, b.b_start
