-- TF-NPO-02: windows of $collection_window in which an NPO receives from >= $min_donors
-- donors; what it forwards within $forward_window to its top $max_beneficiaries beneficiaries
-- (branch a) or to related parties that send it abroad (branch b); bursts of such windows,
-- each shown by its window with the highest forwarded share.
WITH npo_acc AS (
  SELECT a.account_id FROM accounts a JOIN parties p ON p.party_id = a.party_id WHERE p.party_type = 'npo'
),
npo_tx AS (
  SELECT t.* FROM scan_transactions t
  WHERE t.from_account IN (SELECT account_id FROM npo_acc) OR t.to_account IN (SELECT account_id FROM npo_acc)
),
hop_acc AS (
  SELECT DISTINCT to_account AS account_id FROM npo_tx
  WHERE to_account IS NOT NULL AND from_account IN (SELECT account_id FROM npo_acc)
),
src AS (
  SELECT * FROM npo_tx
  UNION ALL
  SELECT t.* FROM scan_transactions t
  WHERE t.from_account IN (SELECT account_id FROM hop_acc)
    AND t.from_account NOT IN (SELECT account_id FROM npo_acc)
    AND (t.to_account IS NULL OR t.to_account NOT IN (SELECT account_id FROM npo_acc))
),
tx AS (
  SELECT t.txn_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
         t.from_account, t.to_account, t.originator_name, t.beneficiary_name,
         fo.party_id AS f_party, fo.account_country AS f_acct_country,
         COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
         tt.party_id AS t_party, tt.party_type AS t_ptype,
         COALESCE(tt.subject_type, 'account') AS t_stype, COALESCE(tt.subject_id, t.to_account) AS t_sid,
         COALESCE(t.beneficiary_country, tt.account_country) AS dest_country,
         (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
          AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account)) AS self_transfer
  FROM src t
  LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
  LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account
),
don AS (
  SELECT x.t_sid AS npo_id, x.txn_id, x.ts, x.amt,
         COALESCE(x.f_party, x.from_account, upper(trim(x.originator_name))) AS donor
  FROM tx x
  WHERE x.t_stype = 'party' AND x.t_ptype = 'npo' AND NOT x.self_transfer
),
ident AS (
  SELECT party_id, 'address' AS kind, upper(trim(address)) AS val
  FROM parties WHERE address IS NOT NULL AND trim(address) <> ''
  UNION ALL
  SELECT party_id, 'id number', upper(trim(id_number))
  FROM parties WHERE id_number IS NOT NULL AND trim(id_number) <> ''
  UNION ALL
  SELECT party_id, 'phone', regexp_replace(json_extract_string(extra, '$.phone'), '[^0-9]', '', 'g')
  FROM parties WHERE extra IS NOT NULL AND json_extract_string(extra, '$.phone') IS NOT NULL
),
ident_ok AS (
  SELECT i.party_id, i.kind, i.val FROM ident i
  JOIN (SELECT kind, val FROM ident WHERE val <> '' GROUP BY kind, val
        HAVING COUNT(DISTINCT party_id) BETWEEN 2 AND $max_identifier_parties) g ON g.kind = i.kind AND g.val = i.val
),
link AS (
  SELECT DISTINCT a.party_id AS p1, b.party_id AS p2, a.kind
  FROM ident_ok a JOIN ident_ok b ON a.kind = b.kind AND a.val = b.val AND a.party_id <> b.party_id
),
-- established relationships: pairs of accounts transacting in >= $recurring_min_months months
estab AS (SELECT acc_a, acc_b FROM scan_relationships WHERE months >= $recurring_min_months),
-- outflows that could forward donations: to a payee in no recurring relationship with the
-- NPO, to its own other account, or to a possible related party (sharing an identifier with
-- the NPO, or with a party that shares one with it); NPOs without them (a congregation paying only its staff and suppliers), and
-- windows with none in their period, need no search
fwd_out AS (
  SELECT x.f_sid AS npo_id, x.ts FROM tx x
  WHERE x.f_stype = 'party' AND x.to_account IS NOT NULL
    AND (x.self_transfer
         OR x.t_party IN (SELECT l.p2 FROM link l WHERE l.p1 = x.f_sid)
         OR x.t_party IN (SELECT l2.p2 FROM link l1 JOIN link l2 ON l2.p1 = l1.p2 WHERE l1.p1 = x.f_sid)
         OR NOT ($excuse_recurring_beneficiaries AND EXISTS (
           SELECT 1 FROM estab r WHERE r.acc_a = least(x.from_account, x.to_account)
             AND r.acc_b = greatest(x.from_account, x.to_account))))
),
cand AS (SELECT npo_id FROM don WHERE npo_id IN (SELECT npo_id FROM fwd_out)
         GROUP BY npo_id HAVING COUNT(DISTINCT donor) >= $min_donors),
