"""The ``ctfmon`` command line: thin typer commands over the engine.

Errors users can cause arrive as :class:`engine.errors.CtfmonError`; :func:`main` prints
them in one line (no traceback) and exits with their exit code.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from typer.core import TyperGroup

from engine import exports, remote, store
from engine.config import get_settings
from engine.errors import CtfmonError, DatabaseBusy
from engine.remote import ApiClient


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


ForceOption = Annotated[bool, typer.Option("--force", help="overwrite --out when it exists")]


def db_path(db: Path | None) -> Path:
    return db if db is not None else get_settings().db


@contextmanager
def _reading(db: Path | None) -> Iterator[tuple[duckdb.DuckDBPyConnection | None, ApiClient | None]]:
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
        out.add_column(col, justify="right" if col in ("read", "loaded", "quarantined", "duplicates") else "left",
                       no_wrap=col != "note")
    for r in results:
        note = "already loaded" if r.already_loaded else (f"{r.rows_replaced} replaced" if r.rows_replaced else "")
        if r.values_cleaned:
            note = "; ".join(filter(None, [note, f"{r.values_cleaned} values cleaned (quarantine list --notes)"]))
        out.add_row(Path(r.file).name, r.table, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_quarantined:,}",
                    f"{r.rows_duplicate:,}", note)
    Console(width=max(console.width, 110)).print(out)
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
    notes: Annotated[bool, typer.Option("--notes", help="instead: values changed in loaded rows (control "
                                        "characters removed from free text)")] = False,
    db: DbOption = None,
) -> None:
    """Show quarantined rows: file, row, column and reason."""
    from rich.table import Table

    from engine import ingest as ing

    with store.connect(db_path(db), read_only=True) as con:
        frame = ing.notes_frame if notes else ing.quarantine_frame
        df = frame(con, batch_id=batch, table=table, limit=limit)
    out = Table(title=f"{'ingest notes' if notes else 'quarantine'} ({df.height} shown)")
    for col in ("batch", "file", "row", "column", "note" if notes else "reason"):
        out.add_column(col)
    for r in df.iter_rows(named=True):
        out.add_row(str(r["batch_id"]), r["file"], str(r["row_number"]), r["column_name"] or "",
                    r["note" if notes else "reason"])
    console.print(out)


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
    exports.check_target(out, force=force, db=db_path(db))
    with store.connect(db_path(db), read_only=True) as con:
        df = ing.quarantine_frame(con, batch_id=batch, table=table)
    with exports.output_file(out, force=force, db=db_path(db)) as tmp:
        {"csv": lambda p: exports.write_csv_for_people(df, p), "jsonl": df.write_ndjson,
         "parquet": df.write_parquet}[fmt](tmp)
    console.print(f"wrote {df.height:,} quarantined rows to {out}")


@app.command()
def stats(db: DbOption = None) -> None:
    """Rows and date range per table."""
    from rich.table import Table

    from engine import ingest as ing

    with store.connect(db_path(db), read_only=True) as con:
        rows = ing.stats(con)
    out = Table(title=f"ctfmon database {db_path(db)}")
    for col in ("table", "rows", "from", "to", "range of"):
        out.add_column(col, justify="right" if col == "rows" else "left")
    for r in rows:
        out.add_row(str(r["table"]), f"{r['rows']:,}", "" if r["from"] is None else str(r["from"]),
                    "" if r["to"] is None else str(r["to"]), str(r["range_of"]))
    Console(width=max(console.width, 100)).print(out)



# Each area adds its commands in its own block above this line, headed `# ---- <area>`.


# ---- scans, typologies, alerts, evaluation
typologies_app = typer.Typer(help="The typology catalogue: detectors and their parameters.", no_args_is_help=True)
app.add_typer(typologies_app, name="typologies")


@typologies_app.command("list")
def typologies_list(db: DbOption = None) -> None:
    """Every typology: id, name, number of parameters and, with a database, its stored overrides."""
    from rich.table import Table

    from typologies import registry

    catalogue = registry.catalogue()
    overrides: dict[str, int] = {}
    if _optional_db(db):
        with _reading(db) as (con, api):
            if con is not None:
                from engine import scan as scan_mod

                overrides = {tid: len(scan_mod.get_typology_overrides(con, cls)) for tid, cls in catalogue.items()}
            else:
                overrides = {t["id"]: sum(t["effective"][k] != _default(v) for k, v in t["params"].items())
                             for t in api.get("/typologies")}
    out = Table(title="typologies")
    for col in ("id", "name", "parameters", *(("overrides",) if overrides else ())):
        out.add_column(col)
    for tid, cls in catalogue.items():
        out.add_row(tid, cls.name, str(len(cls.Params.model_fields)),
                    *((str(overrides.get(tid, 0) or ""),) if overrides else ()))
    console.print(out)


def _optional_db(db: Path | None) -> bool:
    """Whether a command that works without a database has one to read (says so when --db names none)."""
    path = db_path(db)
    if path.exists():
        return True
    if db is not None:
        err_console.print(f"no database at {path}: showing the catalogue defaults", highlight=False)
    return False


def _default(info: dict[str, object]) -> object:
    """A parameter's default as the API's JSON gives it (tuples become lists)."""
    d = info["default"]
    return list(d) if isinstance(d, tuple) else d


@typologies_app.command("show")
def typologies_show(
    typology_id: Annotated[str, typer.Argument(help="typology id, e.g. TF-CASH-01")],
    db: DbOption = None,
) -> None:
    """Description, parameters (type, default, current value) and references of one typology."""
    from rich.table import Table

    from engine import scan as scan_mod
    from typologies import registry

    cls = registry.catalogue().typology(typology_id)
    params = cls.Params()
    if _optional_db(db):
        with _reading(db) as (con, api):
            params = (scan_mod.effective_params(con, cls) if con is not None
                      else cls.Params.model_validate(api.get(f"/typologies/{typology_id}")["effective"]))
    current: dict[str, object] = params.model_dump()
    d = cls.describe(params)
    console.print(f"[bold]{d['id']}[/] {d['name']}")
    console.print(d["description"], highlight=False)
    out = Table(title="parameters")
    for col in ("name", "type", "default", "current", "description"):
        out.add_column(col)
    for name, info in d["params"].items():
        cur = current.get(name, info["default"])
        if isinstance(cur, list):
            cur = tuple(cur)
        out.add_row(name, info["type"], str(info["default"]), str(cur) if cur != info["default"] else "",
                    info["description"])
    console.print(out)
    if d["references"]:
        console.print("[bold]references[/]")
        for ref in d["references"]:
            console.print(f"  - {ref}", highlight=False)


@typologies_app.command("set")
def typologies_set(
    typology_id: Annotated[str, typer.Argument(help="typology id")],
    assignments: Annotated[list[str], typer.Argument(help="name=value (value 'default' removes the override)")],
    db: DbOption = None,
) -> None:
    """Store parameter overrides used by every later scan."""
    from engine import scan as scan_mod
    from typologies import registry

    values: dict[str, object] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise CtfmonError(f"{item!r}: expected name=value")
        values[name.strip()] = None if raw.strip() == "default" else raw.strip()
    with store.connect(db_path(db)) as con:
        effective = scan_mod.set_typology_params(con, registry.catalogue().typology(typology_id), values)
    console.print(f"{typology_id}: " + ", ".join(f"{k}={v}" for k, v in effective.items()), highlight=False)


def _parse_as_of(value: str | None):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, time

    if value is None:
        return None
    try:
        if len(value.strip()) == 10:
            return datetime.combine(datetime.fromisoformat(value.strip()).date(), time(23, 59, 59, 999999))
        ts = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CtfmonError(f"--as-of {value!r}: expected a date YYYY-MM-DD or an ISO 8601 timestamp") from None
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


@app.command()
def scan(
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="end of the window: DATE (whole day) or timestamp; default: latest loaded")] = None,
    lookback: Annotated[int | None, typer.Option("--lookback", help="days before --as-of; default: all loaded data")] = None,
    typologies: Annotated[str | None, typer.Option("--typologies", help="comma-separated typology ids (default: all)")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="per-scan override ID.name=value (repeatable)")] = None,
) -> None:
    """Run typologies over the loaded data, store their alerts and group new alerts into cases."""
    from rich.table import Table

    from engine import cases
    from engine import scan as scan_mod
    from typologies import registry

    ids = [t.strip() for t in typologies.split(",") if t.strip()] if typologies else None
    per_scan = scan_mod.parse_param_assignments(param or [])
    with store.connect(db_path(db)) as con, _scan_progress() as on_progress:
        result = scan_mod.run_scan(con, registry.catalogue(), as_of=_parse_as_of(as_of), lookback_days=lookback,
                                   typology_ids=ids, params=per_scan, triggered_by="cli", on_progress=on_progress)
        synced = cases.sync_cases(con, actor="cli")
    out = Table(title=f"scan {result.scan_id}: {result.window_start} .. {result.window_end} ({result.status})")
    for col in ("typology", "alerts", "new", "seconds", "error"):
        out.add_column(col, justify="right" if col in ("alerts", "new", "seconds") else "left")
    for tid in result.timings:
        out.add_row(tid, f"{result.counts.get(tid, 0):,}", f"{result.new_alerts.get(tid, 0):,}",
                    f"{result.timings[tid]:.2f}", result.errors.get(tid, ""))
    out.add_row("[bold]total[/]", f"{result.total_alerts:,}", f"{result.total_new:,}",
                f"{sum(result.timings.values()):.2f}", result.errors.get("scan", ""))
    console.print(out)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
    console.print(f"cases: {synced.cases_created} opened, {synced.cases_joined} joined by "
                  f"{synced.alerts_added} new alerts")
    if result.errors:
        raise typer.Exit(1)


@contextmanager
def _scan_progress() -> Iterator[Callable[[str, str, int, int], None] | None]:
    """A progress display per typology on a terminal (nothing when output is redirected)."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from typologies import registry

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as progress:
        task = progress.add_task("scan: reading the window", total=None)

        def on_progress(typology_id: str, stage: str, done: int, total: int) -> None:
            text = f"scan: {typology_id} {registry.catalogue().typology(typology_id).name}" if stage == "start" else None
            progress.update(task, total=total, completed=done, description=text)

        yield on_progress


