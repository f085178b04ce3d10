"""`ctfmon scan`: one scan through services.scans (alerts, cases, one audit entry)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store
from engine.detect.catalogue import Catalogue

app = typer.Typer()


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

    from engine import scan as scan_mod
    from services import scans, window
    from services.typologies import catalogue

    ids = [t.strip() for t in typologies.split(",") if t.strip()] if typologies else None
    per_scan = scan_mod.parse_param_assignments(param or [])
    as_of_ts, days = window.parse_as_of(as_of), window.parse_lookback(lookback)
    cat = catalogue()
    with store.connect(common.db_path(db)) as con, _scan_progress(cat) as on_progress:
        outcome = scans.run_scan(con, cat, actor=common.actor(), triggered_by="cli",
                                 case_actor=f"cli:{common.actor()}", as_of=as_of_ts,
                                 lookback_days=days, typology_ids=ids, params=per_scan, on_progress=on_progress)
    result, synced = outcome.result, outcome.cases
    out = Table(title=f"scan {result.scan_id}: {result.window_start} .. {result.window_end} ({result.status})")
    for col in ("typology", "alerts", "new", "seconds", "error"):
        out.add_column(col, justify="right" if col in ("alerts", "new", "seconds") else "left")
    for tid in result.timings:
        out.add_row(tid, f"{result.counts.get(tid, 0):,}", f"{result.new_alerts.get(tid, 0):,}",
                    f"{result.timings[tid]:.2f}", result.errors.get(tid, ""))
    out.add_row("[bold]total[/]", f"{result.total_alerts:,}", f"{result.total_new:,}",
                f"{sum(result.timings.values()):.2f}", result.errors.get("scan", ""))
    common.console.print(out)
    for w in result.warnings:
        common.console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
    common.console.print(f"cases: {synced.cases_created} opened, {synced.cases_joined} joined by "
                         f"{synced.alerts_added} new alerts")
    _print_party_risk(db, result.scan_id)
    if result.errors:
        raise typer.Exit(1)


def _print_party_risk(db: Path | None, scan_id: str) -> None:
    """The tiers of the party risk rating the scan service made after the scan (engine.risk)."""
    from engine import risk

    with store.connect(common.db_path(db), read_only=True) as con:
        run = risk.last_run(con)
    if run is not None and run["triggered_by"] == f"scan {scan_id}":
        t = run["tiers"]
        common.console.print(f"party risk: {run['parties']:,} parties rated ({t['low']:,} low, {t['medium']:,} medium, "
                             f"{t['high']:,} high; {run['changed']:,} changed)", highlight=False)


@contextmanager
def _scan_progress(cat: Catalogue) -> Iterator[Callable[[str, str, int, int], None] | None]:
    """A progress display per typology on a terminal (nothing when output is redirected)."""
    if not common.err_console.is_terminal:
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

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=common.err_console, transient=True) as progress:
        task = progress.add_task("scan: reading the window", total=None)

        def on_progress(typology_id: str, stage: str, done: int, total: int) -> None:
            text = f"scan: {typology_id} {cat.typology(typology_id).name}" if stage == "start" else None
            progress.update(task, total=total, completed=done, description=text)

        yield on_progress
