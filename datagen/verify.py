"""Ad-hoc checks that planted instances satisfy the catalogue definitions (and look-alikes do not).

Independent of the detectors in ``typologies/``: one reading of each definition over the
written files (DuckDB SQL; a first-in-first-out walk in Python for TF-PASS-01; rapidfuzz
scores for the sanctions names), taken literally from the catalogue rather than from the
detectors' documented interpretations, using the subject's accounts and all their
transactions (not only the labelled evidence) where the definition is about an account's
flows.  ``python -m datagen.verify DIR`` prints, per typology, how many planted instances
satisfy the check and how many look-alikes do (should be none); the overlap instances that
``datagen.crosslabel`` adds come from these same readings, so they are left out here.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from itertools import groupby
from pathlib import Path

import duckdb
import polars as pl

from datagen import geo
from engine import schema
from engine.reference import jurisdiction_risk

SUBJ = """subj AS (SELECT instance_id, entity_id AS party_id FROM labels
                   WHERE typology_id = $tid AND role = 'subject' AND entity_type = 'party'),
acc AS (SELECT s.instance_id, a.account_id FROM subj s JOIN accounts a USING (party_id))"""

CHECKS: dict[str, str] = {
    "TF-CASH-01": f"""WITH {SUBJ},
cash AS (SELECT acc.instance_id, t.ts FROM acc JOIN t ON acc.account_id = coalesce(t.to_account, t.from_account)
         WHERE t.channel IN ('cash_deposit','cash_withdrawal','atm_withdrawal') AND t.usd BETWEEN 8000 AND 10000),
win AS (SELECT c1.instance_id, count(*) AS n FROM cash c1 JOIN cash c2 ON c1.instance_id = c2.instance_id
        AND c2.ts BETWEEN c1.ts AND c1.ts + INTERVAL 7 DAY GROUP BY c1.instance_id, c1.ts)
SELECT s.instance_id, coalesce(max(n), 0) >= 3 AS ok FROM subj s LEFT JOIN win USING (instance_id) GROUP BY 1""",
    "TF-CASH-02": f"""WITH {SUBJ},
dep AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd, t.originator_name, t.location_city FROM acc
        JOIN t ON t.to_account = acc.account_id WHERE t.channel = 'cash_deposit'),
agg AS (SELECT instance_id, account_id, min(ts) AS t0, max(ts) AS t1, sum(usd) AS total,
        count(DISTINCT originator_name) AS depositors, count(DISTINCT location_city) AS cities
        FROM dep GROUP BY 1, 2),
outf AS (SELECT g.instance_id, sum(t.usd) AS out_usd FROM agg g JOIN t ON t.from_account = g.account_id
         AND t.ts > g.t1 AND t.ts <= g.t1 + INTERVAL 7 DAY
         AND ((t.channel = 'wire' AND t.beneficiary_country <> t.originator_country)
              OR (t.channel IN ('atm_withdrawal','cash_withdrawal') AND t.location_country <> t.originator_country))
         GROUP BY 1)
SELECT s.instance_id, coalesce(bool_or(g.depositors >= 5 AND g.cities >= 2 AND g.t1 - g.t0 <= INTERVAL 14 DAY
       AND o.out_usd >= 0.7 * g.total), false) AS ok
FROM subj s LEFT JOIN agg g USING (instance_id) LEFT JOIN outf o USING (instance_id) GROUP BY 1""",
    "TF-CARD-01": f"""WITH {SUBJ},
loads AS (SELECT acc.instance_id, t.to_account AS card, t.ts, t.usd FROM acc JOIN t ON t.to_account = acc.account_id
          WHERE t.channel = 'prepaid_load'),
w AS (SELECT l1.instance_id, l1.ts, count(DISTINCT l2.card) AS cards, sum(l2.usd) AS total FROM loads l1
      JOIN loads l2 ON l1.instance_id = l2.instance_id AND l2.ts BETWEEN l1.ts AND l1.ts + INTERVAL 30 DAY GROUP BY 1, 2),
atm AS (SELECT DISTINCT l.instance_id, l.ts FROM loads l JOIN t ON t.from_account = l.card AND t.channel = 'atm_withdrawal'
        AND t.ts BETWEEN l.ts AND l.ts + INTERVAL 30 DAY AND t.location_country IN (SELECT country FROM hr))
SELECT s.instance_id, coalesce(bool_or((w.cards >= 3 OR w.total >= 5000) AND a.ts IS NOT NULL), false) AS ok
FROM subj s LEFT JOIN w USING (instance_id) LEFT JOIN atm a ON a.instance_id = w.instance_id AND a.ts = w.ts GROUP BY 1""",
    "TF-MICRO-01": f"""WITH {SUBJ},
inf AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd, t.from_account FROM acc JOIN t ON t.to_account = acc.account_id
        WHERE t.usd <= 500 AND t.channel IN ('mobile_transfer','domestic_transfer','wire','remittance')),
