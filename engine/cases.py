"""Cases: alerts grouped per scheme, their lifecycle, assignment, notes and dispositions.

Grouping (:func:`sync_cases`, run after every scan): an alert not yet in a case joins the
open case of its scheme, the alerts whose subjects are linked (:mod:`engine.case_links`); a
scheme with no open case gets a new case in state ``new``.  A closed case is never reopened
by a new alert.  Analysts merge and split cases (:mod:`engine.case_edit`).

Risk score of a case: per typology, the strongest alert's ``score`` times the typology's
weight (its ``case_weight``, which every scan records in ``typology_catalogue``, see
:mod:`engine.detect.catalogue`; :data:`~engine.detect.typology.DEFAULT_CASE_WEIGHT` for a
typology with no record); then the noisy-or across typologies,
``risk = 1 - prod(1 - w_t * max score_t)``.  Independent typologies pointing at the
same subject raise the risk; many alerts of one typology count once.

Lifecycle (:data:`TRANSITIONS`; roles from :mod:`engine.auth`)::

    new ──▶ in_review ──▶ escalated ──▶ str_filed
               │  ▲            │
               │  └────────────┤ (supervisor sends back)
               ▼               ▼
     closed_false_positive | closed_no_action  ──▶ in_review (supervisor reopens)

Moving into ``str_filed``, ``closed_false_positive`` or ``closed_no_action`` is a
*disposition* and needs a reason; so does escalation.  An analyst's request for one records a *proposal*
(the case stays where it is); a supervisor approves it by making that transition, or
rejects it (:func:`reject_disposition`); a supervisor may also close directly.  Filing an
STR takes four eyes (``Rule.four_eyes``): a supervisor's own request is a proposal too, and
the approver must be someone other than the proposer (403 otherwise).  A
transition the table does not allow raises :class:`~engine.errors.Conflict` (HTTP 409)
naming the allowed targets.  Enrolment tokens (:mod:`engine.auth`) act on no case (403).

Due date: per typology and priority, :mod:`engine.sla`.

Every change is appended to the audit log (:mod:`engine.audit`).

States and transitions live in :mod:`engine.case_model`, grouping in :mod:`engine.case_grouping`,
reading (queue, case page) in :mod:`engine.case_views`; this module makes the changes.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from engine import audit
from engine.auth import User, check_case_actor, get_user
from engine.case_grouping import SyncResult, sync_cases
from engine.case_model import (
    DISPOSITIONS,
    NEEDS_REASON,
    OPEN_STATES,
    STATES,
    TRANSITIONS,
    Rule,
    _case_row,
    allowed_transitions,
    typology_weight,
)
from engine.case_views import (
    CASE_SORTS,
    case_alerts,
    case_graph,
    counterparties,
    evidence_records,
    get_case,
    list_cases,
    subject_profile,
)
from engine.errors import Conflict, CtfmonError
from engine.reports.narrative import DDL as _NARRATIVE_DDL
from engine.store import now_utc, transaction

__all__ = [  # some of these live in modules of their own; named here too
    "CASE_SORTS", "DDL", "DISPOSITIONS", "OPEN_STATES", "STATES", "TRANSITIONS", "Rule", "SyncResult",
    "add_note", "allowed_transitions", "assign", "case_alerts", "case_graph", "counterparties",
    "evidence_records", "get_case", "list_cases", "reject_disposition", "subject_profile", "sync_cases",
    "transition", "typology_weight",
]

log = logging.getLogger(__name__)


DDL: list[str] = [
    "CREATE SEQUENCE IF NOT EXISTS case_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS case_note_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS case_disposition_seq START 1",
    """CREATE TABLE IF NOT EXISTS cases (
  case_id VARCHAR PRIMARY KEY,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  risk_score DOUBLE NOT NULL,
  alert_count INTEGER NOT NULL,
  typologies VARCHAR[] NOT NULL,
  assignee VARCHAR,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  due_at TIMESTAMP NOT NULL,
  closed_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS case_alerts (
  alert_id VARCHAR PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  added_at TIMESTAMP NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS case_alerts_by_case ON case_alerts (case_id)",
    """CREATE TABLE IF NOT EXISTS case_notes (
  note_id BIGINT PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  author VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  text VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS case_dispositions (
  disposition_id BIGINT PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  from_state VARCHAR NOT NULL,
  to_state VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  proposed_by VARCHAR NOT NULL,
  proposed_at TIMESTAMP NOT NULL,
  status VARCHAR NOT NULL,
  decided_by VARCHAR,
  decided_at TIMESTAMP,
  decision_reason VARCHAR
)""",
    *_NARRATIVE_DDL,  # the STR narrative drafts of a case (engine.reports.narrative)
]


# --------------------------------------------------------------------------- grouping


# --------------------------------------------------------------------------- reading


# --------------------------------------------------------------------------- changes
def _pending(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any] | None:
    rows = con.sql(
        "SELECT * FROM case_dispositions WHERE case_id = ? AND status = 'pending'",
        params=[case_id],
    ).pl().to_dicts()
    return rows[0] if rows else None


def transition(
    con: duckdb.DuckDBPyConnection, case_id: str, to: str, reason: str, user: User
) -> dict[str, Any]:
    """Move a case (or record a proposal); returns {"outcome": "moved"|"proposed", "case": ...}."""
    if to not in STATES:
        raise CtfmonError(f"unknown case state {to!r}; expected one of {', '.join(STATES)}",
                          http_status=422)
    check_case_actor(user, "case.propose")
    reason = (reason or "").strip()
    with transaction(con):
        case = _case_row(con, case_id)
        frm = case["state"]
        rule = TRANSITIONS.get((frm, to))
        if rule is None:
            allowed = ", ".join(allowed_transitions(frm)) or "none (final state)"
            raise Conflict(f"case {case_id} is {frm}: cannot move to {to}; allowed: {allowed}")
        if to in DISPOSITIONS and not reason:
            raise CtfmonError(f"moving case {case_id} to {to} needs a reason", http_status=422)
        if to in NEEDS_REASON and not reason:
            raise CtfmonError(f"escalating case {case_id} needs a reason: say why it is escalated",
                              http_status=422)
        if frm in DISPOSITIONS and not reason:
            raise CtfmonError(f"reopening case {case_id} needs a reason", http_status=422)
        now = now_utc()
        pending = _pending(con, case_id)
        decides = user.role in rule.direct
        if decides and rule.four_eyes:
            if pending is not None and pending["to_state"] == to and pending["proposed_by"] == user.name:
                raise CtfmonError(
                    f"{user.name} proposed moving case {case_id} to {to} and cannot also approve it: "
                    "the approver must be someone else (four eyes)", http_status=403)
            if pending is not None and pending["to_state"] != to:
                raise Conflict(
                    f"case {case_id} has a pending proposal to {pending['to_state']} by {pending['proposed_by']}; "
                    "approve or reject it before proposing another disposition")
            decides = pending is not None  # alone, a supervisor's request is a proposal
        if decides:
            changes: dict[str, Any] = {"state": to, "updated_at": now}
            changes["closed_at"] = now if to in DISPOSITIONS else None
            if to == "in_review" and case["assignee"] is None:
                changes["assignee"] = user.name
            sets = ", ".join(f"{k} = ?" for k in changes)
            con.execute(f"UPDATE cases SET {sets} WHERE case_id = ?", [*changes.values(), case_id])
            events = [audit.AuditEvent(
                user.name, "case.transition", "case", case_id,
                {"state": frm, "assignee": case["assignee"]},
                {"state": to, "assignee": changes.get("assignee", case["assignee"]), "reason": reason},
            )]
            if pending is not None:
                status = "approved" if pending["to_state"] == to else "superseded"
                con.execute(
                    "UPDATE case_dispositions SET status = ?, decided_by = ?, decided_at = ?, "
                    "decision_reason = ? WHERE disposition_id = ?",
                    [status, user.name, now, reason, pending["disposition_id"]],
                )
                events.append(audit.AuditEvent(
                    user.name, f"disposition.{status}", "case", case_id,
                    {"disposition_id": pending["disposition_id"], "status": "pending",
                     "to_state": pending["to_state"]},
                    {"disposition_id": pending["disposition_id"], "status": status},
                ))
            elif to in DISPOSITIONS:
                did = _next_id(con, "case_disposition_seq")
                con.execute(
                    "INSERT INTO case_dispositions VALUES (?, ?, ?, ?, ?, ?, ?, 'approved', ?, ?, ?)",
                    [did, case_id, frm, to, reason, user.name, now, user.name, now, reason],
                )
                events.append(audit.AuditEvent(
                    user.name, "disposition.decided", "case", case_id, None,
                    {"disposition_id": did, "to_state": to, "reason": reason},
                ))
            audit.record_many(con, events)
            outcome = "moved"
        elif user.role in rule.propose or user.role in rule.direct:
            if pending is not None:
                raise Conflict(
                    f"case {case_id} already has a pending proposal to {pending['to_state']} by "
                    f"{pending['proposed_by']}; a supervisor must approve or reject it first"
                )
            did = _next_id(con, "case_disposition_seq")
            con.execute(
                "INSERT INTO case_dispositions VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)",
                [did, case_id, frm, to, reason, user.name, now],
            )
            con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
            audit.record(con, audit.AuditEvent(
                user.name, "disposition.propose", "case", case_id, None,
                {"disposition_id": did, "from_state": frm, "to_state": to, "reason": reason},
            ))
            outcome = "proposed"
        else:
            who = ", ".join(sorted(rule.direct | rule.propose))
            raise CtfmonError(
                f"role {user.role} may not move case {case_id} from {frm} to {to}; allowed for: {who}",
                http_status=403,
            )
    log.info("case %s: %s %s -> %s by %s", case_id, outcome, frm, to, user.name)
    return {"outcome": outcome, "case": get_case(con, case_id, full=False)}


def reject_disposition(con: duckdb.DuckDBPyConnection, case_id: str, reason: str, user: User) -> dict[str, Any]:
    """A supervisor rejects the case's pending disposition proposal."""
    if user.role not in ("supervisor",):
        raise CtfmonError(f"role {user.role} may not reject dispositions; supervisor only", http_status=403)
    check_case_actor(user, "case.approve")
    reason = (reason or "").strip()
    if not reason:
        raise CtfmonError("rejecting a disposition needs a reason", http_status=422)
    with transaction(con):
        _case_row(con, case_id)
        pending = _pending(con, case_id)
        if pending is None:
            raise Conflict(f"case {case_id} has no pending disposition proposal")
        now = now_utc()
        con.execute(
            "UPDATE case_dispositions SET status = 'rejected', decided_by = ?, decided_at = ?, "
            "decision_reason = ? WHERE disposition_id = ?",
            [user.name, now, reason, pending["disposition_id"]],
        )
        con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
        audit.record(con, audit.AuditEvent(
            user.name, "disposition.rejected", "case", case_id,
            {"disposition_id": pending["disposition_id"], "status": "pending"},
            {"disposition_id": pending["disposition_id"], "status": "rejected", "reason": reason},
        ))
    return get_case(con, case_id, full=False)


def assign(con: duckdb.DuckDBPyConnection, case_id: str, assignee: str, user: User) -> dict[str, Any]:
    """Assign an open case to an active analyst or supervisor."""
    check_case_actor(user, "case.assign")
    target = get_user(con, assignee)
    if not target["active"] or target["role"] not in ("analyst", "supervisor"):
        raise CtfmonError(
            f"cannot assign to {assignee!r} (role {target['role']}): cases go to active analysts "
            "or supervisors", http_status=422,
        )
    with transaction(con):
        case = _case_row(con, case_id)
        if case["state"] not in OPEN_STATES:
            raise Conflict(f"case {case_id} is {case['state']}: only open cases "
                           f"({', '.join(OPEN_STATES)}) can be assigned")
        con.execute("UPDATE cases SET assignee = ?, updated_at = ? WHERE case_id = ?",
                    [assignee, now_utc(), case_id])
        audit.record(con, audit.AuditEvent(
            user.name, "case.assign", "case", case_id, {"assignee": case["assignee"]},
            {"assignee": assignee},
        ))
    return get_case(con, case_id, full=False)


def add_note(con: duckdb.DuckDBPyConnection, case_id: str, text: str, user: User) -> dict[str, Any]:
    check_case_actor(user, "case.work")
    text = (text or "").strip()
    if not text:
        raise CtfmonError("a note needs text", http_status=422)
    with transaction(con):
        _case_row(con, case_id)
        nid = _next_id(con, "case_note_seq")
        now = now_utc()
        con.execute("INSERT INTO case_notes VALUES (?, ?, ?, ?, ?)", [nid, case_id, user.name, now, text])
        con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
        audit.record(con, audit.AuditEvent(
            user.name, "case.note", "case", case_id, None, {"note_id": nid, "text": text},
        ))
    return {"note_id": nid, "author": user.name, "created_at": now, "text": text}


def _next_id(con: duckdb.DuckDBPyConnection, seq: str) -> int:
    return int(con.execute(f"SELECT nextval('{seq}')").fetchall()[0][0])