alerts_app = typer.Typer(help="Alerts produced by scans.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("list")
def alerts_list(
    db: DbOption = None,
    typology: Annotated[str | None, typer.Option("--typology", help="typology id(s), comma-separated")] = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="only alerts scoring at least this")] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many rows")] = 50,
) -> None:
    """Alerts, strongest first."""
    from rich.table import Table

    from engine import alerts as al

    with _reading(db) as (con, api):
        if con is not None:
            rows = al.list_alerts(con, typology=typology, min_score=min_score, limit=limit).to_dicts()
            total = al.count_alerts(con, typology=typology, min_score=min_score)
        else:
            page = api.get("/alerts", typology=typology, min_score=min_score, limit=min(limit, 500))
            rows, total = page["items"], page["total"]
    out = Table(title=f"alerts ({len(rows):,} of {total:,})")
    for col in ("alert_id", "typology", "subject", "score", "window", "explanation"):
        out.add_column(col)
    for r in rows:
        out.add_row(r["alert_id"], r["typology_id"], f"{r['subject_type']}:{r['subject_id']}", f"{r['score']:.2f}",
                    f"{_day(r['window_start'])} .. {_day(r['window_end'])}" if r["window_start"] else "",
                    r["explanation"])
    console.print(out)


def _day(value: object) -> str:
    """YYYY-MM-DD of a datetime or of an ISO 8601 string (as the API returns them)."""
    return str(value)[:10]


