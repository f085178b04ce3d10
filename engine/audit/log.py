"""Appending to the audit log (one bulk insert per call, the checkpoint moved in the same
transaction) and reading it back."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from engine.audit.keys import audit_key
from engine.audit.seal import (
    GENESIS,
    AuditEvent,
    _alteration,
    _checkpoint,
    _dump,
    _last,
    _mac,
    _write_checkpoint,
)
from engine.store import now_utc, transaction

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
  entry_hash VARCHAR NOT NULL,
  seq BIGINT
)""",
    # logs written before the keyed chain: sealed by the migration "audit-keyed-chain"
    "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS seq BIGINT",
    """CREATE TABLE IF NOT EXISTS audit_checkpoint (
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  head VARCHAR NOT NULL,
  key_id VARCHAR NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  mac VARCHAR NOT NULL
)""",
]


def record(con: duckdb.DuckDBPyConnection, event: AuditEvent) -> int:
    """Append one entry; returns its id.  Joins the caller's transaction, if any."""
    return record_many(con, [event])[0]


def record_many(con: duckdb.DuckDBPyConnection, events: list[AuditEvent]) -> list[int]:
    """Append entries in order (one bulk insert) and move the checkpoint; returns their ids."""
    if not events:
        return []
    with transaction(con):
        key = audit_key(con, create=True)
        found = _alteration(con, key)
        if found is not None:
            log.error("audit log altered: %s; recorded before appending", found)
            events = [AuditEvent("ctfmon", "audit.altered", "audit_log", "chain", None, {"found": found}),
                      *events]
        return _append(con, key, events)[1 if found is not None else 0:]


def _append(con: duckdb.DuckDBPyConnection, key: bytes, events: list[AuditEvent]) -> list[int]:
    at = now_utc()
    last, cp = _last(con), _checkpoint(con)
    prev = last[1] if last else GENESIS
    # numbering continues after the checkpoint, so removed entries stay visible as a gap
    seq = max(last[0] if last else 0, cp[0] if cp else 0)
    ids = [
        int(r[0])
        for r in con.sql(
            "SELECT nextval('audit_seq') AS v FROM range(?) ORDER BY v", params=[len(events)]
        ).fetchall()
    ]
    rows: dict[str, list[Any]] = {k: [] for k in (
        "audit_id", "occurred_at", "actor", "action", "object_type", "object_id", "before", "after",
        "prev_hash", "entry_hash", "seq",
    )}
    for audit_id, ev in zip(ids, events, strict=True):
        seq += 1
        before, after = _dump(ev.before), _dump(ev.after)
        h = _mac(key, seq, audit_id, at, ev, before, after, prev)
        for k, v in (
            ("audit_id", audit_id), ("occurred_at", at), ("actor", ev.actor), ("action", ev.action),
            ("object_type", ev.object_type), ("object_id", ev.object_id), ("before", before),
            ("after", after), ("prev_hash", prev), ("entry_hash", h), ("seq", seq),
        ):
            rows[k].append(v)
        prev = h
    frame = pl.DataFrame(rows, schema={
        "audit_id": pl.Int64, "occurred_at": pl.Datetime("us"), "actor": pl.String, "action": pl.String,
        "object_type": pl.String, "object_id": pl.String, "before": pl.String, "after": pl.String,
        "prev_hash": pl.String, "entry_hash": pl.String, "seq": pl.Int64,
    })
    con.register("_audit_new", frame.to_arrow())
    try:
        con.execute(
            "INSERT INTO audit_log (audit_id, occurred_at, actor, action, object_type, object_id, before_state, "
            "after_state, prev_hash, entry_hash, seq) SELECT audit_id, occurred_at, actor, action, object_type, "
            "object_id, CAST(before AS JSON), CAST(after AS JSON), prev_hash, entry_hash, seq FROM _audit_new"
        )
    finally:
        con.unregister("_audit_new")
    _write_checkpoint(con, key, seq, prev)
    log.info("audit: %d entr%s appended", len(events), "y" if len(events) == 1 else "ies")
    return ids


def list_entries(
    con: duckdb.DuckDBPyConnection,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first, filtered (``action`` ending in ``.*`` matches a prefix, e.g. ``case.*``;
    ``since`` inclusive, ``until`` exclusive); returns (page, total)."""
    where: list[str] = []
    params: list[Any] = []
    for col, val in (("object_type", object_type), ("object_id", object_id), ("actor", actor),
                     ("action", action)):
        if val is not None:
            if col == "action" and val.endswith(".*"):
                where.append("starts_with(action, ?)")
                params.append(val[:-1])
                continue
            where.append(f"{col} = ?")
            params.append(val)
    for op, when in ((">=", since), ("<", until)):
        if when is not None:
            where.append(f"occurred_at {op} ?")
            params.append(when)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = con.execute(f"SELECT count(*) FROM audit_log {clause}", params).fetchall()[0][0]
    rows = con.execute(
        f"SELECT audit_id, occurred_at, actor, action, object_type, object_id, "
        f"CAST(before_state AS VARCHAR), CAST(after_state AS VARCHAR), entry_hash, seq FROM audit_log {clause} "
        "ORDER BY audit_id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    out = [
        {
            "audit_id": r[0], "at": r[1], "actor": r[2], "action": r[3], "object_type": r[4],
            "object_id": r[5], "before": json.loads(r[6]) if r[6] is not None else None,
            "after": json.loads(r[7]) if r[7] is not None else None, "entry_hash": r[8], "seq": r[9],
        }
        for r in rows
    ]
    return out, int(total)


def distinct_values(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Actors, actions and object types in the log (for filter choices)."""
    return {col: [r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM audit_log ORDER BY 1").fetchall()]
            for col in ("actor", "action", "object_type")}


CSV_COLUMNS: tuple[str, ...] = ("seq", "audit_id", "at", "actor", "action", "object_type", "object_id",
                                "before", "after", "entry_hash")


def to_csv(entries: list[dict[str, Any]]) -> bytes:
    """Entries as CSV (UTF-8), before/after as JSON text; cells a spreadsheet would read as a
    formula are prefixed with an apostrophe."""
    from engine.exports import neutralise_formulas

    frame = pl.DataFrame(
        {c: [(json.dumps(e[c], default=str, sort_keys=True) if c in ("before", "after") and e[c] is not None
              else (e[c].isoformat() if isinstance(e[c], datetime) else e[c])) for e in entries]
         for c in CSV_COLUMNS},
        schema={c: (pl.Int64 if c in ("seq", "audit_id") else pl.String) for c in CSV_COLUMNS},
    )
    return neutralise_formulas(frame).write_csv().encode("utf-8")
