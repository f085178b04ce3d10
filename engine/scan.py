"""Scans: run selected typologies over an as-of window, store the scan and its alerts.

The typologies come from the caller as a :class:`engine.detect.catalogue.Catalogue` (the
registry of the typology folders lives above the engine).  Tables: ``scans`` (one row per
scan run), ``alerts`` (the contract's alert shape, one row per distinct alert id;
re-running a scan adds nothing new) and ``typology_params`` (stored parameter overrides);
every scan also records the metadata of the typologies it ran in ``typology_catalogue``.

The views a detector reads are prepared in :mod:`engine.scan_views`, parameters resolved in
:mod:`engine.typology_params`, alerts identified and stored in :mod:`engine.scan_alerts`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from engine import challengers, param_versions, plausible, sandbox, tuning_store
from engine.detect import catalogue as typology_catalogue
from engine.detect.base import Params, ScanContext
from engine.detect.catalogue import Catalogue
from engine.detect.typology import Typology
from engine.errors import CtfmonError
from engine.scan_alerts import _alert_frame, _naive_utc, _reattribute, _store_alerts, alert_id
from engine.scan_state import _ACTIVE_GUARD, _ACTIVE_SCANS, mark_interrupted, record_failed_scan
from engine.scan_views import prepare_scan_views, views_window
from engine.store import now_utc
from engine.typology_params import (
    effective_params,
    get_typology_overrides,
    get_typology_params,
    parse_param_assignments,
    resolve_params,
    set_typology_params,
    validate_params,
)

__all__ = [  # some of these live in modules of their own; named here too
    "DDL", "ScanResult", "alert_id", "data_time_range", "effective_params", "get_typology_overrides",
    "get_typology_params", "mark_interrupted", "parse_param_assignments", "prepare_scan_views",
    "record_failed_scan", "resolve_params", "run_scan", "set_typology_params", "validate_params",
]

log = logging.getLogger(__name__)

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS scans (
  scan_id VARCHAR PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  as_of TIMESTAMP NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  typologies VARCHAR[] NOT NULL,
  params JSON NOT NULL,
  status VARCHAR NOT NULL,
  counts JSON,
  timings JSON,
  errors JSON,
  triggered_by VARCHAR NOT NULL,
  warnings JSON
)""",
    # databases created before scans kept warnings
    "ALTER TABLE scans ADD COLUMN IF NOT EXISTS warnings JSON",
    """CREATE TABLE IF NOT EXISTS alerts (
  alert_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  evidence VARCHAR[] NOT NULL,
  explanation VARCHAR NOT NULL,
  details JSON,
  scan_id VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS typology_params (
  typology_id VARCHAR PRIMARY KEY,
  params JSON NOT NULL,
  updated_at TIMESTAMP NOT NULL
)""",
    # live, sandbox (alerts apart, no cases) or shadow (a challenger beside a scheduled scan)
    "ALTER TABLE scans ADD COLUMN IF NOT EXISTS mode VARCHAR DEFAULT 'live'",
    "ALTER TABLE scans ADD COLUMN IF NOT EXISTS param_version INTEGER",
    "ALTER TABLE scans ADD COLUMN IF NOT EXISTS challenger_id VARCHAR",
    *sandbox.DDL,
    *param_versions.DDL,
    *challengers.DDL,
    *tuning_store.DDL,
]


# --------------------------------------------------------------------------- scans
@dataclass
class ScanResult:
    """Outcome of one scan.  ``counts``/``new_alerts``: alerts per typology (all / new)."""

    scan_id: str
    status: str
    window_start: datetime
    window_end: datetime
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    new_alerts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    mode: str = "live"
    param_version: int | None = None

    @property
    def total_alerts(self) -> int:
        return sum(self.counts.values())

    @property
    def total_new(self) -> int:
        return sum(self.new_alerts.values())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["total_alerts"] = self.total_alerts
        d["total_new"] = self.total_new
        return d


#: (table, timestamp expression) read for the default scan window.
_TIME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("transactions", "timestamp"),
    ("cash_declarations", "timestamp"),
    ("trade_documents", "CAST(date AS TIMESTAMP)"),
)


