"""`ctfmon ingest` and `ctfmon quarantine`: load contract files (audited), rows that failed validation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli import common
from cli.common import DbOption, ForceOption
from engine import exports, store
from engine.errors import CtfmonError

app = typer.Typer()


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
    from services import ingest as ingest_service

    con = store.connect(common.db_path(db))
    min_bytes = 50 * 1024 * 1024
    stages = ["hashing", "reading", "validating", "converting currencies", "loading"]
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=common.err_console, transient=True,
    ) as progress:

        def on_file(path: Path, tbl: str):  # type: ignore[no-untyped-def]
            if path.stat().st_size < min_bytes:
                return None
            task = progress.add_task(f"{path.name}", total=len(stages))

            def stage(name: str) -> None:
                progress.update(task, description=f"{path.name}: {name}", completed=stages.index(name))

            return stage

        results, failed, skipped = ingest_service.ingest_paths(con, paths, table, actor=common.actor(),
                                                               upsert=upsert, on_file=on_file)
    out = Table(title="ingest")
    for col in ("file", "table", "read", "loaded", "quarantined", "duplicates", "note"):
        out.add_column(col, justify="right" if col in ("read", "loaded", "quarantined", "duplicates") else "left",
                       no_wrap=col != "note")
    for r in results:
        note = "already loaded" if r.already_loaded else (f"{r.rows_replaced} replaced" if r.rows_replaced else "")
        if r.values_cleaned:
            note = "; ".join(filter(None, [note, f"{r.values_cleaned} values cleaned (quarantine list --notes)"]))
        out.add_row(Path(r.file).name, r.table, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_quarantined:,}",
                    f"{r.rows_duplicate:,}", note)
    Console(width=max(common.console.width, 110)).print(out)
    for f in skipped:
        common.console.print(f"skipped {f}: not a contract table")
    for _path, msg in failed:
        common.err_console.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
    if any(r.rows_quarantined for r in results):
        common.console.print("some rows were quarantined: see `ctfmon quarantine list`")
    con.close()
    raise typer.Exit(ing.exit_code(results, failed))


quarantine_app = typer.Typer(help="Rows that failed validation, with their reasons.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    batch: Annotated[int | None, typer.Option("--batch", help="only this ingest batch")] = None,
    table: Annotated[str | None, typer.Option("--table", help="only this table")] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many rows")] = 50,
    notes: Annotated[bool, typer.Option("--notes", help="instead: values changed in loaded rows (control "
                                        "characters removed from free text)")] = False,
    db: DbOption = None,
) -> None:
    """Show quarantined rows: file, row, column and reason."""
    from rich.table import Table

    from engine import ingest as ing

    with store.connect(common.db_path(db), read_only=True) as con:
        frame = ing.notes_frame if notes else ing.quarantine_frame
        df = frame(con, batch_id=batch, table=table, limit=limit)
    out = Table(title=f"{'ingest notes' if notes else 'quarantine'} ({df.height} shown)")
    for col in ("batch", "file", "row", "column", "note" if notes else "reason"):
        out.add_column(col)
    for r in df.iter_rows(named=True):
        out.add_row(str(r["batch_id"]), r["file"], str(r["row_number"]), r["column_name"] or "",
                    r["note" if notes else "reason"])
    common.console.print(out)


@quarantine_app.command("export")
def quarantine_export(
    out: Annotated[Path, typer.Option("--out", help="file to write")],
    fmt: Annotated[str, typer.Option("--format", help="csv, jsonl or parquet")] = "csv",
    batch: Annotated[int | None, typer.Option("--batch", help="only this ingest batch")] = None,
    table: Annotated[str | None, typer.Option("--table", help="only this table")] = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write quarantined rows (with the raw row as JSON) to a file (CSV: formula-like cells neutralised)."""
    from engine import ingest as ing

    if fmt not in ("csv", "jsonl", "parquet"):
        raise CtfmonError(f"--format {fmt!r}: expected csv, jsonl or parquet")
    exports.check_target(out, force=force, db=common.db_path(db))
    with store.connect(common.db_path(db), read_only=True) as con:
        df = ing.quarantine_frame(con, batch_id=batch, table=table)
    with exports.output_file(out, force=force, db=common.db_path(db)) as tmp:
        {"csv": lambda p: exports.write_csv_for_people(df, p), "jsonl": df.write_ndjson,
         "parquet": df.write_parquet}[fmt](tmp)
    common.console.print(f"wrote {df.height:,} quarantined rows to {out}")
