"""Scheduled scans with APScheduler, persisted so they survive a restart.

Schedules live in the ``schedules`` table (the source of truth); the in-process
:class:`ScheduleService` (an APScheduler ``BackgroundScheduler``) is rebuilt from it when
the server starts and kept in step by every create/update/delete.

Each run calls the scan runner the service was handed (the layer above passes
``services.scans.run_scheduled``: scan, case sync and its ``scan.run`` audit entry; the engine
does not import the services) with ``actor="schedule:<id>"`` over the typology catalogue the
service was given, and records its outcome on the schedule row and in the audit log
(``schedule.run``).  A run that cannot
even start a scan (parameters stored by an older version that no longer validate, an
unreadable table ...) is stored as a failed scan with its reason, so every run leaves a scan
row.

Overlap: two runs of one schedule never overlap — the job has ``max_instances=1`` and the
run itself holds a per-schedule lock (a run that finds the lock taken is skipped and
logged).  All writers in the serve process share one write lock (:class:`SharedDatabase`),
so a scheduled scan and API writes are serialised; API reads continue meanwhile
(:mod:`engine.shared_db`). Triggers are built and checked in :mod:`engine.schedule_triggers`.

Missed runs (server down, or busy past the fire time): a run missed by at most
``CTFMON_SCHEDULE_MISFIRE_GRACE_SECONDS`` (default 3600) still runs once when the
scheduler gets to it; older misses are dropped.  ``coalesce=True``: several missed fire
times collapse into one run.  Nothing is replayed across a restart beyond that: on start
each schedule's next fire time is computed from now.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC
from typing import Any

import duckdb
from apscheduler.schedulers.background import BackgroundScheduler

from engine import audit
from engine.cases import SyncResult
from engine.config import get_settings
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError, NotFound
from engine.scan import ScanResult
from engine.schedule_triggers import TRIGGERS, build_trigger, cron_trigger, crontab_weekdays
from engine.shared_db import SharedDatabase
from engine.store import now_utc, transaction

__all__ = [  # the triggers and the shared database live in their own modules; named here too
    "DDL", "TRIGGERS", "ScanRunner", "ScheduleService", "SharedDatabase", "build_trigger", "create_schedule",
    "cron_trigger", "crontab_weekdays", "delete_schedule", "get_schedule", "list_schedules", "update_schedule",
]

log = logging.getLogger(__name__)

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS schedules (
  schedule_id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  trigger VARCHAR NOT NULL,
  cron VARCHAR,
  interval_seconds BIGINT,
  typology_ids VARCHAR[],
  lookback_days INTEGER,
  enabled BOOLEAN NOT NULL,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  last_run_at TIMESTAMP,
  last_scan_id VARCHAR,
  last_status VARCHAR,
  last_error VARCHAR
)""",
]

_COLS = (
    "schedule_id", "name", "trigger", "cron", "interval_seconds", "typology_ids", "lookback_days",
    "enabled", "created_by", "created_at", "updated_at", "last_run_at", "last_scan_id",
    "last_status", "last_error",
)
#: What a scheduled run calls: ``runner(con, catalogue, lookback_days=, typology_ids=, actor=)``
#: scans, syncs cases and audits the scan, returning the scan and the case sync.
ScanRunner = Callable[..., tuple[ScanResult, SyncResult]]

_EDITABLE = ("name", "trigger", "cron", "interval_seconds", "typology_ids", "lookback_days", "enabled")


