"""Which alerts belong to one scheme: the linking rules of network cases.

Two alerts are *linked* when the data say their subjects act together:

1. **Shared evidence** -- both name the same transaction, declaration or trade document.
2. **Shared subgraph** -- an account in one alert's subgraph (``details.edges`` from/to,
   ``details.nodes`` ids) is in the other's subgraph, or belongs to the other's subject.
   Accounts are read at party level (an account counts as its owner when the owner is on file).
3. **Transport reference** -- their cash declarations share a ``transport_ref`` on the
   same day (one flight, vessel or vehicle; the same flight number on another day is another
   trip).
4. **Direct transfer** -- an account of one subject and an account of the other exchanged
   money directly inside both alerts' windows (each widened by ``case_link_transfer_days`` on
   each side): the two were active, and dealing with each other, at the same time.

Instances of one pattern (a layering block, a cycle, a fan) give every member the same
evidence and subgraph, so rules 1 and 2 put them together.

What never links (the catalogue's "Everyday activity is not a typology"): a *collector or
distributor* (an account exchanging money with ``case_link_collector_min_counterparties`` or
more distinct accounts on file, or owned by a government or financial institution, or by a
party whose line of business names a biller, utility, payroll bureau...: the readings of
:mod:`engine.detect.everyday`) links nobody through rules 2 and 4, so customers of one biller
or staff of one employer stay apart; and a pair of accounts in a *recurring relationship*
(transacting in ``case_link_recurring_min_months`` or more distinct months on file) is not a
rule-4 link.  Shared counterparties are not a link either: they make cases *related*
(:mod:`engine.case_related`), not one case.

Grouping (:func:`alert_groups`): the connected components of these links are the schemes.
Then the alerts of one subject come together: a subject whose alerts fall in at most one
multi-subject scheme brings all its other alerts into that scheme; a subject in several
schemes keeps each scheme apart (a subject can be in several schemes) and its remaining
alerts form one group of their own.  A subject's alerts are never split across groups
otherwise, so a subject with no linked partner keeps one case, as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb

from engine.config import get_settings
from engine.detect.everyday import COLLECTOR_BUSINESS_WORDS, COLLECTOR_PARTY_TYPES, word_pattern


@dataclass(frozen=True)
class LinkRules:
    """The tunable readings of the linking rules (settings ``CTFMON_CASE_LINK_*``)."""

    transfer_days: int = 0
    recurring_min_months: int = 3
    collector_min_counterparties: int = 100

    @classmethod
    def from_settings(cls) -> LinkRules:
        s = get_settings()
        return cls(s.case_link_transfer_days, s.case_link_recurring_min_months,
                   s.case_link_collector_min_counterparties)


#: ``_link_alerts`` must hold (alert_id, subject_type, subject_id, window_start, window_end,
#: evidence, details) before the statements below run; they leave ``_link_keys(alert_id, key)``.
_PREPARE = """
CREATE OR REPLACE TEMP TABLE _link_subject_accounts AS
SELECT a.alert_id, a.subject_id, ac.account_id, a.window_start, a.window_end
FROM _link_alerts a JOIN accounts ac ON a.subject_type = 'party' AND ac.party_id = a.subject_id
UNION ALL
SELECT alert_id, subject_id, subject_id, window_start, window_end FROM _link_alerts
WHERE subject_type = 'account';

CREATE OR REPLACE TEMP TABLE _link_nodes AS
SELECT DISTINCT alert_id, acc AS account_id FROM (
  SELECT alert_id, unnest(coalesce(json_extract_string(details, '$.edges[*].from'), [])) AS acc FROM _link_alerts
  UNION ALL
  SELECT alert_id, unnest(coalesce(json_extract_string(details, '$.edges[*].to'), [])) FROM _link_alerts
  UNION ALL
  SELECT alert_id, unnest(coalesce(json_extract_string(details, '$.nodes[*].id'), [])) FROM _link_alerts
) n WHERE acc IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _link_accounts AS
SELECT account_id FROM _link_subject_accounts UNION SELECT account_id FROM _link_nodes;

