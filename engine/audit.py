"""The audit trail: an append-only log of every change made to cases, users, schedules,
typology parameters, scans and exports.

Each entry records who, when, what (an action on an object) and the object's state before
and after as JSON.  Entries form a keyed chain that only the holder of the audit key can
extend:

- every entry has a sequence number ``seq`` (1, 2, 3 ... without gaps) and ``entry_hash``,
  the HMAC-SHA-256 under the audit key of its content, its ``seq`` and the previous entry's
  ``entry_hash`` (kept in ``prev_hash``);
- a one-row ``audit_checkpoint`` holds the last ``seq`` and ``entry_hash`` (its own HMAC
  too), updated in the same transaction as every append.

So :func:`verify` finds an edited entry (its HMAC no longer matches, and without the key
it cannot be recomputed), a deleted one (a gap in ``seq``), the last entries removed (the
log ends before the checkpoint), a row appended by hand (after the checkpoint, with a
wrong HMAC) and a forged or deleted checkpoint.  An append that finds the log altered
records that first (``audit.altered``, with what it found) and continues the numbering
after the checkpoint, so later appends never hide a truncation.

The key (:func:`audit_key`): ``CTFMON_AUDIT_KEY`` when set; otherwise the file
``CTFMON_AUDIT_KEY_FILE``, by default ``DATABASE.audit-key`` beside the database file,
created with a random 256-bit key and permissions 0600 when the first entry is written.
An in-memory database uses a key held by the process.  Whoever holds the key can rewrite
the log undetectably, so keep it where those who can write the database cannot: set
``CTFMON_AUDIT_KEY`` from a secret store, or point ``CTFMON_AUDIT_KEY_FILE`` at a file
only the ctfmon service account reads.  A copy of the whole database (or of its
checkpoint row) put back over a newer one is only caught against a head recorded
elsewhere: ``ctfmon audit verify`` prints it.

The module offers no update or delete; the API exposes only ``GET /audit`` (auditor and
admin).  Writers are serialised (the API server holds one write lock; the CLI is one
process) because each entry reads the one before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from engine.config import get_settings
from engine.errors import CtfmonError
from engine.store import now_utc, one_row, transaction

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

GENESIS = "0" * 64
KEY_MIN_CHARS = 32
_PROCESS_KEY = secrets.token_bytes(32)  # in-memory databases: gone with the process, as is the log
_KEY_LOCK = threading.Lock()


@dataclass(frozen=True)
class AuditEvent:
    """One change to record: ``actor`` did ``action`` on ``object_type``/``object_id``."""

    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None


# --------------------------------------------------------------------------- the key
def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the database ``con`` is on (None for an in-memory database)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None


def key_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Where the audit key is read from and created (None: the setting or the process key)."""
    s = get_settings()
    if s.audit_key:
        return None
    if s.audit_key_file is not None:
        return Path(s.audit_key_file)
    db = database_file(con)
    return db.with_name(db.name + ".audit-key") if db is not None else None


def audit_key(con: duckdb.DuckDBPyConnection, *, create: bool = False) -> bytes:
    """The audit HMAC key (see the module docstring); ``create`` writes a new key file when
    there is none (only while the log holds no sealed entry: a missing key is never replaced
    silently, since every later check would then fail)."""
    s = get_settings()
    if s.audit_key:
        if len(s.audit_key) < KEY_MIN_CHARS:
            raise CtfmonError(f"CTFMON_AUDIT_KEY is too short: at least {KEY_MIN_CHARS} characters")
        return s.audit_key.encode("utf-8")
    path = key_file(con)
    if path is None:
        return _PROCESS_KEY
    with _KEY_LOCK:
        if path.exists():
            return _read_key(path)
        if not create or _sealed_entries(con):
            raise CtfmonError(
                f"no audit key at {path}: the key that sealed this audit log is needed "
                "(restore the file, or set CTFMON_AUDIT_KEY or CTFMON_AUDIT_KEY_FILE)"
            )
        return _create_key(path)


def _read_key(path: Path) -> bytes:
    try:
        if path.stat().st_mode & 0o077:
            log.warning("audit key file %s can be read by others than its owner: chmod 600 it", path)
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CtfmonError(f"audit key file {path} is not readable as a hex key: {exc}") from None
    if len(key) < 16:
        raise CtfmonError(f"audit key file {path} holds a key shorter than 16 bytes")
    return key


