"""What the changes of one loaded list version caused, for an analyst to act on (the page
``/ui/lists``, ``GET /screening/lists/{version_id}/changes``, ``ctfmon lists changes``).

For a version loaded over an earlier one (:mod:`engine.screening.changes` recorded its new,
amended and removed entries), each change with the entry's name, its listing date, the alerts
it raised (typology, subject, score, the matched payments split into those before and those on
or after the listing, and the case each alert is in) and the open cases it flagged for review.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from engine.errors import NotFound

_ORDER = {"new": 0, "amended": 1, "removed": 2}


def version_row(con: duckdb.DuckDBPyConnection, version_id: int) -> dict[str, Any]:
    rows = con.execute(
        "SELECT version_id, list_name, source_format, file, loaded_at, entries, active FROM screening_list_versions "
        "WHERE version_id = ?", [version_id]).fetchall()
    if not rows:
        raise NotFound(f"no list version {version_id}; see `ctfmon lists show`")
    keys = ("version_id", "list_name", "source_format", "file", "loaded_at", "entries", "active")
    return dict(zip(keys, rows[0], strict=True))


def _names(con: duckdb.DuckDBPyConnection, version_ids: list[int]) -> dict[str, str]:
    rows = con.execute(
        "SELECT reference, any_value(name) FROM screening_names WHERE version_id IN (SELECT UNNEST(?)) "
        "AND kind = 'primary' GROUP BY reference", [version_ids]).fetchall()
    return {r[0]: r[1] for r in rows}


def _alerts(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = con.execute(
        """SELECT a.alert_id, a.typology_id, a.subject_type, a.subject_id, a.score, a.details,
                  (SELECT min(ca.case_id) FROM case_alerts ca WHERE ca.alert_id = a.alert_id) AS case_id
           FROM alerts a WHERE a.alert_id IN (SELECT UNNEST(?))""", [ids]).fetchall()
    out = {}
    for aid, tid, st, sid, score, details, case_id in rows:
        d = json.loads(details) if details else {}
        after = d.get("payments_after_listing", [])
        before = d.get("payments_before_listing", [])
        out[aid] = {
            "alert_id": aid, "typology_id": tid, "subject_type": st, "subject_id": sid, "score": float(score),
            "query_name": d.get("query_name"), "matched_name": d.get("matched_name"),
            "payments_after_listing": len(after), "payments_before_listing": len(before),
            "total_after_listing": float(d.get("total_after_listing", 0.0) or 0.0),
            "total_before_listing": float(d.get("total_before_listing", 0.0) or 0.0),
            "declarations_after_listing": int(d.get("declarations_after_listing", 0) or 0),
            "declarations_before_listing": int(d.get("declarations_before_listing", 0) or 0),
            "case_id": case_id,
        }
    return out


def version_changes(con: duckdb.DuckDBPyConnection, version_id: int) -> dict[str, Any]:
    """The version, the one it replaced and its changes with what each caused (see the module
    docstring); ``recorded`` is false when the version was not loaded over another."""
    v = version_row(con, version_id)
    rows = con.execute(
        "SELECT previous_version_id, reference, change, fields, listed_on, alert_ids, case_ids "
        "FROM screening_list_changes WHERE version_id = ? ORDER BY reference", [version_id]).fetchall()
    prev = rows[0][0] if rows else None
    names = _names(con, [version_id] + ([prev] if prev is not None else []))
    alerts = _alerts(con, sorted({a for r in rows for a in (r[5] or [])}))
    changes = []
    for _p, ref, change, fields, listed_on, alert_ids, case_ids in rows:
        raised = [alerts[a] for a in sorted(set(alert_ids or [])) if a in alerts]
        changes.append({
            "reference": ref, "name": names.get(ref), "change": change, "fields": list(fields or []),
            "listed_on": str(listed_on) if listed_on else None, "alerts": raised,
            "cases_flagged": sorted(set(case_ids or [])),
            "payments_after_listing": sum(a["payments_after_listing"] for a in raised),
            "total_after_listing": round(sum(a["total_after_listing"] for a in raised), 2),
            "payments_before_listing": sum(a["payments_before_listing"] for a in raised),
            "total_before_listing": round(sum(a["total_before_listing"] for a in raised), 2),
        })
    changes.sort(key=lambda c: (_ORDER.get(c["change"], 9), c["reference"]))
    counts = {k: sum(1 for c in changes if c["change"] == k) for k in ("new", "amended", "removed")}
    return {
        "version": {**v, "loaded_at": str(v["loaded_at"]) if v["loaded_at"] else None},
        "previous_version_id": prev, "recorded": bool(rows), "counts": counts,
        "alerts_raised": sum(len(c["alerts"]) for c in changes),
        "cases_flagged": sorted({x for c in changes for x in c["cases_flagged"]}),
        "changes": changes,
    }


def change_loads(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, Any]]:
    """Per version loaded over another: the version it replaced and how many of each change."""
    rows = con.execute(
        """SELECT version_id, any_value(previous_version_id), count(*) FILTER (WHERE change = 'new'),
                  count(*) FILTER (WHERE change = 'amended'), count(*) FILTER (WHERE change = 'removed'),
                  sum(len(alert_ids)), sum(len(case_ids))
           FROM screening_list_changes GROUP BY version_id""").fetchall()
    return {int(r[0]): {"previous_version_id": r[1], "new": r[2], "amended": r[3], "removed": r[4],
                        "alerts": int(r[5] or 0), "cases_flagged": int(r[6] or 0)} for r in rows}