@alerts_app.command("show")
def alerts_show(alert_id: Annotated[str, typer.Argument(help="alert id")], db: DbOption = None) -> None:
    """One alert with its evidence and measured figures."""
    import json as _json

    from engine import alerts as al

    with _reading(db) as (con, api):
        a = al.get_alert(con, alert_id) if con is not None else api.get(f"/alerts/{alert_id}")
    console.print(f"[bold]{a['alert_id']}[/] {a['typology_id']}  {a['subject_type']} {a['subject_id']}  "
                  f"score {a['score']:.2f}", highlight=False)
    console.print(f"window {a['window_start']} .. {a['window_end']}   scan {a['scan_id']}", highlight=False)
    console.print(a["explanation"], highlight=False)
    console.print(f"evidence ({len(a['evidence'])}): " + ", ".join(a["evidence"]), highlight=False)
    console.print_json(_json.dumps(a["details"], default=str))


@alerts_app.command("export")
def alerts_export(
    out: Annotated[Path, typer.Option("--out", help="file to write")],
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or jsonl")] = "parquet",
    db: DbOption = None,
    typology: Annotated[str | None, typer.Option("--typology", help="typology id(s), comma-separated")] = None,
    min_score: Annotated[float | None, typer.Option("--min-score")] = None,
    force: ForceOption = False,
) -> None:
    """Write alerts in the contract's alert shape (CSV: formula-like cells neutralised)."""
    from engine import alerts as al

    exports.check_target(out, force=force, db=db_path(db))
    with store.connect(db_path(db), read_only=True) as con:
        n = al.export_alerts(con, out, fmt, typology=typology, min_score=min_score, force=force, db=db_path(db))
    console.print(f"wrote {n:,} alerts to {out}")