def _create_key(path: Path) -> bytes:
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as exc:
        raise CtfmonError(f"cannot create the audit key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    log.warning("created the audit key %s (mode 0600); keep it away from those who can write the "
                "database, or set CTFMON_AUDIT_KEY from a secret store", path)
    return key


def key_id(key: bytes) -> str:
    """A fingerprint naming a key without revealing it."""
    return hmac.new(key, b"ctfmon audit key id", hashlib.sha256).hexdigest()[:16]


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


def _sealed_entries(con: duckdb.DuckDBPyConnection) -> int:
    return int(one_row(con, "SELECT count(*) FROM audit_log WHERE seq IS NOT NULL")[0])


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


@dataclass
class ChainReport:
    """What :func:`verify` found.  ``intact`` only when ``problems`` is empty."""

    entries: int
    head_seq: int | None
    head: str | None
    key_id: str
    problems: list[str] = field(default_factory=list)
    first_bad_audit_id: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, "entries": self.entries, "head_seq": self.head_seq,
                "head": self.head, "key_id": self.key_id, "problems": list(self.problems),
                "first_bad_audit_id": self.first_bad_audit_id}


MAX_LISTED = 20


def verify(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """Check every entry's seal, the links, the numbering and the checkpoint; say what is wrong."""
    total = int(one_row(con, "SELECT count(*) FROM audit_log")[0])
    if total == 0 and _checkpoint(con) is None:
        return ChainReport(entries=0, head_seq=None, head=None, key_id="")
    key = audit_key(con)
    kid = key_id(key)
    report = ChainReport(entries=total, head_seq=None, head=None, key_id=kid)
    problems: list[str] = []
    row_problems = 0

    def row_problem(audit_id: int, text: str) -> None:
        nonlocal row_problems
        row_problems += 1
        if report.first_bad_audit_id is None:
            report.first_bad_audit_id = audit_id
        if row_problems <= MAX_LISTED:
            problems.append(text)

    unsealed = one_row(con, "SELECT count(*), min(audit_id) FROM audit_log WHERE seq IS NULL")
    if unsealed[0]:
        row_problem(int(unsealed[1]), f"{unsealed[0]} entries are not sealed (written before the keyed chain): "
                                      "open the database for writing once (e.g. `ctfmon init`) to seal them")
    cp = _checkpoint(con)
    if cp is not None and cp[2] != kid:
        problems.append(f"the log was sealed with the key {cp[2]}, not with the key in use ({kid}): "
                        "verify with the key that sealed it (CTFMON_AUDIT_KEY or CTFMON_AUDIT_KEY_FILE)")
        report.problems = problems
        return report
    cur = con.execute(
        "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
        "CAST(after_state AS VARCHAR), prev_hash, entry_hash, seq FROM audit_log WHERE seq IS NOT NULL "
        "ORDER BY seq, audit_id"
    )
    prev, expected = GENESIS, 1
    altered: list[str] = []
    while batch := cur.fetchmany(10_000):
        for r in batch:
            audit_id, seq = int(r[0]), int(r[10])
            where = f"entry {audit_id} (seq {seq})"
            if seq < expected:
                row_problem(audit_id, f"{where}: seq {seq} appears twice")
            elif seq > expected:
                gap = f"seq {expected}" if seq == expected + 1 else f"seq {expected} .. {seq - 1}"
                row_problem(audit_id, f"{gap} missing before {where}: {seq - expected} "
                                      f"entr{'y' if seq - expected == 1 else 'ies'} deleted")
            ev = AuditEvent(r[2], r[3], r[4], r[5])
            mac = _mac(key, seq, audit_id, r[1], ev, _normalise_json(r[6]), _normalise_json(r[7]), r[8])
            if not hmac.compare_digest(mac, r[9]):
                row_problem(audit_id, f"{where}: its content does not match its seal "
                                      "(changed after it was written, or written without the key)")
            elif r[8] != prev and seq == expected:
                row_problem(audit_id, f"{where}: it does not follow the entry before it "
                                      "(an entry before it was replaced)")
            if r[3] == "audit.altered" and mac == r[9]:
                found = (json.loads(r[7]) or {}).get("found", "") if r[7] else ""
                altered.append(f"{where} records that the log was found altered on {r[1]:%Y-%m-%d %H:%M}: {found}")
            prev, expected = r[9], max(expected, seq + 1)
            report.head_seq, report.head = seq, r[9]
    if row_problems > MAX_LISTED:
        problems.append(f"... and {row_problems - MAX_LISTED} more entries with problems")
    problems.extend(altered)
    last = report.head_seq
    if cp is None:
        if last is not None:
            problems.append("the checkpoint is missing (deleted): the end of the log cannot be confirmed")
    else:
        seq, head, ckid, mac = cp
        if not hmac.compare_digest(mac, _checkpoint_mac(key, seq, head, ckid)):
            problems.append("the checkpoint does not carry a valid seal (forged or edited)")
        elif last is None or last < seq:
            n = seq - (last or 0)
            problems.append(f"the log ends at seq {last or 0} but the checkpoint records seq {seq}: "
                            f"the last {n} entr{'y was' if n == 1 else 'ies were'} removed")
        elif last > seq:
            problems.append(f"entries after the checkpoint (seq {seq + 1} .. {last}) were added outside ctfmon")
        elif report.head != head:
            problems.append(f"the last entry (seq {seq}) is not the one the checkpoint records")
    report.problems = problems
    return report


def verify_chain(con: duckdb.DuckDBPyConnection) -> tuple[bool, int | None]:
    """(intact, first bad audit_id or None): the short form of :func:`verify`."""
    r = verify(con)
    return r.intact, r.first_bad_audit_id


def seal_legacy(con: duckdb.DuckDBPyConnection) -> None:
    """Migration: seal a log written before the keyed chain.

    The old plain SHA-256 chain is checked first and the result recorded in an
    ``audit.sealed`` entry (so a break that happened before the migration stays visible);
    then every entry gets its ``seq`` and keyed seal in ``audit_id`` order, and the
    checkpoint is written."""
    n = int(one_row(con, "SELECT count(*) FROM audit_log WHERE seq IS NULL")[0])
    if n == 0:
        return
    with transaction(con):
        key = audit_key(con, create=True)
        intact, first_broken = _legacy_check(con)
        rows = con.execute(
            "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
            "CAST(after_state AS VARCHAR) FROM audit_log ORDER BY audit_id"
        ).fetchall()
        prev = GENESIS
        out: dict[str, list[Any]] = {"audit_id": [], "prev_hash": [], "entry_hash": [], "seq": []}
        for seq, r in enumerate(rows, start=1):
            h = _mac(key, seq, int(r[0]), r[1], AuditEvent(r[2], r[3], r[4], r[5]), _normalise_json(r[6]),
                     _normalise_json(r[7]), prev)
            for k, v in (("audit_id", int(r[0])), ("prev_hash", prev), ("entry_hash", h), ("seq", seq)):
                out[k].append(v)
            prev = h
        con.register("_audit_seal", pl.DataFrame(out, schema={
            "audit_id": pl.Int64, "prev_hash": pl.String, "entry_hash": pl.String, "seq": pl.Int64}).to_arrow())
        try:
            con.execute("UPDATE audit_log SET prev_hash = s.prev_hash, entry_hash = s.entry_hash, seq = s.seq "
                        "FROM _audit_seal s WHERE audit_log.audit_id = s.audit_id")
        finally:
            con.unregister("_audit_seal")
        _write_checkpoint(con, key, len(rows), prev)
        _append(con, key, [AuditEvent("ctfmon", "audit.sealed", "audit_log", "chain", None, {
            "entries": len(rows), "sha256_chain_intact": intact, "first_broken_audit_id": first_broken,
            "key_id": key_id(key)})])
    log.warning("audit log: %d entries sealed with the keyed chain (plain chain %s)", len(rows),
                "intact" if intact else f"broken at entry {first_broken}")


def _legacy_check(con: duckdb.DuckDBPyConnection) -> tuple[bool, int | None]:
    """The plain SHA-256 chain of logs written before the keyed chain."""
    prev = GENESIS
    for r in con.execute(
        "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
        "CAST(after_state AS VARCHAR), prev_hash, entry_hash FROM audit_log ORDER BY audit_id"
    ).fetchall():
        payload = "\x1f".join([prev, r[1].isoformat(), r[2], r[3], r[4], r[5], _normalise_json(r[6]) or "",
                               _normalise_json(r[7]) or ""])
        if r[8] != prev or hashlib.sha256(payload.encode("utf-8")).hexdigest() != r[9]:
            return False, int(r[0])
        prev = r[9]
    return True, None