def _validate(spec: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    name = (spec.get("name") or "").strip()
    if not name or len(name) > 200:
        raise CtfmonError("a schedule needs a name (1-200 characters)", http_status=422)
    spec = {**spec, "name": name}
    build_trigger(spec)
    if spec["trigger"] == "cron":
        spec["interval_seconds"] = None
    else:
        spec["cron"] = None
    lb = spec.get("lookback_days")
    if lb is not None and (not isinstance(lb, int) or lb < 1 or lb > 3650):
        raise CtfmonError(f"lookback_days {lb!r}: expected 1 to 3650", http_status=422)
    ids = spec.get("typology_ids")
    if ids:
        for tid in ids:
            catalogue.typology(tid)
    spec["typology_ids"] = list(ids) if ids else None
    spec["enabled"] = bool(spec.get("enabled", True))
    return spec


def _check_params(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, typology_ids: list[str] | None) -> None:
    """Refuse a schedule whose typologies' stored parameters do not validate (every run would fail)."""
    from engine import scan

    for typ in catalogue.select(typology_ids):
        try:
            scan.resolve_params(con, typ)
        except CtfmonError as exc:
            raise CtfmonError(
                f"{exc.message}; fix it with an approved change (`ctfmon typologies set {typ.id} NAME=VALUE "
                "--reason ...`, or `NAME=default`) before scheduling it", http_status=422,
            ) from None


# --------------------------------------------------------------------------- storage
def _row(r: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(_COLS, r, strict=True))
    d["typology_ids"] = list(d["typology_ids"]) if d["typology_ids"] is not None else None
    return d


def list_schedules(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(f"SELECT {', '.join(_COLS)} FROM schedules ORDER BY created_at, schedule_id").fetchall()
    return [_row(r) for r in rows]


def get_schedule(con: duckdb.DuckDBPyConnection, schedule_id: str) -> dict[str, Any]:
    rows = con.execute(f"SELECT {', '.join(_COLS)} FROM schedules WHERE schedule_id = ?", [schedule_id]).fetchall()
    if not rows:
        raise NotFound(f"no schedule {schedule_id!r}")
    return _row(rows[0])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def create_schedule(con: duckdb.DuckDBPyConnection, spec: dict[str, Any], *, actor: str,
                    catalogue: Catalogue) -> dict[str, Any]:
    """Store a new schedule; its typology ids must be in ``catalogue``."""
    s = _validate(spec, catalogue)
    if s["enabled"]:
        _check_params(con, catalogue, s["typology_ids"])
    sid = "SCH-" + secrets.token_hex(4)
    now = now_utc()
    with transaction(con):
        con.execute(
            f"INSERT INTO schedules ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",
            [sid, s["name"], s["trigger"], s.get("cron"), s.get("interval_seconds"), s["typology_ids"],
             s.get("lookback_days"), s["enabled"], actor, now, now, None, None, None, None],
        )
        row = get_schedule(con, sid)
        audit.record(con, audit.AuditEvent(actor, "schedule.create", "schedule", sid, None, _public(row)))
    log.info("schedule %s created by %s", sid, actor)
    return row


def update_schedule(
    con: duckdb.DuckDBPyConnection, schedule_id: str, changes: dict[str, Any], *, actor: str, catalogue: Catalogue
) -> dict[str, Any]:
    with transaction(con):
        before = get_schedule(con, schedule_id)
        merged = {**{k: before[k] for k in _EDITABLE}, **{k: v for k, v in changes.items() if k in _EDITABLE}}
        s = _validate(merged, catalogue)
        if s["enabled"]:
            _check_params(con, catalogue, s["typology_ids"])
        sets = ", ".join(f"{k} = ?" for k in _EDITABLE)
        con.execute(
            f"UPDATE schedules SET {sets}, updated_at = ? WHERE schedule_id = ?",
            [*(s.get(k) for k in _EDITABLE), now_utc(), schedule_id],
        )
        after = get_schedule(con, schedule_id)
        audit.record(con, audit.AuditEvent(
            actor, "schedule.update", "schedule", schedule_id, _public(before), _public(after)))
    return after


def delete_schedule(con: duckdb.DuckDBPyConnection, schedule_id: str, *, actor: str) -> None:
    with transaction(con):
        before = get_schedule(con, schedule_id)
        con.execute("DELETE FROM schedules WHERE schedule_id = ?", [schedule_id])
        audit.record(con, audit.AuditEvent(actor, "schedule.delete", "schedule", schedule_id,
                                           _public(before), None))


# --------------------------------------------------------------------------- running
class ScheduleService:
    """The scheduler inside the serve process; its scans run the typologies of ``catalogue``
    through ``run_scan`` (:data:`ScanRunner`)."""

    def __init__(self, db: SharedDatabase, catalogue: Catalogue, run_scan: ScanRunner, *,
                 misfire_grace_seconds: int | None = None) -> None:
        self.db = db
        self.catalogue = catalogue
        self.run_scan = run_scan
        self.grace = misfire_grace_seconds or get_settings().schedule_misfire_grace_seconds
        self.scheduler = self._new_scheduler()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _new_scheduler(self) -> BackgroundScheduler:
        return BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.grace},
        )

    # lifecycle
    def start(self) -> int:
        """Restore every enabled schedule from the table and start; returns how many."""
        if self.scheduler.running:
            return len(self.scheduler.get_jobs())
        self.scheduler = self._new_scheduler()
        with self.db.reading() as con:
            rows = list_schedules(con)
        for row in rows:
            self.apply(row)
        self.scheduler.start()
        n = len(self.scheduler.get_jobs())
        log.info("scheduler started with %d schedule(s)", n)
        return n

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    # keeping the live jobs in step with the table
    def apply(self, row: dict[str, Any]) -> None:
        """Add, replace or remove the job of a schedule row."""
        sid = row["schedule_id"]
        if not row["enabled"]:
            self.remove(sid)
            return
        self.scheduler.add_job(
            self.run, trigger=build_trigger(row), args=[sid], id=sid, name=row["name"],
            replace_existing=True,
        )

    def remove(self, schedule_id: str) -> None:
        if self.scheduler.get_job(schedule_id) is not None:
            self.scheduler.remove_job(schedule_id)

    def next_run(self, schedule_id: str) -> str | None:
        job = self.scheduler.get_job(schedule_id)
        nrt = getattr(job, "next_run_time", None) if job is not None else None
        return nrt.isoformat() if nrt is not None else None

    def _lock(self, schedule_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(schedule_id, threading.Lock())

    def run(self, schedule_id: str) -> dict[str, Any] | None:
        """One run of a schedule: scan, then case sync.  Returns its outcome, or None when
        another run of this schedule is still going (skipped) or the schedule is gone."""
        lock = self._lock(schedule_id)
        if not lock.acquire(blocking=False):
            log.warning("schedule %s: previous run still going; this run is skipped", schedule_id)
            return None
        try:
            return self._run_locked(schedule_id)
        finally:
            lock.release()

    def _run_locked(self, schedule_id: str) -> dict[str, Any] | None:
        from engine import scan

        actor = f"schedule:{schedule_id}"
        with self.db.writing() as con:
            try:
                sched = get_schedule(con, schedule_id)
            except NotFound:
                log.warning("schedule %s no longer exists; removing its job", schedule_id)
                self.remove(schedule_id)
                return None
            status, scan_id, error = "failed", None, None
            outcome: dict[str, Any] = {"schedule_id": schedule_id}
            try:
                result, synced = self.run_scan(
                    con, self.catalogue, lookback_days=sched["lookback_days"], typology_ids=sched["typology_ids"],
                    actor=actor,
                )
                scan_id, status = result.scan_id, result.status
                outcome.update(scan=result.to_dict(), cases={
                    "alerts_added": synced.alerts_added, "cases_created": synced.cases_created,
                    "cases_joined": synced.cases_joined,
                })
                if result.errors:
                    error = "; ".join(f"{k}: {v}" for k, v in result.errors.items())[:2000]
            except Exception as exc:  # a failing run is recorded, the scheduler keeps going
                status = "failed"
                if isinstance(exc, CtfmonError):
                    log.warning("schedule %s run failed: %s", schedule_id, exc.message)
                    error = exc.message[:2000]
                else:
                    log.exception("schedule %s run failed", schedule_id)
                    error = f"{type(exc).__name__}: {exc}"[:2000]
                if scan_id is None:  # the scan could not start: record it as a failed scan
                    scan_id = scan.record_failed_scan(
                        con, error=error, typology_ids=sched["typology_ids"],
                        lookback_days=sched["lookback_days"], triggered_by=actor,
                    )
            con.execute(
                "UPDATE schedules SET last_run_at = ?, last_scan_id = ?, last_status = ?, last_error = ? "
                "WHERE schedule_id = ?",
                [now_utc(), scan_id, status, error, schedule_id],
            )
            audit.record(con, audit.AuditEvent(
                actor, "schedule.run", "schedule", schedule_id, None,
                {"scan_id": scan_id, "status": status, "error": error},
            ))
        outcome.update(status=status, scan_id=scan_id, error=error)
        log.info("schedule %s ran: %s (scan %s)", schedule_id, status, scan_id)
        return outcome

