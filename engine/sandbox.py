"""Sandbox and shadow scans: alerts kept apart from the live queue, and their comparison with
the live alerts of the same window.

A sandbox scan (``scans.mode = 'sandbox'``; a champion/challenger run is ``'shadow'``) stores
its alerts in ``sandbox_alerts`` keyed by (scan, alert id); nothing reaches ``alerts`` and no
case is opened.  Alert ids are the live ones (typology, subject, evidence), so a sandbox
alert and a live alert with the same id are the same finding.

Live alerts are stored once per id (the first scan that found them), so every live scan
also records the ids it produced in ``scan_alert_ids``: "the live alerts of a window" are
those of the latest finished live scan over exactly that window.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from engine.errors import CtfmonError, NotFound
from engine.store import one_row, transaction

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS sandbox_alerts (
  scan_id VARCHAR NOT NULL,
  alert_id VARCHAR NOT NULL,
  typology_id VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  evidence VARCHAR[] NOT NULL,
  explanation VARCHAR NOT NULL,
  details JSON,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (scan_id, alert_id)
)""",
    """CREATE TABLE IF NOT EXISTS scan_alert_ids (
  scan_id VARCHAR NOT NULL,
  alert_id VARCHAR NOT NULL,
  typology_id VARCHAR NOT NULL,
  PRIMARY KEY (scan_id, alert_id)
)""",
]

MODES = ("live", "sandbox", "shadow")


def store_sandbox_alerts(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Store a sandbox scan's alerts (the frame of :func:`engine.scan_alerts._alert_frame`);
    returns how many are not live alerts already."""
    if frame.height == 0:
        return 0
    con.register("_sandbox_new", frame.to_arrow())
    try:
        with transaction(con):
            con.execute(
                "INSERT OR IGNORE INTO sandbox_alerts SELECT scan_id, alert_id, typology_id, subject_type, subject_id, "
                "score, window_start, window_end, evidence, explanation, CAST(details AS JSON), created_at "
                "FROM _sandbox_new"
            )
            n = one_row(con, "SELECT count(*) FROM _sandbox_new n "
                        "WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = n.alert_id)")[0]
    finally:
        con.unregister("_sandbox_new")
    return int(n)


def record_live_ids(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Record which alert ids a live scan produced (new or already stored)."""
    if frame.height == 0:
        return
    con.register("_live_ids", frame.select("scan_id", "alert_id", "typology_id").to_arrow())
    try:
        con.execute("INSERT OR IGNORE INTO scan_alert_ids SELECT scan_id, alert_id, typology_id FROM _live_ids")
    finally:
        con.unregister("_live_ids")


def scan_row(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any]:
    rows = con.execute(
        "SELECT scan_id, mode, status, window_start, window_end, typologies, params, param_version, triggered_by, "
        "started_at FROM scans WHERE scan_id = ?", [scan_id]).fetchall()
    if not rows:
        raise NotFound(f"no scan {scan_id!r}")
    keys = ("scan_id", "mode", "status", "window_start", "window_end", "typologies", "params", "param_version",
            "triggered_by", "started_at")
    d = dict(zip(keys, rows[0], strict=True))
    d["typologies"] = list(d["typologies"] or [])
    return d


def live_scan_for(con: duckdb.DuckDBPyConnection, window_start: Any, window_end: Any,
                  typologies: list[str]) -> str | None:
    """The latest finished live scan over exactly this window that ran all of ``typologies``."""
    rows = con.execute(
        "SELECT scan_id, typologies FROM scans WHERE coalesce(mode, 'live') = 'live' "
        "AND status IN ('completed', 'completed_with_errors') AND window_start = ? AND window_end = ? "
        "ORDER BY started_at DESC, scan_id DESC", [window_start, window_end]).fetchall()
    for sid, tys in rows:
        if set(typologies) <= set(tys or []):
            return str(sid)
    return None


def compare(con: duckdb.DuckDBPyConnection, scan_id: str, against: str | None = None) -> dict[str, Any]:
    """A sandbox (or shadow) scan against the live alerts of the same window: per typology the
    alerts added (only in the sandbox), removed (only live) and unchanged, with their ids.

    ``against`` names the live scan (default: :func:`live_scan_for` the sandbox's window)."""
    sb = scan_row(con, scan_id)
    if sb["mode"] not in ("sandbox", "shadow"):
        raise CtfmonError(f"scan {scan_id} is a live scan; compare a sandbox scan with the live one", http_status=422)
    live_id = against or live_scan_for(con, sb["window_start"], sb["window_end"], sb["typologies"])
    if live_id is None:
        raise CtfmonError(
            f"no finished live scan over the window {sb['window_start']} .. {sb['window_end']} of {scan_id}: "
            "run a live scan over the same window (same --as-of and --lookback) to compare with", http_status=409)
    live = scan_row(con, live_id)
    if live["mode"] != "live":
        raise CtfmonError(f"scan {live_id} is not a live scan", http_status=422)
    tys = sb["typologies"]
    marks = ",".join("?" * len(tys)) or "NULL"
    rows = con.execute(f"""
      WITH s AS (SELECT alert_id, typology_id FROM sandbox_alerts WHERE scan_id = ?),
           l AS (SELECT alert_id, typology_id FROM scan_alert_ids WHERE scan_id = ? AND typology_id IN ({marks}))
      SELECT coalesce(s.typology_id, l.typology_id) AS typology_id, coalesce(s.alert_id, l.alert_id) AS alert_id,
             CASE WHEN l.alert_id IS NULL THEN 'added' WHEN s.alert_id IS NULL THEN 'removed' ELSE 'unchanged' END
      FROM s FULL OUTER JOIN l ON s.alert_id = l.alert_id ORDER BY 1, 3, 2
    """, [scan_id, live_id, *tys]).fetchall()
    per: dict[str, dict[str, Any]] = {t: {"added": [], "removed": [], "unchanged": []} for t in tys}
    for tid, aid, kind in rows:
        per.setdefault(tid, {"added": [], "removed": [], "unchanged": []})[kind].append(aid)
    totals = {k: sum(len(v[k]) for v in per.values()) for k in ("added", "removed", "unchanged")}
    return {
        "scan_id": scan_id, "live_scan_id": live_id, "mode": sb["mode"],
        "window_start": sb["window_start"], "window_end": sb["window_end"],
        "typologies": {t: {**{k: len(v[k]) for k in v}, "ids": v} for t, v in sorted(per.items())},
        "totals": totals,
    }