@app.command()
def evaluate(
    labels: Annotated[Path, typer.Option("--labels", help="labels file (parquet/csv/jsonl) or a generated directory")],
    db: DbOption = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the figures as JSON here")] = None,
    typologies: Annotated[str | None, typer.Option("--typologies", help="comma-separated ids (default: all seen)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite the --json file when it exists")] = False,
) -> None:
    """Precision, recall and F1 of the stored alerts against ground-truth labels."""
    from rich.table import Table

    from engine import evaluate as ev

    if json_out is not None:
        exports.check_target(json_out, force=force, db=db_path(db), option="--json")
    lab = ev.load_labels(labels)
    bg = ev.load_background(labels)
    with store.connect(db_path(db), read_only=True) as con:
        ids = [t.strip() for t in typologies.split(",") if t.strip()] if typologies else None
        res = ev.evaluate(con, lab, typology_ids=ids, background=bg)

    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    from rich import box

    out = Table(title=f"evaluation against {labels} (subject level, then evidence level)",
                box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    cols = ("typology", "inst", "recall'd", "alerted", "true", "other", "P", "P*", "R", "F1",
            "ev P", "ev R", "ev F1", "rows", "bg", "bg/1k")
    for col in cols:
        out.add_column(col, justify="left" if col == "typology" else "right", no_wrap=True)
    rows = list(res["typologies"].items()) + [("ALL", res["all"])]
    for tid, r in rows:
        s, e, x = r["subject"], r["evidence"], r["subject_excluding_other_planted"]
        out.add_row(f"[bold]{tid}[/]" if tid == "ALL" else tid, str(r["instances"]), str(r["instances_recalled"]),
                    str(r["alerted_subjects"]), str(r["true_subjects"]), str(r["other_planted_subjects"]),
                    f(s["precision"]), f(x["precision"]), f(s["recall"]),
                    f(s["f1"]), f(e["precision"]), f(e["recall"]), f(e["f1"]), f"{r['alert_rows']:,}",
                    f"{r['background_parties_alerted']:,}", f(r["background_per_1000"]))
    Console(width=max(console.width, 150)).print(out)
    console.print("other: alerted subjects planted for another typology; P*: precision leaving them out; rows: "
                  "alert rows; bg: background parties alerted (in no planted instance or look-alike), bg/1k: per "
                  f"1,000 of the {res['population']['background_parties']:,} background parties", highlight=False)
    kinds = Table(title="false positives by everyday kind (background parties alerted)"
                  + ("" if res["population"]["background_kinds_known"] else ": no background file, kinds unknown"),
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    kinds.add_column("typology", no_wrap=True)
    kinds.add_column("top kinds (parties)")
    for tid, r in rows:
        if r["false_positive_kinds"]:
            kinds.add_row(tid, ", ".join(f"{k['kind']} {k['parties']:,}" for k in r["false_positive_kinds"][:5]))
    if kinds.row_count:
        Console(width=max(console.width, 150)).print(kinds)
    if json_out is not None:
        with exports.output_file(json_out, force=force, db=db_path(db), option="--json") as tmp:
            ev.write_json(res, tmp)
        console.print(f"wrote {json_out}")


# ---- api, users, cases, reports
users_app = typer.Typer(help="API users, roles and tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
cases_app = typer.Typer(help="Cases: alerts grouped per subject.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
report_app = typer.Typer(help="Regulatory reports (goAML).", no_args_is_help=True)
app.add_typer(report_app, name="report")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    db: DbOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="create one user per role and print their tokens")] = False,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="do not run scheduled scans")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the HTTP API (docs at /docs) and run scheduled scans until Ctrl-C.

    The server holds the database: other ctfmon commands on it exit with status 2 until it stops.
    """
    import uvicorn

    from api.app import create_app

    path = db_path(db)
    web = create_app(path, demo=demo, scheduler=not no_scheduler)
    url = f"http://{host}:{port}"
    if demo:
        from api.app import DEMO_USERS

        roles = dict(DEMO_USERS)
        typer.echo("demo users and their tokens (shown once):")
        for name, token in web.state.demo_tokens.items():
            typer.echo(f"  {roles.get(name, ''):<11} {name:<16} {token}")
        typer.echo(f'try: curl -H "Authorization: Bearer <token>" {url}/cases')
        typer.echo(f"analyst pages, signed in as the demo analyst: {url}/ui/demo-login?as=analyst")
    typer.echo(f"serving {path} at {url}  (API docs: {url}/docs)  Ctrl-C to stop")
    # keep idle connections longer than clients' pools do, so a reused connection is not cut mid-request
    uvicorn.run(web, host=host, port=port, log_level=log_level, timeout_keep_alive=75)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option("--role", help="analyst, supervisor, admin or auditor")],
    db: DbOption = None,
) -> None:
    """Add a user with a role."""
    from engine import auth

    with store.connect(db_path(db)) as con:
        auth.add_user(con, name, role, actor="cli")
    console.print(f"user {name} added ({role}); get a token with `ctfmon users token {name}`")


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = None) -> None:
    """Issue a new API token for a user and print it (it is not shown again)."""
    from engine import auth

    with store.connect(db_path(db)) as con:
        token_id, token = auth.issue_token(con, name, actor="cli")
    err_console.print(f"token {token_id} for {name} (store it now; it is not shown again):")
    typer.echo(token)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Users with their roles and active token counts."""
    from rich.table import Table

    from engine import auth

    with _reading(db) as (con, api):
        rows = auth.list_users(con) if con is not None else api.get("/users")
    out = Table()
    for col in ("name", "role", "active", "tokens", "created"):
        out.add_column(col)
    for u in rows:
        out.add_row(u["name"], u["role"], str(u["active"]), str(u["active_tokens"]), str(u["created_at"])[:19])
    console.print(out)


@users_app.command("revoke")
def users_revoke(name: str, token_id: str, db: DbOption = None) -> None:
    """Revoke one of a user's tokens."""
    from engine import auth

    with store.connect(db_path(db)) as con:
        auth.revoke_token(con, name, token_id, actor="cli")
    console.print(f"token {token_id} of {name} revoked")


@cases_app.command("sync")
def cases_sync(db: DbOption = None) -> None:
    """Group alerts that are not yet in a case into cases (every scan does this itself)."""
    from engine import cases

    with store.connect(db_path(db)) as con:
        r = cases.sync_cases(con, actor="cli")
    console.print(f"{r.alerts_added} alerts: {r.cases_created} cases created, {r.cases_joined} joined")


@cases_app.command("list")
def cases_list(
    db: DbOption = None,
    state: Annotated[str | None, typer.Option(help="only this state")] = None,
    limit: Annotated[int, typer.Option(help="rows to show")] = 20,
) -> None:
    """The case queue, highest risk first."""
    from rich.table import Table

    from engine import cases

    with _reading(db) as (con, api):
        if con is not None:
            rows, total = cases.list_cases(con, state=state, limit=limit)
        else:
            page = api.get("/cases", state=state, limit=min(limit, 500))
            rows, total = page["items"], page["total"]
    out = Table(title=f"{total} cases")
    for col in ("case", "subject", "state", "risk", "alerts", "typologies", "assignee", "due"):
        out.add_column(col, no_wrap=col in ("case", "state", "risk"))
    for c in rows:
        out.add_row(c["case_id"], f"{c['subject_type']} {c['subject_id']}", c["state"], f"{c['risk_score']:.2f}",
                    str(c["alert_count"]), ", ".join(c["typologies"]), c["assignee"] or "-", str(c["due_at"])[:10])
    console.print(out)


@cases_app.command("show")
def cases_show(case_id: str, db: DbOption = None) -> None:
    """One case in full, as JSON (the API's GET /cases/{id} shape)."""
    import json

    from engine import cases

    with _reading(db) as (con, api):
        detail = cases.get_case(con, case_id) if con is not None else api.get(f"/cases/{case_id}")
    typer.echo(json.dumps(detail, default=str, indent=2))


@report_app.command("goaml")
def report_goaml(
    case_id: str,
    db: DbOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of stdout")] = None,
    any_state: Annotated[bool, typer.Option("--any-state", help="export whatever the case's state")] = False,
    force: ForceOption = False,
) -> None:
    """Export a case as a schema-valid goAML 5.0.2 STR (escalated or filed cases); the export is audited."""
    from engine import audit
    from engine.reports import goaml

    path = db_path(db)
    if out is not None:
        exports.check_target(out, force=force, db=path)
    try:
        con = store.connect(path, create=False)
    except DatabaseBusy as busy:
        if any_state:
            raise CtfmonError(f"{busy.message}; --any-state is not available through the server's API") from None
        xml = remote.client_for(path, busy).get_bytes(f"/reports/goaml/{case_id}")
    else:
        with con:
            xml = goaml.export_case(con, case_id, require_state=None if any_state else goaml.EXPORTABLE_STATES)
            audit.record(con, audit.AuditEvent("cli", "report.goaml", "case", case_id, None, {
                "bytes": len(xml), "out": str(out) if out is not None else "stdout", "any_state": any_state}))
    if out is None:
        typer.echo(xml.decode("utf-8"), nl=False)
    else:
        exports.write_bytes(out, xml, force=force, db=path)
        err_console.print(f"wrote {out} ({len(xml)} bytes, schema-valid)")


audit_app = typer.Typer(help="The audit log: every change, sealed in a keyed chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(db: DbOption = None) -> None:
    """Check the audit chain: every entry's seal, the numbering and the checkpoint.

    Exit status 0 when intact, 1 when something is wrong (each problem is named)."""
    from engine import audit

    with _reading(db) as (con, api):
        if con is not None:
            r = audit.verify(con).as_dict()
        else:
            r = api.get("/audit", verify="true", limit=1)["chain"]
    if r["intact"]:
        head = f"last seq {r['head_seq']}, seal {r['head'][:16]}" if r["head_seq"] else "empty"
        console.print(f"audit log intact: {r['entries']:,} entries ({head}), key {r['key_id'] or '-'}",
                      highlight=False)
        return
    err_console.print(f"[bold red]audit log NOT intact[/] ({r['entries']:,} entries, key {r['key_id']}):",
                      highlight=False)
    for p in r["problems"]:
        err_console.print(f"  - {p}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


# ---- screening
lists_app = typer.Typer(help="Sanctions lists: load versions, show them, compare them.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")


@lists_app.command("load")
def lists_load(
    file: Annotated[Path, typer.Argument(help="UN Consolidated List XML or a list CSV")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="un-xml or csv (default: from the file extension)")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="list name (default: UN for the UN XML, the file stem for CSV)")
    ] = None,
    rescreen: Annotated[
        bool, typer.Option("--rescreen/--no-rescreen", help="re-screen parties and transactions (SAN-01, SAN-02)")
    ] = True,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="load although it drops more than list_max_drop_share of the active entries")
    ] = False,
    db: DbOption = None,
) -> None:
    """Load a list file as the new active version of its list, then re-screen everything.

    A file that would drop more than 20% (setting list_max_drop_share) of the active
    version's entries is refused unless --confirm."""
    from engine.screening import lists as screening_lists

    with store.connect(db_path(db)) as con:
        res = screening_lists.load_list(con, file, fmt=fmt, list_name=name, confirm=confirm)
        if res.already_loaded:
            console.print(f"list {res.list_name}: this file is version {res.version_id} (re-activated, not copied)")
        else:
            console.print(
                f"list {res.list_name}: version {res.version_id} active: {res.entries} entries "
                f"({res.persons} persons, {res.entities} entities), {res.names} names, sha256 {res.content_hash[:12]}"
            )
        if res.previous_version_id is not None and not res.already_loaded:
            d = res.diff
            console.print(
                f"changes since version {res.previous_version_id}: {len(d['added'])} added, "
                f"{len(d['removed'])} removed, {len(d['changed'])} changed"
            )
        if rescreen:
            from engine import scan as scan_mod
            from typologies import registry

            result = scan_mod.run_scan(con, registry.catalogue(), typology_ids=["SAN-01", "SAN-02"],
                                       triggered_by="lists load")
            console.print(
                f"re-screened ({result.scan_id}, {result.status}): "
                + ", ".join(f"{t} {result.counts.get(t, 0)} alerts ({result.new_alerts.get(t, 0)} new)"
                            for t in ("SAN-01", "SAN-02"))
            )
            if result.errors:
                for t, err in result.errors.items():
                    err_console.print(f"[red]{t}[/]: {err}", highlight=False)
                raise typer.Exit(1)


