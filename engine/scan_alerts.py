"""A scan's alerts: stable ids (typology, subject and evidence), account subjects re-attributed
to their owners, and storing only the ids not stored yet (re-running a scan adds nothing)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from engine.detect.base import Alert
from engine.store import one_row, transaction


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def alert_id(typology_id: str, subject_type: str, subject_id: str, evidence: list[str]) -> str:
    """Stable id: the same typology, subject and evidence always give the same id."""
    key = "\x1f".join([typology_id, subject_type, subject_id, *sorted(set(evidence))])
    return "AL-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _reattribute(con: duckdb.DuckDBPyConnection, alerts: list[Alert]) -> None:
    """Account subjects whose owner is on file become party subjects (in place)."""
    acct_ids = sorted({a.subject_id for a in alerts if a.subject_type == "account"})
    if not acct_ids:
        return
    frame = pl.DataFrame({"account_id": acct_ids})
    con.register("_scan_subject_accounts", frame.to_arrow())
    try:
        rows = con.execute(
            "SELECT a.account_id, a.party_id FROM accounts a "
            "JOIN _scan_subject_accounts s ON a.account_id = s.account_id "
            "WHERE a.party_id IS NOT NULL AND a.party_id <> ''"
        ).fetchall()
    finally:
        con.unregister("_scan_subject_accounts")
    owner = dict(rows)
    for a in alerts:
        if a.subject_type == "account" and a.subject_id in owner:
            a.details.setdefault("account_id", a.subject_id)
            a.subject_type = "party"
            a.subject_id = owner[a.subject_id]


def _alert_frame(typology_id: str, scan_id: str, alerts: list[Alert], created: datetime) -> pl.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for a in alerts:
        if a.subject_type not in ("party", "account"):
            raise ValueError(f"alert subject_type must be party or account, not {a.subject_type!r}")
        ev = sorted({str(e) for e in a.evidence})
        aid = alert_id(typology_id, a.subject_type, a.subject_id, ev)
        if aid in rows:
            # same subject and evidence twice: keep the stronger one
            if rows[aid]["score"] >= a.score:
                continue
        rows[aid] = {
            "alert_id": aid,
            "typology_id": typology_id,
            "subject_type": a.subject_type,
            "subject_id": str(a.subject_id),
            "score": round(max(0.0, min(1.0, float(a.score))), 4),
            "window_start": _naive_utc(a.window_start) if a.window_start else None,
            "window_end": _naive_utc(a.window_end) if a.window_end else None,
            "evidence": ev,
            "explanation": a.explanation,
            "details": a.details_json(),
            "scan_id": scan_id,
            "created_at": created,
        }
    schema: dict[str, Any] = {
        "alert_id": pl.String, "typology_id": pl.String, "subject_type": pl.String,
        "subject_id": pl.String, "score": pl.Float64, "window_start": pl.Datetime("us"),
        "window_end": pl.Datetime("us"), "evidence": pl.List(pl.String), "explanation": pl.String,
        "details": pl.String, "scan_id": pl.String, "created_at": pl.Datetime("us"),
    }
    return pl.DataFrame(list(rows.values()), schema=schema, orient="row")


def _store_alerts(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Insert alerts whose id is not stored yet; returns how many were new."""
    if frame.height == 0:
        return 0
    con.register("_scan_new_alerts", frame.to_arrow())
    try:
        with transaction(con):
            n = one_row(
                con, "SELECT count(*) FROM _scan_new_alerts n "
                "WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = n.alert_id)"
            )[0]
            con.execute(
                "INSERT INTO alerts SELECT alert_id, typology_id, subject_type, subject_id, score, "
                "window_start, window_end, evidence, explanation, CAST(details AS JSON), scan_id, "
                "created_at FROM _scan_new_alerts n "
                "WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = n.alert_id)"
            )
    finally:
        con.unregister("_scan_new_alerts")
    return int(n)
