"""Scheduled scans with APScheduler, persisted so they survive a restart.

Schedules live in the ``schedules`` table (the source of truth); the in-process
:class:`ScheduleService` (an APScheduler ``BackgroundScheduler``) is rebuilt from it when
the server starts and kept in step by every create/update/delete.

Each run calls :func:`engine.scan.run_scan` with ``triggered_by="schedule:<id>"`` over the
typology catalogue the service was given, then :func:`engine.cases.sync_cases`, and records
its outcome on the schedule row.

Overlap: two runs of one schedule never overlap — the job has ``max_instances=1`` and the
run itself holds a per-schedule lock (a run that finds the lock taken is skipped and
logged).  All writers in the serve process share one write lock (:class:`SharedDatabase`),
so a scheduled scan and API writes are serialised; API reads continue meanwhile.

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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engine import audit, cases, store
from engine.config import get_settings
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError, NotFound
from engine.store import now_utc, transaction

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

TRIGGERS: tuple[str, ...] = ("cron", "interval")
_COLS = (
    "schedule_id", "name", "trigger", "cron", "interval_seconds", "typology_ids", "lookback_days",
    "enabled", "created_by", "created_at", "updated_at", "last_run_at", "last_scan_id",
    "last_status", "last_error",
)
_EDITABLE = ("name", "trigger", "cron", "interval_seconds", "typology_ids", "lookback_days", "enabled")


class SharedDatabase:
    """The serve process's hold on the database: one DuckDB connection, a cursor per
    thread/request (``con.cursor()``), and one write lock serialising every writer (API
    handlers and scheduled scans)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.con = store.connect(path)
        self.closed = False
        self.write_lock = threading.RLock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        if self.closed:  # reopened after close(): the app may be started again (tests, reloads)
            with self.write_lock:
                if self.closed:
                    self.con = store.connect(self.path)
                    self.closed = False
        return self.con.cursor()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.write_lock:
            cur = self._cursor()
            try:
                yield cur
            finally:
                cur.close()

    def close(self) -> None:
        """Release the database file (an in-memory database is kept: closing would lose it)."""
        if self.path == ":memory:" or self.closed:
            return
        with self.write_lock:
            self.con.close()
            self.closed = True


# --------------------------------------------------------------------------- validation
def build_trigger(spec: dict[str, Any]) -> CronTrigger | IntervalTrigger:
    """The APScheduler trigger of a schedule; refuses an invalid spec with a clear message."""
    kind = spec.get("trigger")
    if kind == "cron":
        expr = (spec.get("cron") or "").strip()
        if not expr:
            raise CtfmonError("a cron schedule needs 'cron', e.g. '0 2 * * *'", http_status=422)
        if len(expr.split()) != 5:
            raise CtfmonError(
                f"cron {expr!r}: expected 5 fields (minute hour day month weekday)", http_status=422
            )
        try:
            return CronTrigger.from_crontab(expr, timezone=UTC)
        except ValueError as exc:
            raise CtfmonError(f"cron {expr!r} is not valid: {exc}", http_status=422) from None
    if kind == "interval":
        secs = spec.get("interval_seconds")
        if not isinstance(secs, int) or isinstance(secs, bool) or secs < 1 or secs > 366 * 86400:
            raise CtfmonError(
                f"interval_seconds {secs!r}: expected a whole number of seconds from 1 to 31622400",
                http_status=422,
            )
        return IntervalTrigger(seconds=secs, timezone=UTC)
    raise CtfmonError(f"trigger {kind!r}: expected one of {', '.join(TRIGGERS)}", http_status=422)


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
    """The scheduler inside the serve process; its scans run the typologies of ``catalogue``."""

    def __init__(self, db: SharedDatabase, catalogue: Catalogue, *, misfire_grace_seconds: int | None = None) -> None:
        self.db = db
        self.catalogue = catalogue
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
                result = scan.run_scan(
                    con, self.catalogue, lookback_days=sched["lookback_days"], typology_ids=sched["typology_ids"],
                    triggered_by=actor,
                )
                scan_id, status = result.scan_id, result.status
                synced = cases.sync_cases(con, actor=actor)
                outcome.update(scan=result.to_dict(), cases={
                    "alerts_added": synced.alerts_added, "cases_created": synced.cases_created,
                    "cases_joined": synced.cases_joined,
                })
                if result.errors:
                    error = "; ".join(f"{k}: {v}" for k, v in result.errors.items())[:2000]
            except Exception as exc:  # a failing run is recorded, the scheduler keeps going
                log.exception("schedule %s run failed", schedule_id)
                error = f"{type(exc).__name__}: {exc}"[:2000]
            con.execute(
                "UPDATE schedules SET last_run_at = ?, last_scan_id = ?, last_status = ?, last_error = ? "
                "WHERE schedule_id = ?",
                [now_utc(), scan_id, status, error, schedule_id],
            )
        outcome.update(status=status, scan_id=scan_id, error=error)
        log.info("schedule %s ran: %s (scan %s)", schedule_id, status, scan_id)
        return outcome