agg AS (SELECT instance_id, account_id, count(*) AS n, count(DISTINCT from_account) AS senders, sum(usd) AS total,
        min(ts) AS t0, max(ts) AS t1 FROM inf GROUP BY 1, 2),
outf AS (SELECT g.instance_id, count(*) AS k, sum(t.usd) AS out_usd FROM agg g JOIN t ON t.from_account = g.account_id
         AND t.ts > g.t1 AND t.ts <= g.t1 + INTERVAL 14 DAY AND t.beneficiary_country <> t.originator_country GROUP BY 1)
SELECT s.instance_id, coalesce(bool_or(g.n >= 20 AND g.senders >= 15 AND g.t1 - g.t0 <= INTERVAL 30 DAY
       AND o.k <= 3 AND o.out_usd >= 0.7 * g.total), false) AS ok
FROM subj s LEFT JOIN agg g USING (instance_id) LEFT JOIN outf o USING (instance_id) GROUP BY 1""",
    "TF-REM-01": f"""WITH {SUBJ},
r AS (SELECT acc.instance_id, t.ts, t.to_account FROM acc JOIN t ON t.from_account = acc.account_id
      WHERE t.channel IN ('remittance','wire') AND t.reference IS NULL AND t.beneficiary_country IN (SELECT country FROM hr)),
w AS (SELECT r1.instance_id, count(DISTINCT r2.to_account) AS n FROM r r1 JOIN r r2 ON r1.instance_id = r2.instance_id
      AND r2.ts BETWEEN r1.ts AND r1.ts + INTERVAL 60 DAY GROUP BY r1.instance_id, r1.ts)
SELECT s.instance_id, coalesce(max(n), 0) >= 4 AS ok FROM subj s LEFT JOIN w USING (instance_id) GROUP BY 1""",
    "TF-DORM-01": f"""WITH {SUBJ},
big AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd FROM acc JOIN t ON t.to_account = acc.account_id),
prev AS (SELECT b.instance_id, b.account_id, b.ts, b.usd,
         coalesce((SELECT max(p.ts) FROM t p WHERE (p.from_account = b.account_id OR p.to_account = b.account_id)
                   AND p.ts < b.ts), (SELECT CAST(opened_on AS TIMESTAMP) FROM accounts a WHERE a.account_id = b.account_id))
         AS last_ts FROM big b),
flows AS (SELECT p.instance_id, p.ts, p.last_ts,
          (SELECT sum(i.usd) FROM t i WHERE i.to_account = p.account_id AND i.ts BETWEEN p.ts AND p.ts + INTERVAL 14 DAY) AS inflow,
          (SELECT sum(o.usd) FROM t o WHERE o.from_account = p.account_id AND o.ts BETWEEN p.ts AND p.ts + INTERVAL 14 DAY) AS outflow
          FROM prev p)
SELECT s.instance_id, coalesce(bool_or(f.ts - f.last_ts >= INTERVAL 180 DAY AND f.inflow >= 10000 AND f.outflow >= 10000), false) AS ok
FROM subj s LEFT JOIN flows f USING (instance_id) GROUP BY 1""",
    "TF-NPO-02": f"""WITH {SUBJ},
don AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd, t.from_account FROM acc JOIN t ON t.to_account = acc.account_id),
agg AS (SELECT instance_id, account_id, count(DISTINCT from_account) AS donors, sum(usd) AS total, max(ts) AS t1, min(ts) AS t0
        FROM don GROUP BY 1, 2),
outf AS (SELECT g.instance_id, count(DISTINCT t.to_account) AS bens, sum(t.usd) AS out_usd FROM agg g
         JOIN t ON t.from_account = g.account_id AND t.ts > g.t0 AND t.ts <= g.t1 + INTERVAL 7 DAY GROUP BY 1)
SELECT s.instance_id, coalesce(bool_or(g.donors >= 10 AND o.bens <= 2 AND o.out_usd >= 0.7 * g.total), false) AS ok
FROM subj s LEFT JOIN agg g USING (instance_id) LEFT JOIN outf o USING (instance_id) GROUP BY 1""",
    "TF-TBML-01": """WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
med AS (SELECT hs_code, unit, median(usd / quantity) AS m, count(*) AS n FROM td GROUP BY 1, 2)
SELECT ev.instance_id, bool_or(m.n >= 10 AND (ev.usd / ev.quantity >= 3 * m.m OR ev.usd / ev.quantity <= m.m / 3)) AS ok
FROM ev JOIN med m USING (hs_code, unit) GROUP BY 1""",
    "TF-TBML-02": """WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
refs AS (SELECT shipment_ref, count(*) AS n FROM td WHERE shipment_ref IS NOT NULL GROUP BY 1)
SELECT ev.instance_id, bool_or(
    (ev.shipment_ref IS NULL AND ev.payment_txn_id IS NOT NULL) OR coalesce(r.n, 0) > 1
    OR abs(p.usd - ev.usd) > 0.1 * ev.usd
    OR coalesce(a.party_id, x.party_id, '') <> ev.importer_party_id) AS ok
