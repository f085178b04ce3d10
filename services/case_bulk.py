"""Bulk triage: one action over many cases, each case on its own.

An action is ``assign`` (to an active analyst or supervisor) or ``transition`` (to a state,
with one reason for all; an analyst's disposition becomes a proposal, as on one case).
Each case goes through :func:`engine.cases.assign` / :func:`engine.cases.transition` in its
own database transaction, so each gets its own audit entry, and a case the engine refuses
(wrong state, a pending proposal, a role that may not) is reported with the engine's
reason while the others go ahead.  What applies to every case (the action, the role's
permission, a reason where one is needed, the list of ids) is checked before any case is
touched: then nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from engine import cases
from engine.auth import User
from engine.case_model import DISPOSITIONS, STATES
from engine.errors import CtfmonError

ACTIONS = ("assign", "transition")
MAX_CASES = 500


@dataclass
class BulkResult:
    action: str
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def done(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["ok"]]

    @property
    def refused(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["ok"]]

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "done": len(self.done), "refused": len(self.refused),
                "results": self.results}


def check(case_ids: list[str], action: str, user: User, *, assignee: str | None = None,
          to: str | None = None, reason: str = "") -> list[str]:
    """The distinct case ids in order; CtfmonError for what no single case could change."""
    if not action:
        raise CtfmonError("action: empty; choose what to do with the selected cases", http_status=422)
    if action not in ACTIONS:
        raise CtfmonError(f"action {action!r}: expected one of {', '.join(ACTIONS)}", http_status=422)
    ids = list(dict.fromkeys(c.strip() for c in case_ids if c and c.strip()))
    if not ids:
        raise CtfmonError("case_ids: empty; select at least one case", http_status=422)
    if len(ids) > MAX_CASES:
        raise CtfmonError(f"case_ids: {len(ids)} cases; at most {MAX_CASES} at once", http_status=422)
    if action == "assign":
        if not user.can("case.assign"):
            raise CtfmonError(f"role {user.role} may not assign cases", http_status=403)
        if not (assignee or "").strip():
            raise CtfmonError("assignee: empty; choose someone to assign the cases to", http_status=422)
    else:
        if not user.can("case.propose"):
            raise CtfmonError(f"role {user.role} may not move or propose cases", http_status=403)
        if to not in STATES:
            raise CtfmonError(f"to: {to!r} is not a case state; expected one of {', '.join(STATES)}",
                              http_status=422)
        if to in DISPOSITIONS and not (reason or "").strip():
            raise CtfmonError(f"reason: empty; moving cases to {to} needs a reason", http_status=422)
    return ids


def apply(con: duckdb.DuckDBPyConnection, case_ids: list[str], action: str, user: User, *,
          assignee: str | None = None, to: str | None = None, reason: str = "") -> BulkResult:
    """Apply ``action`` to each case; per case ``{"case_id", "ok", "outcome" | "error", "status"}``."""
    ids = check(case_ids, action, user, assignee=assignee, to=to, reason=reason)
    out = BulkResult(action)
    for cid in ids:
        try:
            if action == "assign":
                case = cases.assign(con, cid, (assignee or "").strip(), user)
                out.results.append({"case_id": cid, "ok": True, "outcome": "assigned", "state": case["state"],
                                    "assignee": case["assignee"]})
            else:
                moved = cases.transition(con, cid, str(to), reason, user)
                out.results.append({"case_id": cid, "ok": True, "outcome": moved["outcome"],
                                    "state": moved["case"]["state"], "assignee": moved["case"]["assignee"]})
        except CtfmonError as exc:
            out.results.append({"case_id": cid, "ok": False, "error": exc.message, "status": exc.http_status})
    return out
