"""Sealing entries: the HMAC of an entry and of the checkpoint, the end of the log, and what an
append finds altered there."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from engine.audit.keys import key_id
from engine.store import now_utc

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


# --------------------------------------------------------------------------- sealing
def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, sort_keys=True)


def _normalise_json(text: str | None) -> str | None:
    if text is None:
        return None
    return json.dumps(json.loads(text), default=str, sort_keys=True)


def _mac(key: bytes, seq: int, audit_id: int, at: datetime, ev: AuditEvent, before: str | None,
         after: str | None, prev: str) -> str:
    payload = "\x1f".join([
        "ctfmon-audit-v2", str(seq), str(audit_id), at.isoformat(), ev.actor, ev.action, ev.object_type,
        ev.object_id, before or "", after or "", prev,
    ])
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _checkpoint_mac(key: bytes, seq: int, head: str, kid: str) -> str:
    payload = f"ctfmon-audit-checkpoint\x1f{seq}\x1f{head}\x1f{kid}"
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _last(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    rows = con.execute(
        "SELECT seq, entry_hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    ).fetchall()
    return (int(rows[0][0]), rows[0][1]) if rows else None


def _checkpoint(con: duckdb.DuckDBPyConnection) -> tuple[int, str, str, str] | None:
    rows = con.execute("SELECT seq, head, key_id, mac FROM audit_checkpoint WHERE id = 1").fetchall()
    return (int(rows[0][0]), rows[0][1], rows[0][2], rows[0][3]) if rows else None


def _write_checkpoint(con: duckdb.DuckDBPyConnection, key: bytes, seq: int, head: str) -> None:
    kid = key_id(key)
    con.execute("DELETE FROM audit_checkpoint WHERE id = 1")
    con.execute("INSERT INTO audit_checkpoint VALUES (1, ?, ?, ?, ?, ?)",
                [seq, head, kid, now_utc(), _checkpoint_mac(key, seq, head, kid)])


def _alteration(con: duckdb.DuckDBPyConnection, key: bytes) -> str | None:
    """What an append finds wrong at the end of the log (None: the end matches the checkpoint)."""
    last, cp = _last(con), _checkpoint(con)
    if cp is None:
        return "the checkpoint is missing" if last is not None else None
    seq, head, kid, mac = cp
    if kid != key_id(key) or not hmac.compare_digest(mac, _checkpoint_mac(key, seq, head, kid)):
        return "the checkpoint does not carry a valid seal"
    if last is None or last[0] < seq:
        return f"the log ends at seq {last[0] if last else 0} but the checkpoint records seq {seq}"
    if last[0] > seq:
        return f"entries after the checkpoint (seq {seq + 1} .. {last[0]}) were added outside ctfmon"
    if last[1] != head:
        return f"the last entry (seq {seq}) is not the one the checkpoint records"
    return None