FROM ev LEFT JOIN refs r USING (shipment_ref) LEFT JOIN t p ON p.txn_id = ev.payment_txn_id
LEFT JOIN accounts a ON a.account_id = p.from_account
LEFT JOIN (SELECT DISTINCT from_account, NULL AS party_id FROM t) x ON x.from_account = p.from_account AND a.account_id IS NULL
GROUP BY 1""",
    "ML-NET-01": f"""WITH {SUBJ},
e AS (SELECT acc.instance_id, acc.account_id, t.ts, t.usd,
             CASE WHEN t.to_account = acc.account_id THEN 'in' ELSE 'out' END AS dir,
             CASE WHEN t.to_account = acc.account_id THEN t.from_account ELSE t.to_account END AS cp
      FROM acc JOIN t ON acc.account_id IN (t.from_account, t.to_account)
      WHERE t.channel NOT IN ('card_payment','atm_withdrawal','cash_withdrawal','cash_deposit')),
w AS (SELECT e1.instance_id, count(DISTINCT e2.cp) AS n FROM e e1 JOIN e e2 ON e1.instance_id = e2.instance_id
      AND e1.account_id = e2.account_id AND e1.dir = e2.dir AND e2.ts BETWEEN e1.ts - INTERVAL 7 DAY AND e1.ts + INTERVAL 7 DAY
      AND e2.usd BETWEEN e1.usd AND e1.usd * 1.2
      AND abs(epoch(e2.ts) - epoch(e1.ts)) <= 7 * 86400 GROUP BY e1.instance_id, e1.ts, e1.usd)
SELECT s.instance_id, coalesce(max(n), 0) >= 8 AS ok FROM subj s LEFT JOIN w USING (instance_id) GROUP BY 1""",
    "ML-NET-03": """WITH ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
             WHERE l.typology_id = $tid AND l.role = 'evidence'),
o AS (SELECT *, row_number() OVER (PARTITION BY instance_id ORDER BY ts) AS k,
             count(*) OVER (PARTITION BY instance_id) AS n FROM ev),
f AS (SELECT instance_id, from_account AS origin, usd AS first_usd, ts AS t0 FROM o WHERE k = 1),
z AS (SELECT instance_id, to_account AS back, usd AS last_usd, ts AS t1, n FROM o WHERE k = n)
SELECT f.instance_id, (z.back = f.origin AND z.last_usd >= 0.7 * f.first_usd AND z.n BETWEEN 3 AND 8
       AND z.t1 - f.t0 <= INTERVAL 30 DAY) AS ok FROM f JOIN z USING (instance_id)""",
    "ML-NET-04": """WITH ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id
             WHERE l.typology_id = $tid AND l.role = 'evidence'),
o AS (SELECT *, lag(usd) OVER w AS prev_usd, lag(ts) OVER w AS prev_ts, lag(to_account) OVER w AS prev_to
      FROM ev WINDOW w AS (PARTITION BY instance_id ORDER BY ts))
SELECT instance_id, count(*) >= 4 AND bool_and(prev_usd IS NULL OR (usd BETWEEN 0.8 * prev_usd AND prev_usd
       AND ts - prev_ts <= INTERVAL 48 HOUR AND from_account = prev_to)) AS ok FROM o GROUP BY 1""",
    "TF-CASH-03": """WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN decl d ON d.declaration_id = l.entity_id
             WHERE l.typology_id = $tid),
hrx AS (SELECT e1.instance_id, count(*) AS n FROM ev e1 JOIN ev e2 ON e1.instance_id = e2.instance_id
        AND e1.traveller_name = e2.traveller_name AND e2.timestamp BETWEEN e1.timestamp AND e1.timestamp + INTERVAL 90 DAY
        AND (e2.origin_country IN (SELECT country FROM hr) OR e2.destination_country IN (SELECT country FROM hr))
        GROUP BY e1.instance_id, e1.declaration_id),
grp AS (SELECT e1.instance_id, count(DISTINCT d2.traveller_name) AS n FROM ev e1 JOIN decl d2
        ON d2.transport_ref = e1.transport_ref AND CAST(d2.timestamp AS DATE) = CAST(e1.timestamp AS DATE)
        AND d2.usd BETWEEN e1.usd AND e1.usd * 1.1 GROUP BY e1.instance_id, e1.declaration_id),
dep AS (SELECT DISTINCT e.instance_id FROM ev e JOIN accounts a ON a.party_id = e.party_id JOIN t ON t.to_account = a.account_id
        AND t.channel = 'cash_deposit' AND e.direction = 'inbound' AND e.declared
        AND t.ts BETWEEN e.timestamp AND e.timestamp + INTERVAL 3 DAY)
