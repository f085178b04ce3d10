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
from typer.core import TyperGroup

from engine import store
from engine.config import get_settings
from engine.errors import CtfmonError


class _Group(TyperGroup):
    """The root command group: user errors become one red line and their exit code."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except CtfmonError as exc:
            err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


console = Console()
err_console = Console(stderr=True)
app = typer.Typer(
    cls=_Group,
    name="ctfmon",
    help="Counter-terrorism financing and AML transaction monitoring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

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

@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="contract files (CSV, Parquet, JSON Lines) or directories")],
    table: Annotated[str | None, typer.Option("--table", help="table of every file given (else from the file name)")] = None,
    upsert: Annotated[bool, typer.Option("--upsert", help="replace rows whose id exists with different content")] = False,
    db: DbOption = None,
) -> None:
    """Validate and load contract files; bad rows go to the quarantine with a reason.

    Exit status: 0 all rows loaded, 3 some rows quarantined, 2 a file could not be loaded.
    """
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from engine import ingest as ing

    con = store.connect(db_path(db))
    min_bytes = 50 * 1024 * 1024
    stages = ["hashing", "reading", "validating", "converting currencies", "loading"]
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:

        def on_file(path: Path, tbl: str):  # type: ignore[no-untyped-def]
            if path.stat().st_size < min_bytes:
                return None
            task = progress.add_task(f"{path.name}", total=len(stages))

            def stage(name: str) -> None:
                progress.update(task, description=f"{path.name}: {name}", completed=stages.index(name))

            return stage

        results, failed, skipped = ing.ingest_paths(con, paths, table, upsert=upsert, on_file=on_file)
    out = Table(title="ingest")
    for col in ("file", "table", "read", "loaded", "quarantined", "duplicates", "note"):
        out.add_column(col, justify="right" if col in ("read", "loaded", "quarantined", "duplicates") else "left")
    for r in results:
        note = "already loaded" if r.already_loaded else (f"{r.rows_replaced} replaced" if r.rows_replaced else "")
        out.add_row(r.file, r.table, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_quarantined:,}",
                    f"{r.rows_duplicate:,}", note)
    console.print(out)
    for f in skipped:
        console.print(f"skipped {f}: not a contract table")
    for _path, msg in failed:
        err_console.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
    if any(r.rows_quarantined for r in results):
        console.print("some rows were quarantined: see `ctfmon quarantine list`")
    con.close()
    raise typer.Exit(ing.exit_code(results, failed))


quarantine_app = typer.Typer(help="Rows that failed validation, with their reasons.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    batch: Annotated[int | None, typer.Option("--batch", help="only this ingest batch")] = None,
    table: Annotated[str | None, typer.Option("--table", help="only this table")] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many rows")] = 50,
    db: DbOption = None,
) -> None:
    """Show quarantined rows: file, row, column and reason."""
    from rich.table import Table

    from engine import ingest as ing

    con = store.connect(db_path(db), read_only=True)
    df = ing.quarantine_frame(con, batch_id=batch, table=table, limit=limit)
    out = Table(title=f"quarantine ({df.height} shown)")
    for col in ("batch", "file", "row", "column", "reason"):
        out.add_column(col)
    for r in df.iter_rows(named=True):
        out.add_row(str(r["batch_id"]), r["file"], str(r["row_number"]), r["column_name"] or "", r["reason"])
    console.print(out)


@quarantine_app.command("export")
def quarantine_export(
    out: Annotated[Path, typer.Option("--out", help="file to write")],
    fmt: Annotated[str, typer.Option("--format", help="csv, jsonl or parquet")] = "csv",
    batch: Annotated[int | None, typer.Option("--batch", help="only this ingest batch")] = None,
    table: Annotated[str | None, typer.Option("--table", help="only this table")] = None,
    db: DbOption = None,
) -> None:
    """Write quarantined rows (with the raw row as JSON) to a file."""
    from engine import ingest as ing

    if fmt not in ("csv", "jsonl", "parquet"):
        raise CtfmonError(f"--format {fmt!r}: expected csv, jsonl or parquet")
    con = store.connect(db_path(db), read_only=True)
    df = ing.quarantine_frame(con, batch_id=batch, table=table)
    out.parent.mkdir(parents=True, exist_ok=True)
    {"csv": df.write_csv, "jsonl": df.write_ndjson, "parquet": df.write_parquet}[fmt](out)
    console.print(f"wrote {df.height:,} quarantined rows to {out}")


@app.command()
def stats(db: DbOption = None) -> None:
    """Rows and date range per table."""
    from rich.table import Table

    from engine import ingest as ing

    con = store.connect(db_path(db), read_only=True)
    out = Table(title=f"ctfmon database {db_path(db)}")
    for col in ("table", "rows", "from", "to", "range of"):
        out.add_column(col, justify="right" if col == "rows" else "left")
    for r in ing.stats(con):
        out.add_row(str(r["table"]), f"{r['rows']:,}", "" if r["from"] is None else str(r["from"]),
                    "" if r["to"] is None else str(r["to"]), str(r["range_of"]))
    console.print(out)



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
