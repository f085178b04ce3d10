"""Scans that did not finish: those left ``running`` by a process that ended, and runs that could
not start (stored as failed so that every scheduled run leaves a scan row)."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import timedelta

import duckdb

from engine.store import now_utc, transaction

log = logging.getLogger(__name__)


#: Scans running in this process.  DuckDB lets one process write a database file, so a scan
#: row left ``running`` that is not in this set belongs to a process that has ended.
_ACTIVE_SCANS: set[str] = set()
_ACTIVE_GUARD = threading.Lock()


def mark_interrupted(con: duckdb.DuckDBPyConnection, *, actor: str = "ctfmon") -> list[str]:
    """Mark scans left ``running`` by a process that ended (killed, crashed, power cut) as failed.

    Called when the server starts and before every scan.  Each one gets an error saying it
    was interrupted and an audit entry; returns their ids."""
    from engine import audit

    with _ACTIVE_GUARD:
        active = sorted(_ACTIVE_SCANS)
    rows = con.execute(
        "SELECT scan_id, started_at, triggered_by FROM scans WHERE status = 'running'"
        + (f" AND scan_id NOT IN ({', '.join('?' for _ in active)})" if active else "")
        + " ORDER BY started_at",
        active,
    ).fetchall()
    if not rows:
        return []
    now = now_utc()
    msg = "interrupted: the process running this scan ended before it finished; run the scan again"
    with transaction(con):
        for scan_id, _started, _by in rows:
            con.execute(
                "UPDATE scans SET status = 'failed', finished_at = ?, errors = ? WHERE scan_id = ?",
                [now, json.dumps({"scan": msg}), scan_id],
            )
        audit.record_many(con, [
            audit.AuditEvent(actor, "scan.interrupted", "scan", scan_id, {"status": "running"},
                             {"status": "failed", "error": msg, "started_at": started, "triggered_by": by})
            for scan_id, started, by in rows
        ])
    for scan_id, started, _by in rows:
        log.warning("scan %s (started %s) was left running by a process that ended; marked failed",
                    scan_id, started)
    return [r[0] for r in rows]


def record_failed_scan(
    con: duckdb.DuckDBPyConnection,
    *,
    error: str,
    typology_ids: list[str] | None,
    lookback_days: int | None = None,
    triggered_by: str,
) -> str:
    """Store a scan that could not start (bad stored parameters, unreadable data ...) as failed.

    Scheduled runs call this so that every run leaves a scan row saying why it failed."""
    now = now_utc()
    scan_id = "SC-" + now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    con.execute(
        "INSERT INTO scans (scan_id, started_at, finished_at, as_of, window_start, window_end, typologies, "
        "params, status, counts, timings, errors, triggered_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'failed', '{}', '{}', ?, ?)",
        [scan_id, now, now, now, now - timedelta(days=lookback_days or 0), now, list(typology_ids or []),
         "{}", json.dumps({"scan": error}), triggered_by],
    )
    return scan_id