@lists_app.command("show")
def lists_show(db: DbOption = None) -> None:
    """Every stored list version (active ones marked)."""
    from rich.table import Table

    from engine.screening import lists as screening_lists

    with _reading(db) as (con, api):
        rows = screening_lists.list_versions(con).to_dicts() if con is not None else api.get("/screening/lists")
    if not rows:
        console.print("no lists loaded: use `ctfmon lists load FILE`")
        return
    out = Table(title="sanctions list versions")
    for col in ("version", "list", "active", "format", "generated", "loaded", "entries", "persons",
                "entities", "names", "sha256", "file"):
        out.add_column(col)
    for r in rows:
        out.add_row(
            str(r["version_id"]), r["list_name"], "yes" if r["active"] else "", r["source_format"],
            str(r["generated_at"] or ""), str(r["loaded_at"])[:19], str(r["entries"]), str(r["persons"]),
            str(r["entities"]), str(r["names"]), r["content_hash"][:12], r["file"],
        )
    console.print(out)


@lists_app.command("diff")
def lists_diff(
    old: Annotated[int, typer.Argument(help="old version id (see `ctfmon lists show`)")],
    new: Annotated[int, typer.Argument(help="new version id")],
    db: DbOption = None,
) -> None:
    """Designations added, removed and changed between two list versions."""
    from engine.screening import lists as screening_lists

    with store.connect(db_path(db), read_only=True) as con:
        d = screening_lists.diff_versions(con, old, new)
    console.print(f"{len(d['added'])} added, {len(d['removed'])} removed, {len(d['changed'])} changed")
    for change in ("added", "removed", "changed"):
        for ref in d[change]:
            console.print(f"{change:8} {ref}", highlight=False)