cdon AS (SELECT don.* FROM don JOIN cand USING (npo_id)),
win AS (
  SELECT a.npo_id, a.txn_id AS anchor, a.ts AS w_start, MAX(e.ts) AS w_end,
         SUM(e.amt) AS donated, COUNT(*) AS n_don, COUNT(DISTINCT e.donor) AS n_donors
  FROM cdon a JOIN cdon e ON e.npo_id = a.npo_id AND e.ts >= a.ts AND e.ts <= a.ts + $collection_window
  -- a window with no such outflow in its collection and forwarding period cannot qualify
  WHERE EXISTS (SELECT 1 FROM fwd_out f WHERE f.npo_id = a.npo_id AND f.ts >= a.ts
                AND f.ts <= a.ts + $collection_window + $forward_window)
  GROUP BY a.npo_id, a.txn_id, a.ts
  HAVING COUNT(DISTINCT e.donor) >= $min_donors
),
npo_ops AS (
  SELECT party_id, UNNEST(npo_operating_countries) AS country
  FROM parties WHERE party_type = 'npo' AND npo_operating_countries IS NOT NULL
),
outs AS (
  SELECT x.f_sid AS npo_id, x.txn_id, x.ts, x.amt, x.to_account, x.self_transfer, x.t_party,
         COALESCE($excuse_recurring_beneficiaries AND EXISTS (
           SELECT 1 FROM estab r WHERE r.acc_a = least(x.from_account, x.to_account)
             AND r.acc_b = greatest(x.from_account, x.to_account)), FALSE) AS recurring,
         COALESCE(x.t_party, x.to_account, upper(trim(x.beneficiary_name))) AS beneficiary,
         x.dest_country, (x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country) AS xb,
         COALESCE($excuse_declared_partners
          AND x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country
          AND EXISTS (SELECT 1 FROM npo_ops n WHERE n.party_id = x.f_sid AND n.country = x.dest_country)
          AND (x.t_ptype IN ('business', 'npo', 'government', 'financial_institution')
               OR (x.t_party IS NULL AND x.beneficiary_name IS NOT NULL
                   AND regexp_matches(upper(x.beneficiary_name), $org_name_pattern))), FALSE) AS partner
  FROM tx x JOIN cand c ON c.npo_id = x.f_sid
  WHERE x.f_stype = 'party' AND x.to_account IS NOT NULL
),
wo AS (
  SELECT w.npo_id, w.anchor, o.*
  FROM win w JOIN outs o ON o.npo_id = w.npo_id
   AND o.ts >= w.w_start AND o.ts <= w.w_end + $forward_window
),
recv AS (
  SELECT npo_id, anchor, to_account, beneficiary, t_party, self_transfer, partner, bool_or(recurring) AS recurring,
         SUM(amt) AS amt, SUM(CASE WHEN xb THEN amt ELSE 0 END) AS xb_amt, MIN(ts) AS first_in
  FROM wo GROUP BY npo_id, anchor, to_account, beneficiary, t_party, self_transfer, partner
),
onward AS (
  SELECT r.npo_id, r.anchor, r.to_account, x.txn_id, x.amt, x.dest_country
  FROM recv r
  JOIN win w ON w.npo_id = r.npo_id AND w.anchor = r.anchor
  JOIN tx x ON x.from_account = r.to_account
  WHERE r.xb_amt < r.amt AND x.ts >= r.first_in AND x.ts <= w.w_end + $onward_window
    AND x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country AND NOT x.self_transfer
),
on_acc AS (
  SELECT npo_id, anchor, to_account, SUM(amt) AS on_amt FROM onward GROUP BY npo_id, anchor, to_account
),
recv2 AS (
  SELECT r.*, r.xb_amt + LEAST(r.amt - r.xb_amt, COALESCE(o.on_amt, 0)) AS abroad_amt
  FROM recv r LEFT JOIN on_acc o
    ON o.npo_id = r.npo_id AND o.anchor = r.anchor AND o.to_account = r.to_account
),
ben AS (
  SELECT npo_id, anchor, beneficiary, SUM(amt) AS amt, SUM(abroad_amt) AS abroad,
         ROW_NUMBER() OVER (PARTITION BY npo_id, anchor ORDER BY SUM(amt) DESC, beneficiary) AS rk
  FROM recv2 WHERE NOT self_transfer AND NOT partner AND NOT recurring GROUP BY npo_id, anchor, beneficiary
),
all_out AS (
  SELECT npo_id, anchor, SUM(amt) AS all_out FROM recv2 WHERE NOT self_transfer GROUP BY npo_id, anchor
),
a_top AS (
  SELECT b.npo_id, b.anchor, SUM(CASE WHEN b.rk <= $max_beneficiaries THEN b.amt ELSE 0 END) AS top_amt,
         SUM(CASE WHEN b.rk <= $max_beneficiaries THEN b.abroad ELSE 0 END) AS top_abroad,
         SUM(CASE WHEN b.rk <= $max_beneficiaries THEN 1 ELSE 0 END) AS n_top, MAX(o.all_out) AS all_out
  FROM ben b JOIN all_out o ON o.npo_id = b.npo_id AND o.anchor = b.anchor
  GROUP BY b.npo_id, b.anchor
),
officers AS (SELECT c.npo_id, l.p2 AS officer, l.kind FROM cand c JOIN link l ON l.p1 = c.npo_id),
rel AS (
  SELECT npo_id, npo_id AS rel_party, 'the NPO''s own account' AS how FROM cand
  UNION
  SELECT npo_id, officer, 'shares its ' || kind || ' with the NPO' FROM officers
  UNION
  SELECT o.npo_id, l.p2, 'shares its ' || l.kind || ' with an officer of the NPO'
  FROM officers o JOIN link l ON l.p1 = o.officer WHERE l.p2 <> o.npo_id
),
rel1 AS (SELECT npo_id, rel_party, MIN(how) AS how FROM rel GROUP BY npo_id, rel_party),
wr AS (
  SELECT r2.*, r.how FROM recv2 r2 JOIN rel1 r ON r.npo_id = r2.npo_id AND r.rel_party = r2.t_party
),
b_rel AS (
  SELECT npo_id, anchor, SUM(amt) AS rel_amt, SUM(abroad_amt) AS rel_abroad FROM wr GROUP BY npo_id, anchor
),
judged AS (
  SELECT w.*, COALESCE(a.top_amt, 0) AS top_amt, COALESCE(a.top_abroad, 0) AS top_abroad,
         COALESCE(a.n_top, 0) AS n_top, COALESCE(a.all_out, 0) AS all_out,
         COALESCE(r.rel_amt, 0) AS rel_amt, COALESCE(r.rel_abroad, 0) AS rel_abroad,
         (COALESCE(a.top_amt, 0) > 0 AND a.top_amt >= $min_forward_share * w.donated
          AND a.top_amt <= $max_forward_share * w.donated AND a.top_amt >= $min_forward_share * a.all_out
          ) AS branch_a,
         (COALESCE(r.rel_amt, 0) > 0 AND r.rel_amt >= $min_forward_share * w.donated
          AND r.rel_amt <= $max_forward_share * w.donated
          AND r.rel_abroad >= $min_onward_share * r.rel_amt) AS branch_b
  FROM win w
  LEFT JOIN a_top a ON a.npo_id = w.npo_id AND a.anchor = w.anchor
  LEFT JOIN b_rel r ON r.npo_id = w.npo_id AND r.anchor = w.anchor
),
qual AS (
  SELECT DISTINCT 'party' AS subject_type, npo_id AS subject_id, w_start AS win_start, w_end AS win_end
  FROM judged WHERE branch_a OR branch_b
),
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
best AS (
  SELECT j.*, b.burst_no, b.b_start, b.b_end,
         ROW_NUMBER() OVER (
           PARTITION BY b.subject_id, b.burst_no
           ORDER BY CASE WHEN j.branch_b THEN j.rel_amt ELSE 0 END / j.donated
                    + CASE WHEN j.branch_a THEN j.top_amt ELSE 0 END / j.donated DESC, j.w_start
         ) AS rn
  FROM bursts b JOIN judged j ON j.npo_id = b.subject_id AND (j.branch_a OR j.branch_b)
   AND j.w_start BETWEEN b.b_start AND b.b_end
),
chosen AS (SELECT * FROM best WHERE rn = 1),
fwd_acc AS (
  SELECT c.npo_id, c.anchor, r2.to_account, r2.t_party, r2.beneficiary, 'a' AS branch
  FROM chosen c
  JOIN ben bn ON bn.npo_id = c.npo_id AND bn.anchor = c.anchor AND bn.rk <= $max_beneficiaries
  JOIN recv2 r2 ON r2.npo_id = c.npo_id AND r2.anchor = c.anchor AND r2.beneficiary = bn.beneficiary
   AND NOT r2.self_transfer
  WHERE c.branch_a
  UNION ALL
  SELECT c.npo_id, c.anchor, wr.to_account, wr.t_party, wr.beneficiary, 'b'
  FROM chosen c JOIN wr ON wr.npo_id = c.npo_id AND wr.anchor = c.anchor
  WHERE c.branch_b
),
ev_don AS (
  SELECT c.npo_id, c.anchor, array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS ids
  FROM chosen c JOIN cdon d ON d.npo_id = c.npo_id AND d.ts >= c.w_start AND d.ts <= c.w_end
  GROUP BY c.npo_id, c.anchor
),
ev_fwd AS (
  SELECT f.npo_id, f.anchor, array_agg(DISTINCT wo.txn_id) AS ids,
         array_agg(DISTINCT CASE WHEN f.branch = 'a' THEN f.beneficiary END) AS beneficiaries,
         array_agg(DISTINCT CASE WHEN f.branch = 'b' THEN f.t_party END) AS rel_parties,
         array_agg(DISTINCT CASE WHEN wo.xb THEN wo.dest_country END) AS xb_countries
  FROM fwd_acc f JOIN wo ON wo.npo_id = f.npo_id AND wo.anchor = f.anchor AND wo.to_account = f.to_account
  GROUP BY f.npo_id, f.anchor
),
ev_on AS (
  SELECT f.npo_id, f.anchor, array_agg(DISTINCT o.txn_id) AS ids,
         array_agg(DISTINCT o.dest_country) AS countries
  FROM (SELECT DISTINCT npo_id, anchor, to_account FROM fwd_acc) f
  JOIN onward o ON o.npo_id = f.npo_id AND o.anchor = f.anchor AND o.to_account = f.to_account
  GROUP BY f.npo_id, f.anchor
),
ev_how AS (
  SELECT c.npo_id, c.anchor, array_agg(DISTINCT wr.how) AS hows
  FROM chosen c JOIN wr ON wr.npo_id = c.npo_id AND wr.anchor = c.anchor WHERE c.branch_b
  GROUP BY c.npo_id, c.anchor
)
SELECT 'party' AS subject_type, c.npo_id AS subject_id, c.b_start AS window_start, c.b_end AS window_end,
       c.npo_id, c.b_start, c.b_end, c.w_start, c.w_end, c.donated, c.n_don, c.n_donors,
       c.top_amt, c.top_abroad, c.n_top, c.rel_amt, c.rel_abroad, c.branch_a, c.branch_b,
       d.ids AS don_ids, f.ids AS fwd_ids, f.beneficiaries, f.rel_parties, f.xb_countries,
       o.ids AS on_ids, o.countries AS on_countries, h.hows
FROM chosen c
LEFT JOIN ev_don d ON d.npo_id = c.npo_id AND d.anchor = c.anchor
LEFT JOIN ev_fwd f ON f.npo_id = c.npo_id AND f.anchor = c.anchor
LEFT JOIN ev_on o ON o.npo_id = c.npo_id AND o.anchor = c.anchor
LEFT JOIN ev_how h ON h.npo_id = c.npo_id AND h.anchor = c.anchor
ORDER BY c.npo_id, c.b_start
