"""The record of re-grouping: cases merged into others (by the grouping or by an analyst) and
cases split out of others, with the primitives that move alerts between cases.

``case_lineage`` keeps one row per merge or split: the surviving (or original) case, the
other case, the alerts that moved, who, when and why.  A merged case's row leaves ``cases``
(its alerts, notes and dispositions move to the case it joined); its id then answers with
the case it was merged into (:func:`merged_into`).  Every move is also in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from engine import audit
from engine.case_model import OPEN_STATES, _case_row
from engine.errors import NotFound

DDL: list[str] = [
    "CREATE SEQUENCE IF NOT EXISTS case_lineage_seq START 1",
    """CREATE TABLE IF NOT EXISTS case_lineage (
  lineage_id BIGINT PRIMARY KEY,
  kind VARCHAR NOT NULL,
  case_id VARCHAR NOT NULL,
  other_case_id VARCHAR NOT NULL,
  alert_ids VARCHAR[] NOT NULL,
  actor VARCHAR NOT NULL,
  moved_at TIMESTAMP NOT NULL,
  reason VARCHAR NOT NULL
)""",
]

#: kinds of ``case_lineage`` rows: ``other_case_id`` merged into ``case_id`` by the grouping
#: (``regroup``) or by an analyst (``merge``); ``other_case_id`` split out of ``case_id`` (``split``).
KINDS: tuple[str, ...] = ("regroup", "merge", "split")


def record(con: duckdb.DuckDBPyConnection, kind: str, case_id: str, other_case_id: str,
           alert_ids: list[str], actor: str, at: datetime, reason: str) -> int:
    lid = int(con.execute("SELECT nextval('case_lineage_seq')").fetchall()[0][0])
    con.execute(
        "INSERT INTO case_lineage (lineage_id, kind, case_id, other_case_id, alert_ids, actor, moved_at, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [lid, kind, case_id, other_case_id, sorted(alert_ids), actor, at, reason],
    )
    return lid


def case_row(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any]:
    """The case row; for a case merged away, NotFound naming the case it went into."""
    try:
        return _case_row(con, case_id)
    except NotFound:
        target = merged_into(con, case_id)
        if target is not None:
            raise NotFound(f"case {case_id!r} was merged into {target}") from None
        raise


def merged_into(con: duckdb.DuckDBPyConnection, case_id: str) -> str | None:
    """The case ``case_id`` was last merged into (following later merges), or None."""
    seen = {case_id}
    target = None
    while True:
        rows = con.execute(
            "SELECT case_id FROM case_lineage WHERE kind IN ('regroup', 'merge') AND other_case_id = ? "
            "ORDER BY lineage_id DESC LIMIT 1", [case_id]).fetchall()
        if not rows or rows[0][0] in seen:
            return target
        case_id = target = rows[0][0]
        seen.add(case_id)


def history(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict[str, Any]]:
    """Merges and splits that touched ``case_id``, oldest first."""
    return con.sql(
        "SELECT lineage_id, kind, case_id, other_case_id, alert_ids, actor, moved_at, reason FROM case_lineage "
        "WHERE case_id = ? OR other_case_id = ? ORDER BY lineage_id", params=[case_id, case_id],
    ).pl().to_dicts()


def absorbable(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> set[str]:
    """The cases the grouping may merge into another on its own: still ``new``, unassigned,
    with no note or disposition, and never split by an analyst (a split is not undone)."""
    if not case_ids:
        return set()
    rows = con.execute(
        """SELECT c.case_id FROM cases c
           WHERE c.case_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
             AND c.state = 'new' AND c.assignee IS NULL
             AND NOT EXISTS (SELECT 1 FROM case_notes n WHERE n.case_id = c.case_id)
             AND NOT EXISTS (SELECT 1 FROM case_dispositions d WHERE d.case_id = c.case_id)
             AND NOT EXISTS (SELECT 1 FROM case_lineage l WHERE l.kind = 'split'
                             AND (l.case_id = c.case_id OR l.other_case_id = c.case_id))""",
        [case_ids],
    ).fetchall()
    return {r[0] for r in rows}


def move_case_into(con: duckdb.DuckDBPyConnection, target: str, source: str, *, kind: str, actor: str,
                   reason: str, now: datetime) -> list[audit.AuditEvent]:
    """Move every alert, note and disposition of ``source`` into ``target`` and drop ``source``;
    returns the audit events (the caller records them and refreshes ``target``'s scores)."""
    src = con.execute(
        "SELECT case_id, state, subject_type, subject_id, assignee, alert_count, typologies FROM cases "
        "WHERE case_id = ?", [source]).fetchall()[0]
    alert_ids = [r[0] for r in con.execute(
        "SELECT alert_id FROM case_alerts WHERE case_id = ? ORDER BY alert_id", [source]).fetchall()]
    con.execute("UPDATE case_alerts SET case_id = ? WHERE case_id = ?", [target, source])
    con.execute("UPDATE case_notes SET case_id = ? WHERE case_id = ?", [target, source])
    con.execute("UPDATE case_dispositions SET case_id = ? WHERE case_id = ?", [target, source])
    con.execute("DELETE FROM cases WHERE case_id = ?", [source])
    record(con, kind, target, source, alert_ids, actor, now, reason)
    before = {"case_id": src[0], "state": src[1], "subject": f"{src[2]} {src[3]}", "assignee": src[4],
              "alert_count": src[5], "typologies": list(src[6] or [])}
    action = {"regroup": "case.regrouped", "merge": "case.merged"}[kind]
    return [audit.AuditEvent(actor, action, "case", source, before,
                             {"merged_into": target, "alert_ids": alert_ids, "reason": reason})]


def refresh_primary_subject(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> None:
    """Keep each case's primary subject (``cases.subject_*``) while it still has an alert in the
    case; otherwise make it the subject of the case's strongest alert."""
    if not case_ids:
        return
    con.execute(
        """UPDATE cases SET subject_type = top.subject_type, subject_id = top.subject_id
           FROM (SELECT ca.case_id, arg_max(a.subject_type, (a.score, a.alert_id)) AS subject_type,
                        arg_max(a.subject_id, (a.score, a.alert_id)) AS subject_id
                 FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
                 WHERE ca.case_id IN (SELECT unnest(CAST(? AS VARCHAR[]))) GROUP BY ca.case_id) top
           WHERE cases.case_id = top.case_id
             AND NOT EXISTS (SELECT 1 FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
                             WHERE ca.case_id = cases.case_id AND a.subject_type = cases.subject_type
                               AND a.subject_id = cases.subject_id)""",
        [case_ids],
    )


def open_list_sql() -> str:
    return ", ".join(f"'{s}'" for s in OPEN_STATES)
