"""What a case is: its states and the transitions between them (who may make or propose each),
its row as a dict, and the weight of a typology in its risk score; see :mod:`engine.cases`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from engine.detect.catalogue import case_weights
from engine.detect.typology import DEFAULT_CASE_WEIGHT
from engine.errors import NotFound

STATES: tuple[str, ...] = (
    "new", "in_review", "escalated", "str_filed", "closed_false_positive", "closed_no_action",
)


OPEN_STATES: tuple[str, ...] = ("new", "in_review", "escalated")


DISPOSITIONS: tuple[str, ...] = ("str_filed", "closed_false_positive", "closed_no_action")


#: Moves that need a reason besides the dispositions (and reopening a closed case).
NEEDS_REASON: tuple[str, ...] = ("escalated",)


@dataclass(frozen=True)
class Rule:
    """Who may make a transition directly, and who may only propose it.

    ``four_eyes``: nobody makes it alone.  A request from a ``direct`` role with no pending
    proposal records a proposal; it is made when someone else of a ``direct`` role approves
    it (the approver is never the proposer)."""

    direct: frozenset[str]
    propose: frozenset[str] = frozenset()
    four_eyes: bool = False


_SUP = frozenset({"supervisor"})


_WORK = frozenset({"analyst", "supervisor"})


_ANALYST = frozenset({"analyst"})


#: (from, to) -> Rule.  Anything not listed is an illegal transition (409).
TRANSITIONS: dict[tuple[str, str], Rule] = {
    ("new", "in_review"): Rule(_WORK),
    ("in_review", "escalated"): Rule(_WORK),
    ("in_review", "closed_false_positive"): Rule(_SUP, _ANALYST),
    ("in_review", "closed_no_action"): Rule(_SUP, _ANALYST),
    ("escalated", "in_review"): Rule(_SUP),
    ("escalated", "str_filed"): Rule(_SUP, _ANALYST, four_eyes=True),
    ("escalated", "closed_false_positive"): Rule(_SUP, _ANALYST),
    ("escalated", "closed_no_action"): Rule(_SUP, _ANALYST),
    ("closed_false_positive", "in_review"): Rule(_SUP),
    ("closed_no_action", "in_review"): Rule(_SUP),
}


_CASE_COLS = (
    "case_id", "subject_type", "subject_id", "state", "risk_score", "alert_count", "typologies",
    "assignee", "created_at", "updated_at", "due_at", "closed_at",
)


_CASE_SELECT = ", ".join(f"c.{c}" for c in _CASE_COLS)


def _case_dict(row: tuple[Any, ...], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row read with ``_CASE_SELECT`` (then ``extra`` columns) as a dict."""
    out = dict(zip(_CASE_COLS + extra, row, strict=True))
    out["typologies"] = list(out["typologies"] or [])
    return out


def typology_weight(con: duckdb.DuckDBPyConnection, typology_id: str) -> float:
    """The case weight recorded for ``typology_id`` (the default weight when none is)."""
    return case_weights(con).get(typology_id, DEFAULT_CASE_WEIGHT)


def allowed_transitions(state: str) -> dict[str, dict[str, list[str]]]:
    """Targets reachable from ``state`` with the roles that may make or propose each."""
    return {
        to: {"direct": sorted(rule.direct), "propose": sorted(rule.propose)}
        for (frm, to), rule in TRANSITIONS.items()
        if frm == state
    }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out


def _case_row(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any]:
    rows = con.execute(f"SELECT {_CASE_SELECT} FROM cases c WHERE c.case_id = ?", [case_id]).fetchall()
    if not rows:
        raise NotFound(f"no case {case_id!r}")
    return _case_dict(rows[0])
