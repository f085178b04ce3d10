"""A case's subjects and its related cases.

*Subjects*: every party (or unowned account) one of the case's alerts is about, with its
name, accounts, alerts and typologies; the case's primary subject (``cases.subject_*``)
first.

*Related cases*: other cases, open or closed, that share

- a *party*: one of their alerts is about a subject of this case; or
- a *counterparty*: an account on the other side of this case's evidence transactions (not
  one of its subjects' own) is on either side of the other case's evidence transactions or
  belongs to one of its subjects.  Collectors and distributors (an account dealing with
  ``case_link_collector_min_counterparties`` or more distinct accounts on file, as in
  :mod:`engine.case_links`) do not count: sharing a biller or an employer relates nobody.
"""

from __future__ import annotations

from typing import Any

import duckdb

from engine.case_links import LinkRules


def case_subjects(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict[str, Any]]:
    """The case's subjects, primary first, then by alert count and id."""
    rows = con.execute(
        """WITH s AS (
             SELECT a.subject_type, a.subject_id, count(*) AS alerts,
                    list(DISTINCT a.typology_id ORDER BY a.typology_id) AS typologies, max(a.score) AS best
             FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
             WHERE ca.case_id = ? GROUP BY a.subject_type, a.subject_id)
           SELECT s.subject_type, s.subject_id, p.name, p.party_type,
                  coalesce(p.is_pep, false) AS is_pep, s.alerts, s.typologies,
                  (c.subject_type = s.subject_type AND c.subject_id = s.subject_id) AS primary_subject,
                  CASE WHEN s.subject_type = 'party'
                       THEN (SELECT list(account_id ORDER BY account_id) FROM accounts ac
                             WHERE ac.party_id = s.subject_id)
                       ELSE [s.subject_id] END AS accounts
           FROM s JOIN cases c ON c.case_id = ?
           LEFT JOIN parties p ON s.subject_type = 'party' AND p.party_id = s.subject_id
           ORDER BY primary_subject DESC, s.alerts DESC, s.best DESC, s.subject_id""",
        [case_id, case_id],
    ).fetchall()
    cols = ("subject_type", "subject_id", "name", "party_type", "is_pep", "alert_count", "typologies",
            "primary", "accounts")
    out = []
    for r in rows:
        d = dict(zip(cols, r, strict=True))
        d["typologies"] = list(d["typologies"] or [])
        d["accounts"] = list(d["accounts"] or [])
        out.append(d)
    return out


_RELATED = """
WITH me AS MATERIALIZED (SELECT a.* FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id WHERE ca.case_id = $cid),
my_subjects AS MATERIALIZED (SELECT DISTINCT subject_type, subject_id FROM me),
my_accounts AS MATERIALIZED (
  SELECT account_id FROM accounts WHERE party_id IN (SELECT subject_id FROM my_subjects WHERE subject_type = 'party')
  UNION SELECT subject_id FROM my_subjects WHERE subject_type = 'account'),
my_cp0 AS MATERIALIZED (
  SELECT DISTINCT x AS account_id FROM (
    SELECT unnest([t.from_account, t.to_account]) AS x FROM transactions t
    WHERE t.txn_id IN (SELECT unnest(evidence) FROM me))
  WHERE x IS NOT NULL AND x NOT IN (SELECT account_id FROM my_accounts)),
cp_all AS MATERIALIZED (
  SELECT txn_id, from_account, to_account FROM transactions
  WHERE from_account IN (SELECT account_id FROM my_cp0) OR to_account IN (SELECT account_id FROM my_cp0)),
collectors AS (
  SELECT account_id FROM (
    SELECT account_id, count(DISTINCT other) AS n FROM (
      SELECT from_account AS account_id, to_account AS other FROM cp_all
      WHERE from_account IN (SELECT account_id FROM my_cp0) AND to_account IS NOT NULL
      UNION ALL SELECT to_account, from_account FROM cp_all
      WHERE to_account IN (SELECT account_id FROM my_cp0) AND from_account IS NOT NULL) x
    GROUP BY account_id) WHERE n >= $collector_min),
my_cp AS MATERIALIZED (SELECT account_id FROM my_cp0 WHERE account_id NOT IN (SELECT account_id FROM collectors)),
others AS MATERIALIZED (SELECT ca.case_id, a.* EXCLUDE (alert_id) FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
           WHERE ca.case_id <> $cid),
same_party AS (
  SELECT o.case_id, 'same party ' || o.subject_id AS why FROM others o
  JOIN my_subjects s ON s.subject_type = o.subject_type AND s.subject_id = o.subject_id),
cp_txns AS (
  SELECT * FROM cp_all
  WHERE from_account IN (SELECT account_id FROM my_cp) OR to_account IN (SELECT account_id FROM my_cp)),
cp_in_evidence AS (
  SELECT oe.case_id, 'shared counterparty ' || u.x AS why
  FROM (SELECT case_id, unnest(evidence) AS ev FROM others) oe
  JOIN cp_txns t ON t.txn_id = oe.ev,
  unnest([t.from_account, t.to_account]) AS u(x)
  WHERE u.x IN (SELECT account_id FROM my_cp)),
cp_is_subject AS (
  SELECT o.case_id, 'counterparty ' || ac.account_id || ' is its subject' AS why FROM others o
  JOIN accounts ac ON o.subject_type = 'party' AND ac.party_id = o.subject_id
  WHERE ac.account_id IN (SELECT account_id FROM my_cp)
  UNION ALL
  SELECT o.case_id, 'counterparty ' || o.subject_id || ' is its subject' FROM others o
  WHERE o.subject_type = 'account' AND o.subject_id IN (SELECT account_id FROM my_cp)),
why AS (SELECT * FROM same_party UNION SELECT * FROM cp_in_evidence UNION SELECT * FROM cp_is_subject)
SELECT c.case_id, c.state, c.subject_type, c.subject_id, p.name, c.risk_score, c.typologies,
       list(DISTINCT w.why ORDER BY w.why) AS reasons
FROM why w JOIN cases c ON c.case_id = w.case_id
LEFT JOIN parties p ON c.subject_type = 'party' AND p.party_id = c.subject_id
GROUP BY ALL
ORDER BY len(list(DISTINCT w.why)) DESC, c.risk_score DESC, c.case_id
LIMIT $limit
"""


def related_cases(con: duckdb.DuckDBPyConnection, case_id: str, *, limit: int = 50,
                  rules: LinkRules | None = None) -> list[dict[str, Any]]:
    """Other cases sharing a party or a counterparty with ``case_id`` (module docstring), with
    the reasons; most reasons first."""
    rules = rules or LinkRules.from_settings()
    rows = con.execute(_RELATED, {"cid": case_id, "collector_min": rules.collector_min_counterparties,
                                  "limit": limit}).fetchall()
    cols = ("case_id", "state", "subject_type", "subject_id", "subject_name", "risk_score", "typologies", "reasons")
    out = []
    for r in rows:
        d = dict(zip(cols, r, strict=True))
        d["typologies"] = list(d["typologies"] or [])
        d["reasons"] = list(d["reasons"] or [])
        out.append(d)
    return out