@app.command("screen")
def screen_cmd(
    name: Annotated[str, typer.Argument(help="name to screen, any script")],
    dob: Annotated[str | None, typer.Option("--dob", help="birth date YYYY-MM-DD or year YYYY")] = None,
    nationality: Annotated[str | None, typer.Option("--nationality", help="ISO 3166-1 alpha-2")] = None,
    document: Annotated[str | None, typer.Option("--document", help="passport or id number")] = None,
    entry_type: Annotated[str | None, typer.Option("--type", help="person, entity or vessel")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="match decision threshold (0..1)")] = 0.80,
    limit: Annotated[int, typer.Option("--limit", help="candidates shown")] = 10,
    db: DbOption = None,
) -> None:
    """Screen one name against the active lists: ranked candidates with the score breakdown,
    and the best candidate's list entry side by side with the query."""
    from urllib.parse import quote

    from rich.table import Table

    from engine.screening import service

    with _reading(db) as (con, api):
        if con is not None:
            query = service.make_query(name, birth_date=dob, nationality=nationality, document_number=document,
                                       entry_type=entry_type)
            results = [{"score": c.score, "list_name": c.list_name, "reference": c.reference,
                        "entry_type": c.entry_type, "matched_name": c.matched_name, "explanation": c.explanation(),
                        "features": c.features}
                       for c in service.match(con, [query], threshold=threshold, limit=limit)[0]]
            side = (service.compare_entry(con, results[0]["list_name"], results[0]["reference"], query,
                                          threshold=threshold) if results else None)
        else:
            q = {"name": name, "birth_date": dob, "nationality": nationality, "document_number": document,
                 "entity_type": entry_type}
            body = {"queries": [{k: v for k, v in q.items() if v is not None}], "threshold": threshold,
                    "limit": limit}
            results = api.post("/screening/match", body)["results"][0]["candidates"]
            side = (api.get(f"/screening/entries/{quote(results[0]['list_name'], safe='')}/"
                            f"{quote(results[0]['reference'], safe='')}",
                            **{k: v for k, v in q.items() if v is not None}, threshold=threshold)
                    if results else None)
    if not results:
        console.print(f"no candidates for {name!r}", highlight=False)
        return
    out = Table(title=f"candidates for {name!r} (threshold {threshold:.2f})")
    for col in ("score", "match", "list", "reference", "type", "matched name", "breakdown"):
        out.add_column(col)
    for r in results:
        out.add_row(f"{r['score']:.3f}", "MATCH" if r["score"] >= threshold else "", r["list_name"],
                    r["reference"], r["entry_type"], r["matched_name"], r["explanation"])
    console.print(out)
    top = results[0]
    aligned = top["features"]["name"]["aligned"]
    console.print(
        "best name alignment: "
        + ", ".join(f"{a['query']}~{a['list']} {a['similarity']:.2f} (w {a['weight']:.2f}, {a.get('rule', '')})"
                    for a in aligned),
        highlight=False,
    )
    if side is not None:
        e = side["entry"]
        cmp_table = Table(title=f"{e['list_name']} {e['reference']}: {e['primary_name']} ({e['entry_type']}), "
                                f"{e['program'] or 'no programme'}, listed {e['listed_on'] or 'n/a'}")
        for col in ("feature", "query", "list entry", "outcome", "detail"):
            cmp_table.add_column(col)

        def shown(v: object) -> str:
            return "; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))

        for row in side["comparison"]:
            cmp_table.add_row(row["feature"], shown(row["query"]), shown(row["list"]), row["outcome"].upper(),
                              row.get("detail") or "")
        console.print(cmp_table)
        console.print("listed names: " + "; ".join(f"{n['name']} ({n['kind']}, {n['name_score']:.2f})"
                                                   for n in side.get("names", [])), highlight=False)


