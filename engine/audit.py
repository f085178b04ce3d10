"""The audit trail: an append-only log of every change made to cases, users, schedules,
typology parameters and exports.

Each entry records who, when, what (an action on an object) and the object's state
before and after as JSON.  Entries are hash-chained: ``entry_hash`` is the SHA-256 of the
previous entry's hash and this entry's content, so :func:`verify_chain` detects an edited,
inserted or deleted row.  The module offers no update or delete; the API exposes only
``GET /audit`` (auditor and admin).

Writers must be serialised (the API server holds one write lock; the CLI is one process),
because each entry reads the hash of the one before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from engine.store import now_utc

log = logging.getLogger(__name__)

DDL: list[str] = [
    "CREATE SEQUENCE IF NOT EXISTS audit_seq START 1",
    """CREATE TABLE IF NOT EXISTS audit_log (
  audit_id BIGINT PRIMARY KEY,
  occurred_at TIMESTAMP NOT NULL,
  actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  object_type VARCHAR NOT NULL,
  object_id VARCHAR NOT NULL,
  before_state JSON,
  after_state JSON,
  prev_hash VARCHAR NOT NULL,
  entry_hash VARCHAR NOT NULL
)""",
]

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """One change to record: ``actor`` did ``action`` on ``object_type``/``object_id``."""

    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, sort_keys=True)


def _hash(prev: str, at: datetime, ev: AuditEvent, before: str | None, after: str | None) -> str:
    payload = "\x1f".join(
        [prev, at.isoformat(), ev.actor, ev.action, ev.object_type, ev.object_id, before or "", after or ""]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _last_hash(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT entry_hash FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchall()
    return rows[0][0] if rows else GENESIS


def record(con: duckdb.DuckDBPyConnection, event: AuditEvent) -> int:
    """Append one entry; returns its id.  Call inside the caller's transaction."""
    return record_many(con, [event])[0]


def record_many(con: duckdb.DuckDBPyConnection, events: list[AuditEvent]) -> list[int]:
    """Append entries in order (one bulk insert); returns their ids."""
    if not events:
        return []
    at = now_utc()
    prev = _last_hash(con)
    ids = [
        int(r[0])
        for r in con.sql(
            "SELECT nextval('audit_seq') AS v FROM range(?) ORDER BY v", params=[len(events)]
        ).fetchall()
    ]
    rows: dict[str, list[Any]] = {k: [] for k in (
        "audit_id", "occurred_at", "actor", "action", "object_type", "object_id", "before", "after",
        "prev_hash", "entry_hash",
    )}
    for audit_id, ev in zip(ids, events, strict=True):
        before, after = _dump(ev.before), _dump(ev.after)
        h = _hash(prev, at, ev, before, after)
        for k, v in (
            ("audit_id", audit_id), ("occurred_at", at), ("actor", ev.actor), ("action", ev.action),
            ("object_type", ev.object_type), ("object_id", ev.object_id), ("before", before),
            ("after", after), ("prev_hash", prev), ("entry_hash", h),
        ):
            rows[k].append(v)
        prev = h
    frame = pl.DataFrame(rows, schema={
        "audit_id": pl.Int64, "occurred_at": pl.Datetime("us"), "actor": pl.String, "action": pl.String,
        "object_type": pl.String, "object_id": pl.String, "before": pl.String, "after": pl.String,
        "prev_hash": pl.String, "entry_hash": pl.String,
    })
    con.register("_audit_new", frame.to_arrow())
    try:
        con.execute(
            "INSERT INTO audit_log SELECT audit_id, occurred_at, actor, action, object_type, object_id, "
            "CAST(before AS JSON), CAST(after AS JSON), prev_hash, entry_hash FROM _audit_new"
        )
    finally:
        con.unregister("_audit_new")
    log.info("audit: %d entr%s appended", len(events), "y" if len(events) == 1 else "ies")
    return ids


def list_entries(
    con: duckdb.DuckDBPyConnection,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first, filtered; returns (page, total)."""
    where: list[str] = []
    params: list[Any] = []
    for col, val in (("object_type", object_type), ("object_id", object_id), ("actor", actor),
                     ("action", action)):
        if val is not None:
            where.append(f"{col} = ?")
            params.append(val)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = con.execute(f"SELECT count(*) FROM audit_log {clause}", params).fetchall()[0][0]
    rows = con.execute(
        f"SELECT audit_id, occurred_at, actor, action, object_type, object_id, "
        f"CAST(before_state AS VARCHAR), CAST(after_state AS VARCHAR), entry_hash FROM audit_log {clause} "
        "ORDER BY audit_id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    out = [
        {
            "audit_id": r[0], "at": r[1], "actor": r[2], "action": r[3], "object_type": r[4],
            "object_id": r[5], "before": json.loads(r[6]) if r[6] is not None else None,
            "after": json.loads(r[7]) if r[7] is not None else None, "entry_hash": r[8],
        }
        for r in rows
    ]
    return out, int(total)


def verify_chain(con: duckdb.DuckDBPyConnection) -> tuple[bool, int | None]:
    """Recompute the hash chain; returns (intact, first broken audit_id or None)."""
    prev = GENESIS
    cur = con.execute(
        "SELECT audit_id, occurred_at, actor, action, object_type, object_id, "
        "CAST(before_state AS VARCHAR), CAST(after_state AS VARCHAR), prev_hash, entry_hash FROM audit_log ORDER BY audit_id"
    )
    while True:
        batch = cur.fetchmany(10_000)
        if not batch:
            return True, None
        for r in batch:
            ev = AuditEvent(r[2], r[3], r[4], r[5])
            before = _normalise_json(r[6])
            after = _normalise_json(r[7])
            if r[8] != prev or _hash(prev, r[1], ev, before, after) != r[9]:
                return False, int(r[0])
            prev = r[9]


def _normalise_json(text: str | None) -> str | None:
    if text is None:
        return None
    return json.dumps(json.loads(text), default=str, sort_keys=True)