SELECT e.instance_id, bool_or(e.usd BETWEEN 8000 AND 10000 OR NOT e.declared) OR coalesce(max(h.n), 0) >= 3
       OR coalesce(max(g.n), 0) >= 3 OR bool_or(dp.instance_id IS NOT NULL) AS ok
FROM ev e LEFT JOIN hrx h USING (instance_id) LEFT JOIN grp g USING (instance_id) LEFT JOIN dep dp USING (instance_id)
GROUP BY 1""",
    "ML-NET-02": f"""WITH {SUBJ},
ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id WHERE l.typology_id = $tid AND l.role = 'evidence'),
sg AS (SELECT a.instance_id, a.from_account AS src, b.to_account AS sink, count(DISTINCT a.to_account) AS mids,
              max(b.ts) - min(a.ts) AS span
       FROM ev a JOIN ev b ON a.instance_id = b.instance_id AND b.from_account = a.to_account AND b.ts > a.ts
       WHERE b.to_account IS NOT NULL GROUP BY 1, 2, 3),
gs AS (SELECT a.instance_id, a.to_account AS hub, count(DISTINCT a.from_account) AS ins, count(DISTINCT b.to_account) AS outs,
              max(b.ts) - min(a.ts) AS span
       FROM ev a JOIN ev b ON a.instance_id = b.instance_id AND b.from_account = a.to_account AND b.ts > a.ts GROUP BY 1, 2)
SELECT i.instance_id, coalesce(bool_or(sg.mids >= 3 AND sg.span <= INTERVAL 7 DAY), false)
       OR coalesce(bool_or(gs.ins >= 3 AND gs.outs >= 3 AND gs.span <= INTERVAL 7 DAY), false) AS ok
FROM (SELECT DISTINCT instance_id FROM ev) i LEFT JOIN sg USING (instance_id) LEFT JOIN gs USING (instance_id) GROUP BY 1""",
    "ML-NET-05": f"""WITH {SUBJ},
ev AS (SELECT l.instance_id, t.* FROM labels l JOIN t ON t.txn_id = l.entity_id WHERE l.typology_id = $tid AND l.role = 'evidence'),
srcs AS (SELECT instance_id, count(DISTINCT from_account) AS n_src, count(DISTINCT to_account) AS n_dst,
                count(DISTINCT from_account || '>' || to_account) AS edges, max(ts) - min(ts) AS span FROM ev GROUP BY 1)
SELECT instance_id, n_src >= 6 AND n_dst >= 6 AND span <= INTERVAL 14 DAY AND edges >= 12 AS ok FROM srcs""",
    "ML-NET-06": """WITH d AS (SELECT l.instance_id, a.account_id FROM labels l JOIN accounts a ON a.party_id = l.entity_id
           WHERE l.typology_id = $tid AND l.role = 'designated'),
s AS (SELECT l.instance_id, a.account_id FROM labels l JOIN accounts a ON a.party_id = l.entity_id
      WHERE l.typology_id = $tid AND l.role = 'subject'),
e AS (SELECT from_account AS x, to_account AS y FROM t WHERE from_account IS NOT NULL AND to_account IS NOT NULL
      UNION SELECT to_account, from_account FROM t WHERE from_account IS NOT NULL AND to_account IS NOT NULL),