CREATE OR REPLACE TEMP TABLE _link_collectors AS
SELECT account_id FROM (
  SELECT x.account_id, count(DISTINCT x.other) AS n FROM (
    SELECT from_account AS account_id, to_account AS other FROM transactions
    WHERE from_account IN (SELECT account_id FROM _link_accounts) AND to_account IS NOT NULL
    UNION ALL
    SELECT to_account, from_account FROM transactions
    WHERE to_account IN (SELECT account_id FROM _link_accounts) AND from_account IS NOT NULL) x
  GROUP BY x.account_id) c
WHERE n >= $collector_min
UNION
SELECT ac.account_id FROM accounts ac JOIN parties p ON p.party_id = ac.party_id
WHERE ac.account_id IN (SELECT account_id FROM _link_accounts)
  AND (list_contains($collector_types, p.party_type)
       OR ($collector_words IS NOT NULL AND regexp_matches(upper(coalesce(p.occupation, '')), $collector_words)));
"""

_KEYS = """
CREATE OR REPLACE TEMP TABLE _link_keys AS
-- 1. shared evidence
SELECT alert_id, 'E:' || ev AS key FROM (SELECT alert_id, unnest(evidence) AS ev FROM _link_alerts)
UNION
-- 2. shared subgraph: subgraph accounts at party level, and the subject of any alert whose
--    party (or unowned account) is in another alert's subgraph
SELECT alert_id, key FROM (
  WITH node_keys AS (
    SELECT n.alert_id, coalesce('P:' || ac.party_id, 'A:' || n.account_id) AS key FROM _link_nodes n
    LEFT JOIN accounts ac ON ac.account_id = n.account_id
    WHERE n.account_id NOT IN (SELECT account_id FROM _link_collectors))
  SELECT alert_id, key FROM node_keys
  UNION
  SELECT a.alert_id, k.key FROM _link_alerts a
  JOIN (SELECT DISTINCT key FROM node_keys) k
    ON k.key = CASE a.subject_type WHEN 'party' THEN 'P:' ELSE 'A:' END || a.subject_id) s
UNION
-- 3. one transport reference on one day
SELECT e.alert_id, 'T:' || d.transport_ref || '@' || CAST(CAST(d.timestamp AS DATE) AS VARCHAR)
FROM (SELECT alert_id, unnest(evidence) AS ev FROM _link_alerts) e
JOIN cash_declarations d ON d.declaration_id = e.ev
WHERE d.transport_ref IS NOT NULL AND trim(d.transport_ref) <> ''
UNION
-- 4. direct transfers between two subjects inside both alerts' windows
SELECT alert_id, key FROM (
  WITH t AS (
    SELECT txn_id, from_account, to_account, timestamp FROM transactions
    WHERE from_account IN (SELECT account_id FROM _link_subject_accounts)
      AND to_account IN (SELECT account_id FROM _link_subject_accounts)
      AND from_account <> to_account
      AND from_account NOT IN (SELECT account_id FROM _link_collectors)
      AND to_account NOT IN (SELECT account_id FROM _link_collectors)),
  recurring AS (
    SELECT least(from_account, to_account) AS acc_a, greatest(from_account, to_account) AS acc_b
    FROM transactions
    WHERE from_account IN (SELECT account_id FROM _link_subject_accounts)
      AND to_account IN (SELECT account_id FROM _link_subject_accounts)
    GROUP BY 1, 2 HAVING count(DISTINCT date_trunc('month', timestamp)) >= $recurring_min),
  hits AS (
    SELECT t.txn_id, s1.alert_id AS a1, s2.alert_id AS a2 FROM t
    JOIN _link_subject_accounts s1 ON s1.account_id = t.from_account
    JOIN _link_subject_accounts s2 ON s2.account_id = t.to_account
    WHERE s1.subject_id <> s2.subject_id
      AND NOT EXISTS (SELECT 1 FROM recurring r WHERE r.acc_a = least(t.from_account, t.to_account)
                                                  AND r.acc_b = greatest(t.from_account, t.to_account))
      AND t.timestamp BETWEEN s1.window_start - to_days($days) AND s1.window_end + to_days($days)
      AND t.timestamp BETWEEN s2.window_start - to_days($days) AND s2.window_end + to_days($days))
  SELECT a1 AS alert_id, 'X:' || a1 || '|' || a2 AS key FROM hits
  UNION SELECT a2, 'X:' || a1 || '|' || a2 FROM hits) x
