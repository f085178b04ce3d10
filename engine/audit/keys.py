"""The audit key: ``CTFMON_AUDIT_KEY``, else a 0600 key file beside the database (created
when the first entry is written), else, for an in-memory database, a key held by the process."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from pathlib import Path

import duckdb

from engine.config import get_settings
from engine.errors import CtfmonError
from engine.store import one_row

log = logging.getLogger(__name__)


KEY_MIN_CHARS = 32
_PROCESS_KEY = secrets.token_bytes(32)  # in-memory databases: gone with the process, as is the log
_KEY_LOCK = threading.Lock()


# --------------------------------------------------------------------------- the key
def _sealed_entries(con: duckdb.DuckDBPyConnection) -> int:
    return int(one_row(con, "SELECT count(*) FROM audit_log WHERE seq IS NOT NULL")[0])


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
