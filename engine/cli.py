"""The ``ctfmon`` command line: thin typer commands over the engine.

Errors users can cause arrive as :class:`engine.errors.CtfmonError`; :func:`main` prints
them in one line (no traceback) and exits with their exit code.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engine import store
from engine.config import get_settings
from engine.errors import CtfmonError

app = typer.Typer(
    name="ctfmon",
    help="Counter-terrorism financing and AML transaction monitoring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB database file (default: $CTFMON_DB or ./ctfmon.duckdb)"),
]


def db_path(db: Path | None) -> Path:
    return db if db is not None else get_settings().db


@app.callback()
def _root() -> None:
    """Counter-terrorism financing and AML transaction monitoring."""


# --------------------------------------------------------------------------- foundation
@app.command()
def init(db: DbOption = None) -> None:
    """Create (or migrate) the database."""
    path = db_path(db)
    con = store.connect(path)
    con.close()
    console.print(f"database ready: {path}")


# Each area adds its commands in its own block above this line, headed `# ---- <area>`.


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except CtfmonError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
