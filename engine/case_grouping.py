"""Grouping alerts into cases (:func:`sync_cases`, run after every scan) and the cases' risk
scores; the rules are in the docstring of :mod:`engine.cases`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from engine import audit
from engine.case_model import (
    _CASE_COLS,
    _CASE_SELECT,
    OPEN_STATES,
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


def sync_cases(con: duckdb.DuckDBPyConnection, *, actor: str = "system") -> SyncResult:
    """Put every alert that is not in a case into its subject's open case (or a new one)."""
    now = now_utc()
    due = now + timedelta(days=max(get_settings().case_sla_days_by_priority.values()))  # refined below
    with transaction(con):
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _sync_new AS
               SELECT a.alert_id, a.subject_type, a.subject_id FROM alerts a
               WHERE NOT EXISTS (SELECT 1 FROM case_alerts ca WHERE ca.alert_id = a.alert_id)"""
        )
        n_new = con.execute("SELECT count(*) FROM _sync_new").fetchall()[0][0]
        if n_new == 0:
            con.execute("DROP TABLE _sync_new")
            return SyncResult(0, 0, 0)
        open_list = ", ".join(f"'{s}'" for s in OPEN_STATES)
        open_cases_sql = f"""
            SELECT case_id, subject_type, subject_id FROM (
              SELECT case_id, subject_type, subject_id,
                     ROW_NUMBER() OVER (PARTITION BY subject_type, subject_id
                                        ORDER BY created_at DESC, case_id DESC) AS rn
              FROM cases WHERE state IN ({open_list})) o
            WHERE rn = 1"""
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _sync_joined AS
                SELECT DISTINCT o.case_id FROM _sync_new n
                JOIN ({open_cases_sql}) o
                  ON o.subject_type = n.subject_type AND o.subject_id = n.subject_id"""
        )
        before_rows = con.execute(
            """SELECT c.case_id, c.risk_score, c.alert_count, c.typologies FROM cases c
                JOIN _sync_joined j ON j.case_id = c.case_id ORDER BY c.case_id"""
        ).fetchall()
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _sync_created AS
                SELECT 'CASE-' || lpad(CAST(nextval('case_seq') AS VARCHAR), 7, '0') AS case_id,
                       subject_type, subject_id
                FROM (SELECT DISTINCT n.subject_type, n.subject_id FROM _sync_new n
                      WHERE NOT EXISTS (
                        SELECT 1 FROM ({open_cases_sql}) o
                        WHERE o.subject_type = n.subject_type AND o.subject_id = n.subject_id)) s"""
        )
        con.execute(
            """INSERT INTO cases
               SELECT case_id, subject_type, subject_id, 'new', 0.0, 0, [], NULL, ?, ?, ?, NULL
               FROM _sync_created""",
            [now, now, due],
        )
        con.execute(
            f"""INSERT INTO case_alerts
                SELECT n.alert_id, o.case_id, ? FROM _sync_new n
                JOIN ({open_cases_sql}) o
                  ON o.subject_type = n.subject_type AND o.subject_id = n.subject_id""",
            [now],
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _sync_touched AS
               SELECT case_id FROM _sync_joined UNION SELECT case_id FROM _sync_created"""
        )
        _refresh_scores(con, "SELECT case_id FROM _sync_touched", now)
        refresh_due_dates(con, "SELECT case_id FROM _sync_touched")  # engine.sla: priority and typology
        after_rows = con.execute(
            f"""SELECT {_CASE_SELECT} FROM cases c JOIN _sync_touched t ON t.case_id = c.case_id
                ORDER BY c.case_id"""
        ).fetchall()
        created_ids = {r[0] for r in con.execute("SELECT case_id FROM _sync_created").fetchall()}
        before = {r[0]: {"risk_score": r[1], "alert_count": r[2], "typologies": list(r[3])}
                  for r in before_rows}
        events: list[audit.AuditEvent] = []
        for r in after_rows:
            row = dict(zip(_CASE_COLS, r, strict=True))
            if row["case_id"] in created_ids:
                events.append(audit.AuditEvent(actor, "case.create", "case", row["case_id"], None,
                                               _jsonable(row)))
            else:
                events.append(audit.AuditEvent(
                    actor, "case.alerts_added", "case", row["case_id"], before.get(row["case_id"]),
                    {"risk_score": row["risk_score"], "alert_count": row["alert_count"],
                     "typologies": list(row["typologies"])},
                ))
        audit.record_many(con, events)
        for t in ("_sync_new", "_sync_joined", "_sync_created", "_sync_touched"):
            con.execute(f"DROP TABLE {t}")
    result = SyncResult(int(n_new), len(created_ids), len(before_rows))
    log.info("cases synced: %d alerts, %d cases created, %d joined", *(
        result.alerts_added, result.cases_created, result.cases_joined))
    return result


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