h1 AS (SELECT d.instance_id, e.y AS acct FROM d JOIN e ON e.x = d.account_id),
h2 AS (SELECT h1.instance_id, e.y AS acct FROM h1 JOIN e ON e.x = h1.acct),
near AS (SELECT * FROM h1 UNION SELECT * FROM h2)
SELECT s.instance_id, bool_or(n.acct IS NOT NULL) AS ok FROM s LEFT JOIN near n ON n.instance_id = s.instance_id
AND n.acct = s.account_id GROUP BY 1""",
    "TF-TBML-03": """WITH ev AS (SELECT l.instance_id, d.* FROM labels l JOIN td d ON d.trade_id = l.entity_id
             WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'),
circ AS (SELECT DISTINCT a.instance_id FROM ev a JOIN ev b ON a.instance_id = b.instance_id
         AND substr(a.hs_code, 1, 4) = substr(b.hs_code, 1, 4) AND b.importer_party_id = a.exporter_party_id
         AND b.date >= a.date AND b.date <= a.date + INTERVAL 180 DAY AND a.trade_id <> b.trade_id),
ts AS (SELECT DISTINCT instance_id FROM ev JOIN region o ON o.country = ev.origin_country
       JOIN region d ON d.country = ev.destination_country
       WHERE transshipment_country IN (SELECT country FROM hr) AND o.region = d.region)
SELECT i.instance_id, (c.instance_id IS NOT NULL OR x.instance_id IS NOT NULL) AS ok
FROM (SELECT DISTINCT instance_id FROM ev) i LEFT JOIN circ c USING (instance_id) LEFT JOIN ts x USING (instance_id)""",
    "TF-FTF-01": f"""WITH {SUBJ},
tx AS (SELECT acc.instance_id, acc.account_id, t.* FROM acc
       JOIN t ON acc.account_id IN (t.from_account, t.to_account)),
drain AS (SELECT instance_id, min(ts) AS t0 FROM tx WHERE channel = 'cash_withdrawal' AND usd >= 1000 GROUP BY 1),
bal AS (SELECT d.instance_id, d.t0,
        sum(CASE WHEN x.to_account = x.account_id AND x.ts < d.t0 + INTERVAL 3 DAY THEN x.usd ELSE 0 END)
        - sum(CASE WHEN x.from_account = x.account_id AND x.ts < d.t0 THEN x.usd ELSE 0 END) AS balance,
        sum(CASE WHEN x.channel = 'cash_withdrawal' AND x.from_account = x.account_id
                 AND x.ts BETWEEN d.t0 AND d.t0 + INTERVAL 3 DAY THEN x.usd ELSE 0 END) AS drained,
        bool_or(x.channel = 'card_payment' AND (CAST(x.merchant_category AS INTEGER) BETWEEN 3000 AND 3299
                OR x.merchant_category IN ('4511','4722')) AND x.ts BETWEEN d.t0 AND d.t0 + INTERVAL 30 DAY) AS air
        FROM drain d JOIN tx x USING (instance_id) GROUP BY 1, 2),
abroad AS (SELECT DISTINCT d.instance_id FROM drain d JOIN subj s USING (instance_id) JOIN accounts a ON a.party_id = s.party_id
           JOIN t ON t.from_account = a.account_id AND t.channel IN ('card_payment','atm_withdrawal')
           AND t.location_country IN (SELECT country FROM hr) AND t.ts BETWEEN d.t0 AND d.t0 + INTERVAL 30 DAY)
SELECT s.instance_id, coalesce(bool_or(b.drained >= 0.8 * b.balance AND b.air AND ab.instance_id IS NOT NULL), false) AS ok
FROM subj s LEFT JOIN bal b USING (instance_id) LEFT JOIN abroad ab USING (instance_id) GROUP BY 1""",
}


# Checks of one party's own activity, usable for any party rather than only an instance's
# subjects.  The instance checks use them for their subjects, and the generator uses them to
# label planted parties of other typologies that also meet these definitions
# (``datagen.crosslabel``).  Each reads the candidate parties from the table ``cand(party_id)``
# and gives the parties that meet it with the transactions that show it.
TRANSFER_CHANNELS = "(" + ", ".join(f"'{c}'" for c in schema.TRANSFER_CHANNELS) + ")"

PARTY_SQL: dict[str, str] = {
    # >= 10,000 in 30 days sent to or received from high-risk jurisdictions (other than the
    # account's own country) by an individual or business, with no NPO/trade rationale: not
    # paying an invoice, not a donation to an NPO declaring operations there.
    "TF-XB-01": f"""WITH acc AS (
  SELECT a.account_id, a.party_id, a.country FROM cand JOIN accounts a USING (party_id)
  JOIN parties p USING (party_id) WHERE p.party_type IN ('individual','business')),
flow AS (
  SELECT acc.party_id, acc.country AS own, t.txn_id, t.ts, t.usd, ca.party_id AS cp_id,
         CASE WHEN t.from_account = acc.account_id THEN coalesce(t.beneficiary_country, ca.country)
              ELSE coalesce(t.originator_country, ca.country) END AS cc
  FROM acc JOIN t ON acc.account_id IN (t.from_account, t.to_account)
  LEFT JOIN accounts ca ON ca.account_id = CASE WHEN t.from_account = acc.account_id THEN t.to_account
                                                ELSE t.from_account END
  WHERE t.channel IN {TRANSFER_CHANNELS}),
x AS (
  SELECT f.party_id, f.txn_id, f.ts, f.usd FROM flow f LEFT JOIN parties cp ON cp.party_id = f.cp_id
  WHERE f.cc IN (SELECT country FROM hr) AND f.cc <> f.own AND coalesce(f.cp_id, '') <> f.party_id
    AND f.txn_id NOT IN (SELECT payment_txn_id FROM trade_documents WHERE payment_txn_id IS NOT NULL)
    AND NOT (coalesce(cp.party_type, '') = 'npo' AND list_contains(coalesce(cp.npo_operating_countries, []), f.cc))),
win AS (
  SELECT x1.party_id, x1.ts FROM x x1 JOIN x x2 ON x1.party_id = x2.party_id
     AND x2.ts BETWEEN x1.ts AND x1.ts + INTERVAL 30 DAY
  GROUP BY x1.party_id, x1.ts HAVING round(sum(x2.usd), 2) >= 10000)
SELECT DISTINCT x.party_id, x.txn_id FROM win JOIN x ON x.party_id = win.party_id
  AND x.ts BETWEEN win.ts AND win.ts + INTERVAL 30 DAY""",
    # an NPO sending >= 10,000 in some 90 days, and >= 20% of its outflows then, to countries
    # outside its npo_operating_countries, to individuals (on file) or in cash withdrawals.
    "TF-NPO-01": """WITH npo AS (
  SELECT p.party_id, coalesce(p.npo_operating_countries, []) AS ops, a.account_id
  FROM cand JOIN parties p USING (party_id) JOIN accounts a USING (party_id) WHERE p.party_type = 'npo'),
o AS (
  SELECT n.party_id, t.txn_id, t.ts, t.usd,
         (t.channel IN ('cash_withdrawal','atm_withdrawal')
          OR coalesce(bp.party_type, '') = 'individual'
          OR (coalesce(t.beneficiary_country, ba.country, t.location_country) IS NOT NULL
              AND NOT list_contains(n.ops, coalesce(t.beneficiary_country, ba.country, t.location_country)))) AS diverted
  FROM npo n JOIN t ON t.from_account = n.account_id
  LEFT JOIN accounts ba ON ba.account_id = t.to_account LEFT JOIN parties bp ON bp.party_id = ba.party_id
  WHERE coalesce(ba.party_id, '') <> n.party_id),
win AS (
  SELECT o1.party_id, o1.ts FROM o o1 JOIN o o2 ON o1.party_id = o2.party_id
     AND o2.ts BETWEEN o1.ts AND o1.ts + INTERVAL 90 DAY
  GROUP BY o1.party_id, o1.ts
  HAVING round(sum(CASE WHEN o2.diverted THEN o2.usd ELSE 0 END), 2) >= 10000
     AND round(sum(CASE WHEN o2.diverted THEN o2.usd ELSE 0 END), 2) >= round(0.2 * sum(o2.usd), 2))
SELECT DISTINCT o.party_id, o.txn_id FROM win JOIN o ON o.party_id = win.party_id AND o.diverted
  AND o.ts BETWEEN win.ts AND win.ts + INTERVAL 90 DAY""",
}


def _pass_through(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """TF-PASS-01 for the candidates: some 30 days in which an account's credits total >= 20,000
    and >= 90% of them left within 72 hours.  Debits take money from the credits first in, first
    out; a debit finding no credit left is paid from a balance held before the history on file.
    A credit that has kept less than 10% of itself 72 hours on has left that remainder behind as
    residual (it no longer stands in front of later credits), while a larger remainder is money
    the account holds and is spent before later credits.  (The detector reads balances more
    cautiously: see the TF-PASS-01 module.)"""
    rows = con.sql("""
      WITH acc AS (SELECT a.party_id, a.account_id FROM cand JOIN accounts a USING (party_id)),
      big AS (SELECT acc.account_id FROM acc JOIN t ON t.to_account = acc.account_id
              GROUP BY 1 HAVING sum(t.usd) >= 20000)
      SELECT acc.party_id, acc.account_id, epoch(t.ts) AS s, t.usd, t.to_account = acc.account_id AS credit,
             t.txn_id
      FROM acc JOIN big USING (account_id) JOIN t ON acc.account_id IN (t.from_account, t.to_account)
      WHERE t.from_account IS DISTINCT FROM t.to_account
      ORDER BY acc.account_id, s, credit DESC, t.txn_id""").fetchall()
    hold, span = 72 * 3600.0, 30 * 86400.0
    out: dict[str, set[str]] = {}
    for _account, grp in groupby(rows, key=lambda r: r[1]):
        events = list(grp)
        party = events[0][0]
        credits: list[list[float]] = []  # [time, amount, taken within 72 h, taken]
        ids: list[list[str]] = []  # per credit: its id, then the debits taking from it within 72 h
        queue: deque[int] = deque()  # credits not yet spent, oldest first
        for _, _, ts, usd, is_credit, txn in events:
            if is_credit:
                credits.append([ts, usd, 0.0, 0.0])
                ids.append([txn])
                queue.append(len(credits) - 1)
                continue
            left = usd
            while left > 1e-9 and queue:
                c = credits[queue[0]]
                if c[0] + hold < ts and c[1] - c[3] < 0.1 * c[1]:
                    queue.popleft()  # a leftover under 10% stays behind
                    continue
                take = min(left, c[1] - c[3])
                c[3] += take
                if c[0] + hold >= ts:
                    c[2] += take
                    ids[queue[0]].append(txn)
                left -= take
                if c[1] - c[3] <= 1e-9:
                    queue.popleft()
        end = 0
        total = fwd = 0.0
        for k, (t0, _, _, _) in enumerate(credits):  # windows of 30 days opening at each credit
            while end < len(credits) and credits[end][0] <= t0 + span:
                total += credits[end][1]
                fwd += credits[end][2]
                end += 1
            if total >= 20000 and fwd >= 0.9 * total:
                out.setdefault(party, set()).update(x for m in range(k, end) for x in ids[m])
            total -= credits[k][1]
            fwd -= credits[k][2]
    return out


def _named_payments(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """SAN-02 for the candidates: a payment to or from their accounts names its counterparty
    with a name that scores >= 85 against a listed name or alias."""
    rows = con.sql("""
      SELECT DISTINCT a.party_id, CASE WHEN t.to_account = a.account_id THEN t.originator_name ELSE t.beneficiary_name END,
             t.txn_id
      FROM cand JOIN accounts a USING (party_id) JOIN t ON a.account_id IN (t.from_account, t.to_account)
      WHERE t.channel IN """ + TRANSFER_CHANNELS).fetchall()
    best = _best_scores([name for _, name, _ in rows if name], _listed_names())
    hit = {name for name, score in best.items() if score >= 85}
    out: dict[str, set[str]] = {}
    for party, name, txn in rows:
        if name in hit:
            out.setdefault(party, set()).add(txn)
    return out


PARTY_CHECKS = ("TF-PASS-01", "TF-XB-01", "TF-NPO-01", "SAN-02")


def party_check(con: duckdb.DuckDBPyConnection, tid: str) -> dict[str, list[str]]:
    """The parties of ``cand`` that meet ``tid`` (one of ``PARTY_CHECKS``), each with the ids
    of the transactions that show it."""
    if tid == "TF-PASS-01":
        found = _pass_through(con)
    elif tid == "SAN-02":
        found = _named_payments(con)
    else:
        found = {}
        for party, txn in con.sql(PARTY_SQL[tid]).fetchall():
            found.setdefault(party, set()).add(txn)
    return {party: sorted(txns) for party, txns in sorted(found.items())}


def _by_subjects(con: duckdb.DuckDBPyConnection, tid: str, label: str) -> list[tuple[str, bool]]:
    """Per instance of ``label``: does one of its subject parties meet ``tid``?"""
    subjects = con.sql("""SELECT instance_id, entity_id FROM labels
                          WHERE typology_id = $label AND role = 'subject' AND entity_type = 'party'""",
                       params={"label": label}).pl()
    con.register("cand", subjects.select(pl.col("entity_id").alias("party_id")).unique())
    ok = party_check(con, tid)
    res: dict[str, bool] = {}
    for inst, party in subjects.iter_rows():
        res[inst] = res.get(inst, False) or party in ok
    return sorted(res.items())


def connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """Views over the files of ``data_dir`` with USD amounts (month-start rates from ``fx_rates``)."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    files = {k: str(data_dir / v) for k, v in manifest["files"].items()}
    con = duckdb.connect()

    def src(name: str) -> str:
        f = files[name]
        if f.endswith(".parquet"):
            return f"read_parquet('{f}')"
        if f.endswith(".csv"):
            return f"read_csv('{f}', header=true, all_varchar=false)"
        return f"read_json('{f}', format='newline_delimited')"

    for name in ("parties", "accounts", "labels", "fx_rates", "trade_documents", "cash_declarations", "transactions"):
        con.sql(f"CREATE VIEW {name} AS SELECT * FROM {src(name)}")
    derive(con)
    return con


def derive(con: duckdb.DuckDBPyConnection) -> None:
    """The working tables the checks read, from relations named as the contract's tables:
    ``t``, ``decl`` and ``td`` (with ``usd`` at the month-start rate), ``region`` and ``hr``
    (the shipped high-risk jurisdictions)."""
    con.sql("""CREATE TABLE fx AS SELECT CAST(date AS DATE) AS month, currency, CAST(rate_to_base AS DOUBLE) AS rate
               FROM fx_rates UNION ALL SELECT DISTINCT CAST(date AS DATE), 'USD', 1.0 FROM fx_rates""")
    con.sql("""CREATE TABLE t AS SELECT x.*, CAST(x.timestamp AS TIMESTAMP) AS ts, CAST(x.amount AS DOUBLE) * fx.rate AS usd
               FROM transactions x JOIN fx ON fx.currency = x.currency
               AND fx.month = CAST(date_trunc('month', CAST(x.timestamp AS TIMESTAMP)) AS DATE)""")
    con.sql("""CREATE TABLE decl AS SELECT d.*, CAST(d.amount AS DOUBLE) * fx.rate AS usd FROM cash_declarations d
               JOIN fx ON fx.currency = d.currency AND fx.month = CAST(date_trunc('month', CAST(d.timestamp AS TIMESTAMP)) AS DATE)""")
    con.sql("""CREATE TABLE td AS SELECT d.*, CAST(d.invoice_value AS DOUBLE) * fx.rate AS usd FROM trade_documents d
               JOIN fx ON fx.currency = d.currency AND fx.month = CAST(date_trunc('month', CAST(d.date AS TIMESTAMP)) AS DATE)""")
    con.register("region_frame", pl.DataFrame({"country": [c.code for c in geo.COUNTRIES],
                                               "region": [c.region for c in geo.COUNTRIES]}))
    con.sql("CREATE TABLE region AS SELECT * FROM region_frame")
    hr = jurisdiction_risk().select("country")
    con.register("hr_frame", hr)
    con.sql("CREATE TABLE hr AS SELECT * FROM hr_frame")


def _listed_names() -> list[str]:
    """Every full name and alias of the shipped sample of the UN list, upper case."""
    from datagen.planters._names import listed

    entries = listed()
    return [e.full.upper() for e in entries] + [a.upper() for e in entries for a in e.aliases]


def _best_scores(names: list[str], listed: list[str]) -> dict[str, float]:
    """Per distinct name (as given): its best score against ``listed``, the higher of the plain
    and the token-sorted rapidfuzz ratio of the upper-cased name (0-100)."""
    from rapidfuzz import fuzz, process

    queries = sorted(set(names))
    if not queries or not listed:
        return dict.fromkeys(queries, 0.0)
    upper = [q.upper() for q in queries]
    best = process.cdist(upper, listed, scorer=fuzz.ratio, workers=-1).max(axis=1)
    best = best.clip(min=process.cdist(upper, listed, scorer=fuzz.token_sort_ratio, workers=-1).max(axis=1))
    return {q: float(b) for q, b in zip(queries, best, strict=True)}


def _sanctions(con: duckdb.DuckDBPyConnection, tid: str) -> list[tuple[str, bool]]:
    """SAN-01: the subject's name or an alt name scores >= 85 (best of plain and token-sort ratio) against a listed
    name or alias, and its birth year and nationality agree; SAN-02: an originator/beneficiary
    name on the evidence scores >= 85."""
    from datagen.planters._names import listed

    entries = listed()
    if tid.startswith("SAN-01") or tid in ("benign:common_name_one_token",):
        rows = con.sql("""SELECT l.instance_id, p.name, p.alt_names, CAST(year(p.date_of_birth) AS VARCHAR), p.nationality
                          FROM labels l JOIN parties p ON p.party_id = l.entity_id
                          WHERE l.typology_id = $tid AND l.role = 'subject'""", params={"tid": tid}).fetchall()
        out = []
        for inst, name, alts, year, nat in rows:
            cands = [name, *(alts or [])]
            hits = [e for e in entries
                    if max(_best_scores(cands, [e.full.upper(), *(a.upper() for a in e.aliases)]).values()) >= 85]
            ok = any(e.kind == "entity" or ((not year or e.dob[:4] == year) and (not nat or e.nationality == nat))
                     for e in hits)
            out.append((inst, ok))
        return out
    rows = con.sql("""SELECT l.instance_id, t.originator_name, t.beneficiary_name FROM labels l JOIN t ON t.txn_id = l.entity_id
                      WHERE l.typology_id = $tid AND l.role = 'evidence'""", params={"tid": tid}).fetchall()
    scores = _best_scores([n for _, o, b in rows for n in (o, b) if n], _listed_names())
    best: dict[str, bool] = {}
    for inst, o, b in rows:
        ok = max(scores.get(o or "", 0.0), scores.get(b or "", 0.0)) >= 85
        best[inst] = best.get(inst, False) or ok
    return sorted(best.items())


def verify(data_dir: Path) -> dict[str, dict[str, object]]:
    """{typology: {positives, positives_ok, lookalikes, lookalikes_ok}} for every checked typology."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    con = connect(data_dir)
    out: dict[str, dict[str, object]] = {}
    by_party = [t for t in PARTY_CHECKS if t != "SAN-02"]
    checks: dict[str, str | None] = {**CHECKS, **dict.fromkeys(by_party), "SAN-01": None, "SAN-02": None}
    for tid, sql in sorted(checks.items()):
        if tid not in manifest["planted"]:
            continue

        def run(label: str, tid: str = tid, sql: str | None = sql) -> list[tuple[str, bool]]:
            if sql is not None:
                return con.sql(sql, params={"tid": label}).fetchall()
            if tid in by_party:
                return _by_subjects(con, tid, label)
            return _sanctions(con, label)

        pos = [(i, ok) for i, ok in run(tid) if "/" not in i]  # overlap instances: see datagen.crosslabel
        row: dict[str, object] = {"positives": len(pos), "positives_ok": sum(1 for _i, ok in pos if ok)}
        look = []
        for name in manifest.get("benign_for", {}).get(tid, []):
            look += run(name)
        row["lookalikes"] = len(look)
        row["lookalikes_ok"] = sum(1 for _i, ok in look if ok)
        row["failing"] = sorted(i for i, ok in pos if not ok)[:5]
        out[tid] = row
    return out


def main(argv: list[str]) -> None:
    res = verify(Path(argv[0]))
    width = max(len(k) for k in res) if res else 10
    sys.stdout.write(f"{'typology':<{width}}  positives satisfying   look-alikes satisfying\n")
    for tid, r in res.items():
        sys.stdout.write(f"{tid:<{width}}  {r['positives_ok']:>4}/{r['positives']:<4}            "
                         f"{r['lookalikes_ok']:>4}/{r['lookalikes']:<4} {r['failing'] if r['failing'] else ''}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
