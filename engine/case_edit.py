"""Analysts re-group cases by hand: merge cases into one, split subjects or alerts out of a case.

Both need the ``case.work`` permission (analysts and supervisors) and a reason; both work on
open cases only; both are recorded in ``case_lineage`` (:mod:`engine.case_lineage`) and the
audit log, and the grouping never undoes a split (:func:`engine.case_lineage.absorbable`).

- :func:`merge_cases`: the other cases' alerts, notes and dispositions move into the target,
  whose id stays; the merged cases' ids then answer with the target.  A case with a pending
  disposition proposal is not merged away (decide the proposal first).
- :func:`split_case`: the chosen alerts, and every alert of the chosen subjects, move into a
  new case (state ``new``); at least one alert must stay.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from engine import audit, case_lineage
from engine.auth import User
from engine.case_grouping import _refresh_scores, case_subjects_of
from engine.case_model import OPEN_STATES
from engine.case_views import get_case
from engine.config import get_settings
from engine.errors import Conflict, CtfmonError
from engine.sla import refresh_due_dates
from engine.store import now_utc, transaction


def _check(user: User, reason: str, what: str) -> str:
    if not user.can("case.work"):
        raise CtfmonError(f"role {user.role} may not {what} cases; analysts and supervisors may",
                          http_status=403)
    reason = (reason or "").strip()
    if not reason:
        raise CtfmonError(f"to {what} cases give a reason", http_status=422)
    return reason


def open_case(con: duckdb.DuckDBPyConnection, case_id: str, what: str) -> dict[str, Any]:
    """The case row; 404 naming where a merged case went; 409 unless the case is open."""
    case = case_lineage.case_row(con, case_id)
    if case["state"] not in OPEN_STATES:
        raise Conflict(f"case {case_id} is {case['state']}: only open cases ({', '.join(OPEN_STATES)}) "
                       f"can be {what}")
    return case


def _pending(con: duckdb.DuckDBPyConnection, case_id: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM case_dispositions WHERE case_id = ? AND status = 'pending'",
                            [case_id]).fetchall()[0][0])


def _rescore(con: duckdb.DuckDBPyConnection, case_ids: list[str], now: Any) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _edit_cases AS SELECT unnest(CAST(? AS VARCHAR[])) AS case_id",
                [case_ids])
    _refresh_scores(con, "SELECT case_id FROM _edit_cases", now)
    con.execute("DROP TABLE _edit_cases")


def _summary(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any]:
    r = con.execute("SELECT risk_score, alert_count, typologies FROM cases WHERE case_id = ?", [case_id]).fetchall()[0]
    return {"risk_score": r[0], "alert_count": r[1], "typologies": list(r[2]),
            "subjects": case_subjects_of(con, [case_id]).get(case_id, [])}


def merge_cases(con: duckdb.DuckDBPyConnection, case_id: str, others: list[str], reason: str,
                user: User) -> dict[str, Any]:
    """Merge ``others`` into ``case_id``; returns the merged case (summary)."""
    reason = _check(user, reason, "merge")
    others = list(dict.fromkeys(o.strip() for o in others if o and o.strip()))
    if not others:
        raise CtfmonError(f"name at least one case to merge into {case_id}", http_status=422)
    if case_id in others:
        raise CtfmonError(f"cannot merge case {case_id} with itself", http_status=422)
    with transaction(con):
        open_case(con, case_id, "merged")
        for o in others:
            open_case(con, o, "merged")
            if _pending(con, o):
                raise Conflict(f"case {o} has a pending disposition proposal; a supervisor must decide it "
                               "before the case can be merged away")
        now = now_utc()
        before = _summary(con, case_id)
        events: list[audit.AuditEvent] = []
        for o in others:
            events += case_lineage.move_case_into(con, case_id, o, kind="merge", actor=user.name, reason=reason,
                                                  now=now)
        _rescore(con, [case_id], now)
        events.append(audit.AuditEvent(user.name, "case.merge", "case", case_id, before,
                                       {**_summary(con, case_id), "merged": others, "reason": reason}))
        audit.record_many(con, events)
    return get_case(con, case_id, full=False)


def split_case(con: duckdb.DuckDBPyConnection, case_id: str, *, subjects: list[str] | None = None,
               alert_ids: list[str] | None = None, reason: str, user: User) -> dict[str, Any]:
    """Move ``alert_ids`` and every alert of ``subjects`` (party or account ids) out of
    ``case_id`` into a new case; returns ``{"case": ..., "new_case": ...}`` (summaries)."""
    reason = _check(user, reason, "split")
    subjects = sorted({s.strip() for s in subjects or [] if s and s.strip()})
    alert_ids = sorted({a.strip() for a in alert_ids or [] if a and a.strip()})
    if not subjects and not alert_ids:
        raise CtfmonError(f"choose the subjects or alerts to split out of case {case_id}", http_status=422)
    with transaction(con):
        open_case(con, case_id, "split")
        rows = con.execute(
            """SELECT a.alert_id, a.subject_id FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
               WHERE ca.case_id = ? ORDER BY a.alert_id""", [case_id]).fetchall()
        in_case = {r[0] for r in rows}
        subjects_in = {r[1] for r in rows}
        bad_alerts = [a for a in alert_ids if a not in in_case]
        bad_subjects = [s for s in subjects if s not in subjects_in]
        if bad_alerts or bad_subjects:
            parts = ([f"alerts {', '.join(bad_alerts)}"] if bad_alerts else []) + (
                [f"subjects {', '.join(bad_subjects)}"] if bad_subjects else [])
            raise CtfmonError(f"case {case_id} has no {' and no '.join(parts)}", http_status=422)
        moving = sorted({r[0] for r in rows if r[0] in alert_ids or r[1] in subjects})
        if len(moving) == len(rows):
            raise CtfmonError(f"cannot split every alert out of case {case_id}: at least one must stay",
                              http_status=422)
        now = now_utc()
        before = _summary(con, case_id)
        top = con.execute(
            "SELECT subject_type, subject_id FROM alerts WHERE alert_id IN (SELECT unnest(CAST(? AS VARCHAR[]))) "
            "ORDER BY score DESC, alert_id LIMIT 1", [moving]).fetchall()[0]
        new_id = con.execute("SELECT 'CASE-' || lpad(CAST(nextval('case_seq') AS VARCHAR), 7, '0')").fetchall()[0][0]
        due = now + timedelta(days=get_settings().case_sla_days_by_priority["low"])  # refreshed below
        con.execute(
            """INSERT INTO cases (case_id, subject_type, subject_id, state, risk_score, alert_count, typologies,
                                  assignee, created_at, updated_at, due_at, closed_at)
               VALUES (?, ?, ?, 'new', 0.0, 0, [], NULL, ?, ?, ?, NULL)""",
            [new_id, top[0], top[1], now, now, due])
        con.execute("UPDATE case_alerts SET case_id = ? WHERE alert_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
                    [new_id, moving])
        case_lineage.record(con, "split", case_id, new_id, moving, user.name, now, reason)
        case_lineage.refresh_primary_subject(con, [case_id])
        _rescore(con, [case_id, new_id], now)
        quoted = ", ".join("'" + c.replace("'", "''") + "'" for c in (case_id, new_id))
        refresh_due_dates(con, f"SELECT unnest([{quoted}])")  # engine.sla: priority and typology rules
        audit.record_many(con, [
            audit.AuditEvent(user.name, "case.split", "case", case_id, before,
                             {**_summary(con, case_id), "moved_alerts": moving, "new_case": new_id,
                              "reason": reason}),
            audit.AuditEvent(user.name, "case.create", "case", new_id, None,
                             {**_summary(con, new_id), "split_from": case_id, "reason": reason}),
        ])
    return {"case": get_case(con, case_id, full=False), "new_case": get_case(con, new_id, full=False)}
