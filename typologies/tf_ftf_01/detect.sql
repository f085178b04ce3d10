-- TF-FTF-01: episodes of air travel then card/ATM use in a risky country within $window;
-- per episode the money available (balance before plus inflows) and what was drained (cash,
-- closures); qualifying episodes merged into bursts per person.
WITH risky AS (SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country),
ind_acc AS (
  SELECT a.account_id, a.party_id, a.account_type, a.closed_on
  FROM accounts a JOIN parties p ON p.party_id = a.party_id WHERE p.party_type = 'individual'
),
air AS (
  SELECT t.txn_id, ia.party_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt
  FROM scan_transactions t
  JOIN ind_acc ia ON ia.account_id = t.from_account
  JOIN ref_mcc_groups m ON m.mcc_group = $air_travel_group
   AND CAST(t.merchant_category AS INTEGER) BETWEEN m.mcc_from AND m.mcc_to
  WHERE t.channel = 'card_payment' AND t.merchant_category IS NOT NULL
),
hr AS (
  SELECT t.txn_id, ia.party_id, t.timestamp AS ts, t.location_country AS country, r.weight
  FROM scan_transactions t
  JOIN ind_acc ia ON ia.account_id = t.from_account
  JOIN risky r ON r.country = t.location_country
  WHERE t.channel IN ('card_payment', 'atm_withdrawal', 'cash_withdrawal')
),
ep AS (
  SELECT a.party_id, a.ts AS air_ts, h.ts AS hr_ts, h.ts - $window AS w_start
  FROM air a JOIN hr h ON h.party_id = a.party_id AND h.ts >= a.ts AND h.ts <= a.ts + $window
),
pacc AS (
  SELECT ia.* FROM ind_acc ia WHERE ia.account_type <> 'loan'
    AND ia.party_id IN (SELECT party_id FROM ep)
),
ptx AS (
  SELECT t.txn_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt, t.channel,
         fa.party_id AS from_party, ta.party_id AS to_party, fa.closed_on AS from_closed,
         fl.account_type AS from_type
  FROM (
    SELECT txn_id, timestamp, amount_base, channel, from_account, to_account FROM transactions
    WHERE from_account IN (SELECT account_id FROM pacc)
    UNION ALL
    SELECT txn_id, timestamp, amount_base, channel, from_account, to_account FROM transactions
    WHERE to_account IN (SELECT account_id FROM pacc)
      AND (from_account IS NULL OR from_account NOT IN (SELECT account_id FROM pacc))
  ) AS t
  LEFT JOIN pacc fa ON fa.account_id = t.from_account
  LEFT JOIN pacc ta ON ta.account_id = t.to_account
  LEFT JOIN accounts fl ON fl.account_id = t.from_account
),
drains AS (
  SELECT x.*, CASE WHEN x.channel IN ('cash_withdrawal', 'atm_withdrawal') THEN 'cash' ELSE 'closure' END AS kind
  FROM ptx x WHERE x.from_party IS NOT NULL AND (x.to_party IS NULL OR x.to_party <> x.from_party)
    AND (x.channel IN ('cash_withdrawal', 'atm_withdrawal') OR x.from_closed IS NOT NULL)
),
legs AS (
  SELECT from_party AS party_id, ts, -amt AS signed, NULL AS from_type FROM ptx
  WHERE from_party IS NOT NULL AND (to_party IS NULL OR to_party <> from_party)
  UNION ALL
  SELECT to_party, ts, amt, from_type FROM ptx
  WHERE to_party IS NOT NULL AND (from_party IS NULL OR from_party <> to_party)
),
epd AS (
  SELECT e.party_id, e.hr_ts, e.air_ts, e.w_start,
         coalesce(sum(CASE WHEN d.kind = 'cash'
                             OR (CAST(d.from_closed AS TIMESTAMP) >= e.w_start
                                 AND CAST(d.from_closed AS TIMESTAMP) <= e.hr_ts + INTERVAL '1 day')
                           THEN d.amt ELSE 0 END), 0) AS drained,
         min(d.ts) AS first_drain
  FROM ep e LEFT JOIN drains d ON d.from_party = e.party_id AND d.ts >= e.w_start AND d.ts <= e.hr_ts
  GROUP BY e.party_id, e.hr_ts, e.air_ts, e.w_start
),
closures AS (
  SELECT e.party_id, e.hr_ts, e.air_ts, count(*) AS n_closed
  FROM ep e JOIN pacc a ON a.party_id = e.party_id
   AND CAST(a.closed_on AS TIMESTAMP) >= e.w_start AND CAST(a.closed_on AS TIMESTAMP) <= e.hr_ts
  GROUP BY e.party_id, e.hr_ts, e.air_ts
),
-- only episodes with a large drain or a closure need the balance
ep2 AS (
  SELECT d.*, coalesce(c.n_closed, 0) AS n_closed
  FROM epd d LEFT JOIN closures c ON c.party_id = d.party_id AND c.hr_ts = d.hr_ts AND c.air_ts = d.air_ts
  WHERE coalesce(c.n_closed, 0) > 0 OR d.drained >= $min_drained_amount
),
epx AS (
  SELECT e.party_id, e.air_ts, e.hr_ts,
    coalesce(sum(CASE WHEN x.ts < e.w_start THEN x.signed ELSE 0 END), 0) AS balance_before,
    coalesce(sum(CASE WHEN x.ts >= e.w_start AND x.ts <= e.hr_ts AND x.signed > 0
                      THEN x.signed ELSE 0 END), 0) AS inflow,
    coalesce(sum(CASE WHEN x.ts >= e.w_start AND x.ts <= e.hr_ts AND x.signed > 0
                           AND x.from_type = 'loan' THEN x.signed ELSE 0 END), 0) AS loan_drawdown
  FROM ep2 e LEFT JOIN legs x ON x.party_id = e.party_id AND x.ts <= e.hr_ts
  GROUP BY e.party_id, e.air_ts, e.hr_ts
),
qual AS (
  SELECT x.party_id, least(x.air_ts, coalesce(d.first_drain, x.air_ts)) AS s, x.hr_ts AS e,
         greatest(x.balance_before, 0) + x.inflow AS available, d.drained, x.loan_drawdown,
         d.n_closed
  FROM epx x JOIN ep2 d ON d.party_id = x.party_id AND d.hr_ts = x.hr_ts AND d.air_ts = x.air_ts
  WHERE d.n_closed > 0
     OR (greatest(x.balance_before, 0) + x.inflow > 0
         AND d.drained >= $min_drain_share * (greatest(x.balance_before, 0) + x.inflow))
),
bursts AS (
  SELECT party_id, burst_no, min(s) AS burst_start, max(e) AS burst_end,
         max(available) AS available, max(drained) AS drained, max(loan_drawdown) AS loan_drawdown,
         max(n_closed) AS n_closed
  FROM (
    SELECT q.*, sum(nb) OVER (PARTITION BY party_id ORDER BY s, e
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
    FROM (SELECT qual.*, CASE WHEN s <= max(e) OVER (PARTITION BY party_id ORDER BY s, e
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
          FROM qual) AS q
  ) AS n GROUP BY party_id, burst_no
),
ev AS (
  SELECT b.party_id, b.burst_start, 'drain' AS kind, d.txn_id, d.ts, d.amt, NULL AS country, 0.0 AS weight
  FROM bursts b JOIN drains d ON d.from_party = b.party_id AND d.ts >= b.burst_start AND d.ts <= b.burst_end
   AND (d.kind = 'cash' OR (CAST(d.from_closed AS TIMESTAMP) >= b.burst_start - $window
                            AND CAST(d.from_closed AS TIMESTAMP) <= b.burst_end + INTERVAL '1 day'))
  UNION ALL
  SELECT b.party_id, b.burst_start, 'loan', x.txn_id, x.ts, x.amt, NULL, 0.0
  FROM bursts b JOIN ptx x ON x.to_party = b.party_id AND x.from_type = 'loan'
   AND x.ts >= b.burst_end - $window AND x.ts <= b.burst_end
  UNION ALL
  SELECT b.party_id, b.burst_start, 'air', a.txn_id, a.ts, a.amt, NULL, 0.0
  FROM bursts b JOIN air a ON a.party_id = b.party_id AND a.ts >= b.burst_start AND a.ts <= b.burst_end
  UNION ALL
  SELECT b.party_id, b.burst_start, 'abroad', h.txn_id, h.ts, 0.0, h.country, h.weight
  FROM bursts b JOIN hr h ON h.party_id = b.party_id AND h.ts >= b.burst_start AND h.ts <= b.burst_end
),
agg AS (
  SELECT party_id, burst_start,
         array_agg(DISTINCT txn_id) AS evidence,
         sum(CASE WHEN kind = 'drain' THEN 1 ELSE 0 END) AS n_drain,
         sum(CASE WHEN kind = 'air' THEN 1 ELSE 0 END) AS n_air,
         sum(CASE WHEN kind = 'air' THEN amt ELSE 0 END) AS air_amt,
         sum(CASE WHEN kind = 'abroad' THEN 1 ELSE 0 END) AS n_abroad,
         array_agg(DISTINCT country) AS countries,
         max(weight) AS max_weight
  FROM ev GROUP BY party_id, burst_start
)
SELECT b.*, 'party' AS subject_type, b.party_id AS subject_id, b.burst_start AS window_start,
       b.burst_end AS window_end, a.evidence, a.n_drain, a.n_air, a.air_amt, a.n_abroad, a.countries, a.max_weight
FROM bursts b JOIN agg a ON a.party_id = b.party_id AND a.burst_start = b.burst_start
ORDER BY b.party_id, b.burst_start
