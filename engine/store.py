"""Opening the database, creating and migrating its schema, and transactions.

DuckDB allows one writing process per database file.  When another process holds it,
:func:`connect` raises :class:`DatabaseBusy` with a one-line message instead of a trace.

Migrations: every module in :data:`DDL_MODULES` lists idempotent statements (``CREATE ...
IF NOT EXISTS``, ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS``) run on every writable open;
changes that need code (re-sealing the audit log) are named steps in :data:`MIGRATIONS`,
each run once per database and recorded in ``schema_migrations``.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from engine import schema
from engine.errors import CtfmonError, DatabaseBusy

log = logging.getLogger(__name__)

#: Modules that own tables.  Each exposes ``DDL: list[str]`` of idempotent statements
#: (``CREATE ... IF NOT EXISTS``).  Adding an area with tables means adding it here.
DDL_MODULES: tuple[str, ...] = (
    "engine.schema",
    "engine.scan", "engine.detect.catalogue",
    "engine.screening.lists", "engine.screening.documents",
    "engine.audit", "engine.auth", "engine.cases", "engine.case_lineage", "engine.schedule", "engine.risk",
    "engine.realtime.decisions",
)


#: Named migration steps that need code: (name, "module:function(con)"), run once each, in order.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("audit-keyed-chain", "engine.audit:seal_legacy"),
)
_MIGRATIONS_DDL = """CREATE TABLE IF NOT EXISTS schema_migrations (
  name VARCHAR PRIMARY KEY,
  applied_at TIMESTAMP NOT NULL
)"""


def _module_ddl(name: str) -> list[str]:
    mod = importlib.import_module(name)
    if name == "engine.schema":
        return schema.all_ddl()
    return list(mod.DDL)


def all_ddl() -> list[str]:
    out: list[str] = []
    for name in DDL_MODULES:
        out.extend(_module_ddl(name))
    return out


_LOCK_RE = re.compile(r"(Could not set lock|Conflicting lock)", re.IGNORECASE)
_PID_RE = re.compile(r"PID (\d+)")


def connect(path: str | Path, *, read_only: bool = False, create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open ``path``; create and migrate the schema unless ``read_only``."""
    p = Path(path)
    if str(path) != ":memory:" and not p.exists():
        if read_only or not create:
            raise CtfmonError(f"no database at {p}: run `ctfmon init --db {p}` or `ctfmon ingest` first")
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if _LOCK_RE.search(msg):
            pid = _PID_RE.search(msg)
            who = f" (process {pid.group(1)})" if pid else ""
            raise DatabaseBusy(
                f"database {p} is in use by another process{who}: DuckDB allows one writer; "
                "stop it or use its API"
            ) from None
        raise CtfmonError(f"cannot open database {p}: {msg}") from None
    except duckdb.Error as exc:
        raise CtfmonError(f"cannot open database {p}: {exc}") from None
    if not read_only:
        migrate(con)
    else:
        pending = pending_migrations(con)
        if pending:
            con.close()
            raise CtfmonError(
                f"database {p} was written by an older ctfmon and needs migrating ({', '.join(pending)}): "
                f"run `ctfmon init --db {p}` once"
            )
    return con


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Named migration steps not applied to this database yet."""
    try:
        done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:
        done = set()
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that is missing, run the named migration steps not yet applied and
    record the schema version."""
    with transaction(con):
        for stmt in all_ddl():
            con.execute(stmt)
        con.execute(_MIGRATIONS_DDL)
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] if row else None
        if current is None or current < schema.SCHEMA_VERSION:
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?)",
                [schema.SCHEMA_VERSION, datetime.now(UTC).replace(tzinfo=None)],
            )
        elif current > schema.SCHEMA_VERSION:
            raise CtfmonError(
                f"database schema version {current} is newer than this ctfmon ({schema.SCHEMA_VERSION})"
            )
        done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
        for name, target in MIGRATIONS:
            if name in done:
                continue
            module, _, func = target.partition(":")
            getattr(importlib.import_module(module), func)(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [name, now_utc()])
            log.info("migration %s applied", name)


#: Connections inside :func:`transaction` (by id): a nested block joins the outer transaction.
_IN_TRANSACTION: set[int] = set()
_TX_GUARD = threading.Lock()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, rolling back on any exception.  Inside another ``transaction`` block
    on the same connection it joins that transaction (DuckDB has no nested transactions)."""
    key = id(con)
    with _TX_GUARD:
        nested = key in _IN_TRANSACTION
        _IN_TRANSACTION.add(key)
    if nested:
        yield con
        return
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")
    finally:
        with _TX_GUARD:
            _IN_TRANSACTION.discard(key)


def now_utc() -> datetime:
    """Naive UTC now (the database stores naive UTC timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> tuple[Any, ...]:
    """The single row of a query that always yields one (an aggregate, ``current_database()``)."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise RuntimeError(f"query returned no row: {sql[:80]}")
    return row
