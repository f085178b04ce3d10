"""The STR narrative: the ``<reason>`` of a goAML report, drafted from the case and edited by a
supervisor before export.

:func:`draft` returns the latest saved version of a case's narrative, or (version 0) the text
generated from the case: its subject, risk, typologies and each alert's explanation.  A
supervisor saves an edited text with :func:`save`: every save is a new numbered version (none
is overwritten) and writes a ``report.narrative`` audit entry with the text before and after.
The export (:mod:`engine.reports.goaml`) uses the latest saved version, else the generated one,
and its audit entry names the version used.
"""

from __future__ import annotations

from typing import Any

import duckdb

from engine import audit
from engine.auth import User, check_case_actor
from engine.errors import CtfmonError
from engine.store import now_utc, transaction

#: The goAML ``reason`` field holds at most this many characters.
MAX_CHARS = 8000

#: Cases whose narrative may be edited: those an STR is exported for.
EDITABLE_STATES: tuple[str, ...] = ("escalated", "str_filed")

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS str_narratives (
  case_id VARCHAR NOT NULL,
  version INTEGER NOT NULL,
  text VARCHAR NOT NULL,
  author VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (case_id, version)
)""",
]


def generated(case: dict[str, Any], subject_name: str) -> str:
    """The narrative drafted from a case (with its alerts) and its subject's name."""
    lines = [
        f"Case {case['case_id']} (risk {case['risk_score']:.2f}, typologies "
        f"{', '.join(case['typologies']) or 'none'}): subject {subject_name} "
        f"({case['subject_type']} {case['subject_id']})."
    ]
    for a in case["alerts"]:
        lines.append(f"- {a['typology_id']} (score {a['score']:.2f}): {a['explanation']}")
    text = "\n".join(lines)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 10] + " [...]"


def _subject_name(con: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> str:
    if case["subject_type"] == "party":
        rows = con.execute("SELECT name FROM parties WHERE party_id = ?", [case["subject_id"]]).fetchall()
        if rows and rows[0][0]:
            return str(rows[0][0])
    return str(case["subject_id"])


def versions(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict[str, Any]]:
    """Saved versions of a case's narrative, oldest first."""
    rows = con.execute("SELECT version, text, author, created_at FROM str_narratives WHERE case_id = ? "
                       "ORDER BY version", [case_id]).fetchall()
    return [{"version": int(r[0]), "text": r[1], "author": r[2], "created_at": r[3]} for r in rows]


def draft(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any]:
    """The narrative an export would use now: the latest saved version, or the generated draft
    (version 0, ``generated`` true); with every saved version."""
    from engine.cases import get_case

    case = get_case(con, case_id, full=False)
    saved = versions(con, case_id)
    base = {"case_id": case_id, "state": case["state"], "editable": case["state"] in EDITABLE_STATES,
            "versions": saved}
    if saved:
        last = saved[-1]
        return {**base, "version": last["version"], "text": last["text"], "author": last["author"],
                "created_at": last["created_at"], "generated": False}
    full = get_case(con, case_id)
    return {**base, "version": 0, "text": generated(full, _subject_name(con, case)), "author": None,
            "created_at": None, "generated": True}


def save(con: duckdb.DuckDBPyConnection, case_id: str, text: str, user: User) -> dict[str, Any]:
    """Save an edited narrative as the next version (supervisor; audited)."""
    check_case_actor(user, "report.file")
    text = (text or "").strip()
    if not text:
        raise CtfmonError("the STR narrative needs text", http_status=422)
    if len(text) > MAX_CHARS:
        raise CtfmonError(f"the STR narrative has {len(text):,} characters; goAML's reason holds at most "
                          f"{MAX_CHARS:,}", http_status=422)
    with transaction(con):
        before = draft(con, case_id)
        if not before["editable"]:
            raise CtfmonError(f"case {case_id} is {before['state']}: the STR narrative is edited for "
                              f"{' or '.join(EDITABLE_STATES)} cases", http_status=409)
        version = (before["versions"][-1]["version"] if before["versions"] else 0) + 1
        con.execute("INSERT INTO str_narratives VALUES (?, ?, ?, ?, ?)", [case_id, version, text, user.name, now_utc()])
        audit.record(con, audit.AuditEvent(
            user.name, "report.narrative", "case", case_id,
            {"version": before["version"], "text": before["text"], "generated": before["generated"]},
            {"version": version, "text": text},
        ))
    return draft(con, case_id)