# ---- datagen
@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="output directory")],
    seed: Annotated[int, typer.Option("--seed", help="random seed (same seed and arguments: identical files)")] = 7,
    transactions: Annotated[int, typer.Option("--transactions", help="number of transactions")] = 200_000,
    parties: Annotated[int | None, typer.Option("--parties", help="parties (default: transactions/40, min 500)")] = None,
    start: Annotated[str, typer.Option("--start", help="first day, YYYY-MM-DD")] = "2026-01-01",
    days: Annotated[int, typer.Option("--days", help="length of the window in days")] = 365,
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or jsonl")] = "parquet",
    typologies: Annotated[str | None, typer.Option("--typologies", help="comma-separated ids to plant (default all)")] = None,
    profile: Annotated[str, typer.Option("--profile", help="realistic (everyday world), clean, or hard (clean, subtler positives)")] = "realistic",
    inject_errors: Annotated[float, typer.Option("--inject-errors", help="share of malformed rows to add per table")] = 0.0,
) -> None:
    """Write a synthetic population with planted, labelled typologies (data contract files)."""
    import time
    from datetime import date

    from datagen.generate import make_config, write
    from typologies import registry

    try:
        start_d = date.fromisoformat(start)
    except ValueError:
        raise CtfmonError(f"--start {start!r}: expected a date YYYY-MM-DD") from None
    units = registry.units()
    cfg = make_config(units, seed=seed, transactions=transactions, parties=parties, start=start_d, days=days,
                      fmt=fmt, typologies=typologies, profile=profile, inject_errors=inject_errors)
    t0 = time.perf_counter()
    manifest = write(out, cfg, units)
    counts = manifest["row_counts"]
    console.print(", ".join(f"{k} {v:,}" for k, v in counts.items()), highlight=False)
    console.print(f"planted {sum(manifest['planted'].values())} instances of {len(manifest['planted'])} typologies, "
                  f"{sum(manifest['benign'].values())} look-alikes; written to {out} in "
                  f"{time.perf_counter() - t0:.1f}s", highlight=False)


