"""What every command module shares: the consoles, the ``--db``/``--force`` options, the
database path, the read path (the database, or the API of the server holding it) and the
acting user named in audit entries (the global ``--as USER``).

Modules read ``common.console`` / ``common.err_console`` at call time (tests replace them).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from engine import remote, store
from engine.config import get_settings
from engine.errors import DatabaseBusy
from engine.remote import ApiClient

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB database file (default: $CTFMON_DB or ./ctfmon.duckdb)"),
]
ForceOption = Annotated[bool, typer.Option("--force", help="overwrite --out when it exists")]

_actor: dict[str, str | None] = {"name": None}


def set_actor(name: str | None) -> None:
    _actor["name"] = name.strip() if name and name.strip() else None


def actor() -> str:
    """Who runs this command, as audit entries name them: ``--as USER`` or the OS user name."""
    if _actor["name"]:
        return _actor["name"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "cli"


def db_path(db: Path | None) -> Path:
    return db if db is not None else get_settings().db


@contextmanager
def reading(db: Path | None) -> Iterator[tuple[duckdb.DuckDBPyConnection | None, ApiClient | None]]:
    """For a read command: ``(connection, None)`` on the database opened read-only (a missing
    database is refused, never created), or ``(None, client)`` for the API of the server
    holding it (``CTFMON_TOKEN``; refused with the way to set it otherwise)."""
    path = db_path(db)
    try:
        con = store.connect(path, read_only=True)
    except DatabaseBusy as busy:
        yield None, remote.client_for(path, busy)
        return
    with con:
        yield con, None


@contextmanager
def writing(db: Path | None) -> Iterator[tuple[duckdb.DuckDBPyConnection | None, ApiClient | None]]:
    """For a command that changes data: ``(connection, None)`` on the existing database, or
    ``(None, client)`` for the API of the server holding it (the server then writes)."""
    path = db_path(db)
    try:
        con = store.connect(path, create=False)
    except DatabaseBusy as busy:
        yield None, remote.client_for(path, busy)
        return
    with con:
        yield con, None


def optional_db(db: Path | None) -> bool:
    """Whether a command that works without a database has one to read (says so when --db names none)."""
    path = db_path(db)
    if path.exists():
        return True
    if db is not None:
        err_console.print(f"no database at {path}: showing the catalogue defaults", highlight=False)
    return False