"""


def compute_keys(con: duckdb.DuckDBPyConnection, alert_ids_sql: str, rules: LinkRules | None = None) -> None:
    """Fill the temporary table ``_link_keys(alert_id, key)`` for the alerts ``alert_ids_sql``
    selects: alerts sharing a key are linked (the rules of the module docstring)."""
    rules = rules or LinkRules.from_settings()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _link_alerts AS
            SELECT alert_id, subject_type, subject_id, window_start, window_end, evidence, details
            FROM alerts WHERE alert_id IN ({alert_ids_sql})"""
    )
    params = {"collector_min": rules.collector_min_counterparties,
              "collector_types": list(COLLECTOR_PARTY_TYPES),
              "collector_words": word_pattern(COLLECTOR_BUSINESS_WORDS)}
    for stmt in _PREPARE.split(";"):
        if stmt.strip():
            used = {k: v for k, v in params.items() if f"${k}" in stmt}
            con.execute(stmt, used) if used else con.execute(stmt)
    con.execute(_KEYS, {"recurring_min": rules.recurring_min_months, "days": rules.transfer_days})


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for t in ("_link_alerts", "_link_subject_accounts", "_link_nodes", "_link_accounts", "_link_collectors",
              "_link_keys"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        while p != self.parent.setdefault(p, p):
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[x] = p
        return p

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def alert_groups(con: duckdb.DuckDBPyConnection, alert_ids_sql: str,
                 rules: LinkRules | None = None) -> list[list[str]]:
    """The alerts ``alert_ids_sql`` selects, grouped into schemes (module docstring); each
    group sorted, groups in order of their first alert id."""
    compute_keys(con, alert_ids_sql, rules)
    subjects = dict(
        (r[0], f"{r[1]}:{r[2]}") for r in con.execute(
            "SELECT alert_id, subject_type, subject_id FROM _link_alerts").fetchall()
    )
    # keys shared by two or more alerts only
    rows = con.execute(
        """SELECT k.key, k.alert_id FROM _link_keys k
           JOIN (SELECT key FROM _link_keys GROUP BY key HAVING count(DISTINCT alert_id) > 1) s
             ON s.key = k.key ORDER BY k.key, k.alert_id"""
    ).fetchall()
    drop_temp(con)
    uf = _UnionFind()
    for a in subjects:
        uf.find(a)
    first_of_key: dict[str, str] = {}
    for key, alert in rows:
        if key in first_of_key:
            uf.union(first_of_key[key], alert)
        else:
            first_of_key[key] = alert
    # schemes: components over the links, and the subjects in each
    comp_subjects: dict[str, set[str]] = defaultdict(set)
    for a, s in subjects.items():
        comp_subjects[uf.find(a)].add(s)
    by_subject: dict[str, set[str]] = defaultdict(set)
    for a, s in subjects.items():
        by_subject[s].add(uf.find(a))
    final = _UnionFind()
    for _subject, comps in sorted(by_subject.items()):
        schemes = sorted(c for c in comps if len(comp_subjects[c]) > 1)
        solo = sorted(c for c in comps if len(comp_subjects[c]) == 1)
        anchor = schemes[0] if len(schemes) == 1 else (solo[0] if solo else None)
        for c in solo:
            if anchor is not None:
                final.union(anchor, c)
    groups: dict[str, list[str]] = defaultdict(list)
    for a in subjects:
        groups[final.find(uf.find(a))].append(a)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