@app.command()
def verify(
    data: Annotated[Path, typer.Argument(help="a directory written by ctfmon generate")],
) -> None:
    """Check that planted instances meet their typology's literal reading and look-alikes do not."""
    from rich.table import Table

    from datagen.verify import verify as check
    from typologies import registry

    if not (data / "manifest.json").is_file():
        raise CtfmonError(f"{data}: no manifest.json; expected a directory written by `ctfmon generate`")
    res = check(data, {tid: u.reading for tid, u in registry.units().items() if u.reading is not None})
    out = Table(title=f"literal readings of {data}")
    for col in ("typology", "positives meeting it", "look-alikes meeting it", "failing"):
        out.add_column(col)
    for tid, r in res.items():
        failing = r["failing"]
        out.add_row(tid, f"{r['positives_ok']}/{r['positives']}", f"{r['lookalikes_ok']}/{r['lookalikes']}",
                    ", ".join(str(i) for i in failing) if isinstance(failing, list) else "")
    console.print(out)
    if any(r["positives_ok"] != r["positives"] or r["lookalikes_ok"] for r in res.values()):
        raise typer.Exit(1)


# ---- graph
graph_app = typer.Typer(help="Money-flow graph analytics.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")


@graph_app.command("neighbourhood")
def graph_neighbourhood(
    entity_id: Annotated[str, typer.Argument(help="party id or account id")],
    hops: Annotated[int, typer.Option("--hops", help="account hops to expand")] = 2,
    since: Annotated[str | None, typer.Option("--since", help="only transactions on or after DATE (YYYY-MM-DD)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or graphml")] = "json",
    max_nodes: Annotated[int, typer.Option("--max-nodes", help="cap on accounts returned")] = 500,
    out: Annotated[Path | None, typer.Option("--out", help="write to this file instead of standard output")] = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """A party's or account's money-flow neighbourhood: edges aggregated per account pair."""
    import json
    from datetime import datetime

    from engine import graph

    if fmt not in ("json", "graphml"):
        raise CtfmonError(f"--format {fmt!r}: expected json or graphml")
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since)
        except ValueError:
            raise CtfmonError(f"--since {since!r}: expected a date YYYY-MM-DD") from None
    if out is not None:
        exports.check_target(out, force=force, db=db_path(db))
    with store.connect(db_path(db), read_only=True) as con:
        nb = graph.neighbourhood(con, entity_id, hops=hops, since=since_dt, max_nodes=max_nodes)
    text = graph.to_graphml(nb) if fmt == "graphml" else json.dumps(nb, indent=2, default=str) + "\n"
    if out is not None:
        exports.write_bytes(out, text.encode("utf-8"), force=force, db=db_path(db))
        err_console.print(f"{len(nb['nodes'])} accounts, {len(nb['edges'])} account pairs written to {out}")
    else:
        sys.stdout.write(text)
    if nb["message"]:
        err_console.print(nb["message"], highlight=False)


# ---- import
import_app = typer.Typer(help="Convert public AML datasets (AMLSim, AMLworld) into contract files.",
                         no_args_is_help=True)
app.add_typer(import_app, name="import")


def _print_manifest(manifest: dict, out: Path) -> None:
    rows = ", ".join(f"{k} {v:,}" for k, v in manifest["rows"].items())
    console.print(f"{rows}; written to {out} (manifest.json); next: ctfmon ingest {out}", highlight=False)


@import_app.command("amlsim")
def import_amlsim_cmd(
    src: Annotated[Path, typer.Argument(help="AMLSim output directory or .tgz archive")],
    out: Annotated[Path, typer.Option("--out", help="output directory for contract files and labels")],
    start_date: Annotated[str, typer.Option("--start-date", help="date of step 0, YYYY-MM-DD")] = "2017-01-01",
    country: Annotated[str, typer.Option("--country", help="country of the accounts and parties")] = "US",
) -> None:
    """IBM AMLSim output (current or sample layout) -> contract files + labels."""
    from datetime import date

    from datagen.importers.amlsim import import_amlsim

    try:
        start_d = date.fromisoformat(start_date)
    except ValueError:
        raise CtfmonError(f"--start-date {start_date!r}: expected a date YYYY-MM-DD") from None
    _print_manifest(import_amlsim(src, out, start_date=start_d, country=country.upper()), out)


@import_app.command("amlworld")
def import_amlworld_cmd(
    trans_csv: Annotated[Path, typer.Argument(help="AMLworld transactions CSV (e.g. HI-Small_Trans.csv)")],
    out: Annotated[Path, typer.Option("--out", help="output directory for contract files and labels")],
    patterns: Annotated[Path | None, typer.Option("--patterns", help="AMLworld patterns file (…_Patterns.txt)")] = None,
    country: Annotated[str, typer.Option("--country", help="country of the accounts and parties")] = "US",
) -> None:
    """IBM AMLworld transactions (+ laundering patterns) -> contract files + labels."""
    from datagen.importers.amlworld import import_amlworld

    _print_manifest(import_amlworld(trans_csv, out, patterns=patterns, country=country.upper()), out)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except CtfmonError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