def data_time_range(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest plausible loaded timestamp over transactions, declarations and trade documents.

    Values outside :func:`engine.plausible.plausible_bounds` (a year-10000 or year-0 timestamp stored by an
    older ingest or written directly) are left out; :func:`engine.plausible.implausible_values`
    counts them.
    """
    lo_b, hi_b = plausible.plausible_bounds()
    parts = " UNION ALL ".join(
        f"SELECT min({expr}) FILTER (WHERE {expr} BETWEEN $lo AND $hi) AS lo, "
        f"max({expr}) FILTER (WHERE {expr} BETWEEN $lo AND $hi) AS hi FROM {table}"
        for table, expr in _TIME_COLUMNS
    )
    row = con.execute(f"SELECT min(lo), max(hi) FROM ({parts}) AS r", {"lo": lo_b, "hi": hi_b}).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _dependency_order(selected: list[type[Typology]]) -> list[type[Typology]]:
    """Selected typologies with those named in another's ``depends_on`` first (id order otherwise)."""
    by_id = {t.id: t for t in selected}
    done: list[type[Typology]] = []
    seen: set[str] = set()

    def visit(t: type[Typology], path: tuple[str, ...]) -> None:
        if t.id in seen:
            return
        if t.id in path:
            raise CtfmonError(f"typology dependency cycle: {' -> '.join((*path, t.id))}")
        for dep in getattr(t, "depends_on", ()):
            if dep in by_id:
                visit(by_id[dep], (*path, t.id))
        seen.add(t.id)
        done.append(t)

    for t in selected:
        visit(t, ())
    return done


def _window(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None, lookback_days: int | None, warnings: list[str],
    bad: dict[tuple[str, str], tuple[int, str, str]],
) -> tuple[datetime, datetime]:
    """The scan window: ``as_of`` (default the latest plausible timestamp) back ``lookback_days``
    (default the earliest plausible timestamp), kept inside the plausible range."""
    lo_b, hi_b = plausible.plausible_bounds()
    if as_of is not None:
        as_of = _naive_utc(as_of)
        if not lo_b <= as_of <= hi_b:
            raise CtfmonError(
                f"as-of {as_of:%Y-%m-%d %H:%M:%S} is outside the plausible range {lo_b:%Y-%m-%d} .. "
                f"{hi_b:%Y-%m-%d} (settings plausible_from / plausible_to)"
            )
    for (table, column), (n, low, high) in bad.items():
        shown = low if low == high else f"{low} .. {high}"
        what = "left out of the scan" if plausible.EVENT_TIME.get(table) == column else "read as missing"
        msg = (f"{n:,} {table} row{'s' if n != 1 else ''} with {column} outside the plausible range "
               f"{lo_b:%Y-%m-%d} .. {hi_b:%Y-%m-%d} ({shown}): {what}")
        log.warning("%s", msg)
        warnings.append(msg)
    lo, hi = data_time_range(con)
    window_end = as_of if as_of is not None else (hi or min(now_utc(), hi_b))
    if lookback_days is not None:
        window_start = max(lo_b, window_end - timedelta(days=min(lookback_days, (window_end - lo_b).days + 1)))
    else:
        window_start = lo if lo is not None and lo <= window_end else window_end
    return window_start, window_end


def run_scan(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    *,
    as_of: datetime | None = None,
    lookback_days: int | None = None,
    typology_ids: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    triggered_by: str = "cli",
    on_progress: Callable[[str, str, int, int], None] | None = None,
    mode: str = "live",
    challenger_id: str | None = None,
    reuse_views: bool = False,
) -> ScanResult:
    """Run the selected typologies of ``catalogue`` (all by default) over an as-of window and
    store the alerts.

    The window ends at ``as_of`` (default: the latest plausible loaded timestamp) and starts
    ``lookback_days`` earlier (default: the earliest plausible loaded timestamp); timestamps
    outside the plausible range are left out with a warning in the result.  Parameters
    resolve as catalogue defaults < stored overrides (:func:`set_typology_params`) < ``params``.
    A typology that raises is recorded in the scan's errors; the others' alerts are kept.
    Scans left ``running`` by an ended process are marked failed first (:func:`mark_interrupted`).

    ``on_progress(typology_id, stage, done, total)`` is called with stage ``start`` and ``done``
    around each typology, ``done`` of ``total`` typologies finished (the CLI draws its
    progress display with it).

    ``mode``: ``live`` stores alerts in ``alerts``; ``sandbox`` and ``shadow`` store them apart
    in ``sandbox_alerts`` (:mod:`engine.sandbox`).  The scan row records the parameter version
    in force (:func:`engine.param_versions.current_version`).  ``reuse_views``: keep the scan
    views of the previous scan on this connection when its window is the same (a sweep).
    """
    if mode not in sandbox.MODES:
        raise CtfmonError(f"scan mode {mode!r}: expected one of {', '.join(sandbox.MODES)}")
    selected = _dependency_order(catalogue.select(typology_ids))
    params = params or {}
    sel_ids = {t.id for t in selected}
    for tid in params:
        if tid not in sel_ids:
            catalogue.typology(tid)  # unknown id -> NotFound
            raise CtfmonError(f"parameters given for typology {tid}, which is not selected for this scan")
    resolved = {t.id: resolve_params(con, t, params.get(t.id)) for t in selected}
    if lookback_days is not None and lookback_days <= 0:
        raise CtfmonError(f"lookback must be a positive number of days, not {lookback_days}")

    mark_interrupted(con)
    warnings: list[str] = []
    bad = plausible.implausible_values(con)
    window_start, window_end = _window(con, as_of, lookback_days, warnings, bad)
    scan_id = "SC-" + now_utc().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    started = now_utc()
    params_json = json.dumps({tid: p.model_dump() for tid, p in resolved.items()}, default=str)
    with _ACTIVE_GUARD:
        _ACTIVE_SCANS.add(scan_id)
    try:
        con.execute(
            "INSERT INTO scans (scan_id, started_at, as_of, window_start, window_end, typologies, params, "
            "status, triggered_by, warnings, mode, param_version, challenger_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
            [scan_id, started, window_end, window_start, window_end, [t.id for t in selected],
             params_json, triggered_by, json.dumps(warnings), mode, param_versions.current_version(con),
             challenger_id],
        )
        result = ScanResult(scan_id=scan_id, status="running", window_start=window_start,
                            window_end=window_end, warnings=warnings, mode=mode,
                            param_version=param_versions.current_version(con))
        typology_catalogue.record(con, {t: resolved[t.id] for t in selected})
        with plausible.plausible_tables(con, bad):
            _run_typologies(con, result, selected, resolved, on_progress, mode, reuse_views)
        counts = {tid: {"alerts": result.counts.get(tid, 0), "new": result.new_alerts.get(tid, 0)}
                  for tid in [t.id for t in selected]}
        con.execute(
            "UPDATE scans SET finished_at = ?, status = ?, counts = ?, timings = ?, errors = ? WHERE scan_id = ?",
            [now_utc(), result.status, json.dumps(counts), json.dumps(result.timings),
             json.dumps(result.errors), scan_id],
        )
    finally:
        with _ACTIVE_GUARD:
            _ACTIVE_SCANS.discard(scan_id)
    return result


def _run_typologies(
    con: duckdb.DuckDBPyConnection,
    result: ScanResult,
    selected: list[type[Typology]],
    resolved: dict[str, Params],
    on_progress: Callable[[str, str, int, int], None] | None,
    mode: str = "live",
    reuse_views: bool = False,
) -> None:
    scan_id = result.scan_id
    log.info("scan %s: %d typologies over %s .. %s", scan_id, len(selected), result.window_start,
             result.window_end)
    try:
        if not (reuse_views and views_window(con) == (result.window_start, result.window_end)):
            prepare_scan_views(con, result.window_start, result.window_end)
        for done, typ in enumerate(selected):
            if on_progress is not None:
                on_progress(typ.id, "start", done, len(selected))
            t0 = time.perf_counter()
            try:
                ctx = ScanContext(con=con, scan_id=scan_id, window_start=result.window_start,
                                  window_end=result.window_end, params=resolved[typ.id])
                alerts = list(typ().detect(ctx))
                _reattribute(con, alerts)
                frame = _alert_frame(typ.id, scan_id, alerts, now_utc())
                if mode == "live":
                    new = _store_alerts(con, frame)
                    sandbox.record_live_ids(con, frame)
                else:
                    new = sandbox.store_sandbox_alerts(con, frame)
                result.counts[typ.id] = frame.height
                result.new_alerts[typ.id] = new
            except Exception as exc:  # one typology failing must not lose the others
                log.exception("typology %s failed in scan %s", typ.id, scan_id)
                result.errors[typ.id] = f"{type(exc).__name__}: {exc}"
                result.counts[typ.id] = 0
                result.new_alerts[typ.id] = 0
            result.timings[typ.id] = round(time.perf_counter() - t0, 3)
            log.info("scan %s: %s -> %d alerts (%d new) in %.2fs", scan_id, typ.id,
                     result.counts[typ.id], result.new_alerts[typ.id], result.timings[typ.id])
            if on_progress is not None:
                on_progress(typ.id, "done", done + 1, len(selected))
        if not result.errors:
            result.status = "completed"
        elif len(result.errors) < len(selected):
            result.status = "completed_with_errors"
        else:
            result.status = "failed"
    except Exception as exc:
        result.status = "failed"
        result.errors["scan"] = f"{type(exc).__name__}: {exc}"
        log.exception("scan %s failed", scan_id)
