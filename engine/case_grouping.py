"""Grouping alerts into cases (:func:`sync_cases`, run after every scan) and the cases' risk
scores; the linking rules are in :mod:`engine.case_links`, the record of re-grouping in
:mod:`engine.case_lineage`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from engine import audit, case_lineage, case_links
from engine.case_model import (
    _CASE_COLS,
    _CASE_SELECT,
    _jsonable,
)
from engine.config import get_settings
from engine.detect.typology import DEFAULT_CASE_WEIGHT
from engine.sla import refresh_due_dates
from engine.store import now_utc, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    alerts_added: int
    cases_created: int
    cases_joined: int
    cases_merged: int = 0


def sync_cases(con: duckdb.DuckDBPyConnection, *, actor: str = "system", regroup: bool = False,
               rules: case_links.LinkRules | None = None) -> SyncResult:
    """Put every alert that is not in a case into the open case of its scheme (or a new one).

    The schemes are :func:`engine.case_links.alert_groups` over the new alerts and the alerts
    of open cases.  A scheme whose alerts are already in open cases keeps the oldest of them
    (its id stays); the new alerts join it, and the other open cases of the scheme are merged
    into it when no analyst has worked on them yet (:func:`engine.case_lineage.absorbable`),
    recorded in ``case_lineage`` and the audit log as ``case.regrouped``.  A scheme with no
    open case gets a new case whose primary subject is that of its strongest alert.  Closed
    cases are never reopened or merged.  ``regroup``: also merge the open cases of schemes that
    have no new alert (once, after upgrading a database grouped per subject).
    """
    now = now_utc()
    due = now + timedelta(days=max(get_settings().case_sla_days_by_priority.values()))  # refined below
    with transaction(con):
        new_ids = [r[0] for r in con.execute(
            """SELECT a.alert_id FROM alerts a
               WHERE NOT EXISTS (SELECT 1 FROM case_alerts ca WHERE ca.alert_id = a.alert_id)
               ORDER BY a.alert_id""").fetchall()]
        if not new_ids and not regroup:
            return SyncResult(0, 0, 0)
        open_list = case_lineage.open_list_sql()
        open_cases = {r[0]: (r[1], r[0]) for r in con.execute(
            f"SELECT case_id, created_at FROM cases WHERE state IN ({open_list})").fetchall()}
        alert_case = dict(con.execute(
            f"""SELECT ca.alert_id, ca.case_id FROM case_alerts ca JOIN cases c ON c.case_id = ca.case_id
                WHERE c.state IN ({open_list})""").fetchall())
        con.execute("CREATE OR REPLACE TEMP TABLE _sync_scope (alert_id VARCHAR)")
        scope = new_ids + list(alert_case)
        if scope:
            con.execute("INSERT INTO _sync_scope SELECT unnest(CAST(? AS VARCHAR[]))", [scope])
        groups = case_links.alert_groups(con, "SELECT alert_id FROM _sync_scope", rules)
        con.execute("DROP TABLE _sync_scope")
        free = case_lineage.absorbable(con, sorted(open_cases))
        new_set = set(new_ids)
        merged: dict[str, str] = {}
        merges: list[tuple[str, str]] = []
        joins: dict[str, list[str]] = {}
        creates: list[list[str]] = []

        def resolve(c: str) -> str:
            while c in merged:
                c = merged[c]
            return c

        for g in groups:
            news = [a for a in g if a in new_set]
            if not news and not regroup:
                continue
            found = sorted({resolve(alert_case[a]) for a in g if a in alert_case}, key=lambda c: open_cases[c])
            if not found:
                creates.append(news)
                continue
            host = found[0]
            for other in found[1:]:
                if other in free:
                    merged[other] = host
                    merges.append((host, other))
            if news:
                joins.setdefault(host, []).extend(news)
        resolved: dict[str, list[str]] = {}
        for c, alerts in joins.items():  # a host merged later passes its new alerts on
            resolved.setdefault(resolve(c), []).extend(alerts)
        joins = resolved
        touched = sorted(set(joins) | {h for h, _ in merges})
        before = {r[0]: {"risk_score": r[1], "alert_count": r[2], "typologies": list(r[3])}
                  for r in con.execute(
                      "SELECT case_id, risk_score, alert_count, typologies FROM cases "
                      "WHERE case_id IN (SELECT unnest(CAST(? AS VARCHAR[])))", [touched]).fetchall()}
        events: list[audit.AuditEvent] = []
        for host, other in merges:
            events += case_lineage.move_case_into(
                con, resolve(host), other, kind="regroup", actor=actor, now=now,
                reason="linked by the grouping rules (shared evidence, subgraph, transport or transfers)")
        created_ids: list[str] = []
        if creates:
            info = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
                "SELECT alert_id, subject_type, subject_id, score FROM alerts "
                "WHERE alert_id IN (SELECT unnest(CAST(? AS VARCHAR[])))", [[a for g in creates for a in g]]).fetchall()}
            seq = [r[0] for r in con.execute(
                "SELECT 'CASE-' || lpad(CAST(nextval('case_seq') AS VARCHAR), 7, '0') FROM range(?) ORDER BY 1",
                [len(creates)]).fetchall()]
            tops = []
            for cid, news in zip(seq, creates, strict=True):
                best = min(news, key=lambda a: (-info[a][2], a))  # strongest alert; ties by id
                tops.append(info[best][:2])
                joins[cid] = news
                created_ids.append(cid)
            con.execute(
                """INSERT INTO cases (case_id, subject_type, subject_id, state, risk_score, alert_count, typologies,
                                      assignee, created_at, updated_at, due_at, closed_at)
                   SELECT unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS VARCHAR[])),
                          'new', 0.0, 0, [], NULL, ?, ?, ?, NULL""",
                [seq, [t[0] for t in tops], [t[1] for t in tops], now, now, due],
            )
        rows = [(a, c) for c, alerts in joins.items() for a in alerts]
        if rows:
            con.execute(
                "INSERT INTO case_alerts (alert_id, case_id, added_at) "
                "SELECT unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS VARCHAR[])), ?",
                [[r[0] for r in rows], [r[1] for r in rows], now],
            )
        all_touched = sorted(set(touched) | set(created_ids))
        con.execute("CREATE OR REPLACE TEMP TABLE _sync_touched AS SELECT unnest(CAST(? AS VARCHAR[])) AS case_id",
                    [all_touched])
        _refresh_scores(con, "SELECT case_id FROM _sync_touched", now)
        refresh_due_dates(con, "SELECT case_id FROM _sync_touched")  # engine.sla: priority and typology
        after_rows = con.execute(
            f"""SELECT {_CASE_SELECT} FROM cases c JOIN _sync_touched t ON t.case_id = c.case_id
                ORDER BY c.case_id"""
        ).fetchall()
        con.execute("DROP TABLE _sync_touched")
        subjects = case_subjects_of(con, all_touched)
        created = set(created_ids)
        for r in after_rows:
            row = dict(zip(_CASE_COLS, r, strict=True))
            cid = row["case_id"]
            if cid in created:
                events.append(audit.AuditEvent(actor, "case.create", "case", cid, None,
                                               {**_jsonable(row), "subjects": subjects.get(cid, [])}))
            else:
                events.append(audit.AuditEvent(
                    actor, "case.alerts_added", "case", cid, before.get(cid),
                    {"risk_score": row["risk_score"], "alert_count": row["alert_count"],
                     "typologies": list(row["typologies"]), "subjects": subjects.get(cid, []),
                     "alerts_added": sorted(joins.get(cid, [])),
                     "absorbed": sorted(o for h, o in merges if resolve(h) == cid)},
                ))
        audit.record_many(con, events)
    result = SyncResult(len(new_ids), len(created_ids), len([c for c in joins if c not in created]),
                        len(merges))
    log.info("cases synced: %d alerts, %d cases created, %d joined, %d merged", *(
        result.alerts_added, result.cases_created, result.cases_joined, result.cases_merged))
    return result


def case_subjects_of(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> dict[str, list[str]]:
    """``case_id -> ["party P1", ...]``: the distinct subjects of each case's alerts."""
    out: dict[str, list[str]] = {}
    for cid, subject in con.execute(
        """SELECT DISTINCT ca.case_id, a.subject_type || ' ' || a.subject_id FROM case_alerts ca
           JOIN alerts a ON a.alert_id = ca.alert_id
           WHERE ca.case_id IN (SELECT unnest(CAST(? AS VARCHAR[]))) ORDER BY 1, 2""", [case_ids]
    ).fetchall():
        out.setdefault(cid, []).append(subject)
    return out


def _refresh_scores(con: duckdb.DuckDBPyConnection, case_ids_sql: str, now: datetime) -> None:
    """Recompute risk, alert count and typologies of the cases ``case_ids_sql`` selects."""
    con.execute(
        f"""UPDATE cases SET risk_score = agg.risk, alert_count = agg.n, typologies = agg.typs,
                             updated_at = ?
            FROM (
              SELECT case_id,
                     1 - exp(sum(ln(1 - least(m, 0.999999)))) AS risk,
                     CAST(sum(n) AS INTEGER) AS n,
                     list(typology_id ORDER BY typology_id) AS typs
              FROM (
                SELECT ca.case_id, a.typology_id,
                       max(a.score * COALESCE(tc.case_weight, ?)) AS m, count(*) AS n
                FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
                LEFT JOIN typology_catalogue tc ON tc.typology_id = a.typology_id
                WHERE ca.case_id IN ({case_ids_sql})
                GROUP BY ca.case_id, a.typology_id) per_typology
              GROUP BY case_id) agg
            WHERE cases.case_id = agg.case_id""",
        [now, DEFAULT_CASE_WEIGHT],
    )
