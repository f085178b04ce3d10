"""`ctfmon scan`: one scan through services.scans (alerts, cases, one audit entry); `--sandbox`
(implied by `--param`) keeps the alerts apart and opens no case; `ctfmon scan compare SCAN`
compares a sandbox scan with the live alerts of its window."""

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
scan_app = typer.Typer(help="Run a scan (live, or --sandbox); `scan compare` a sandbox with live.")
app.add_typer(scan_app, name="scan")


@scan_app.callback(invoke_without_command=True)
def scan(
    ctx: typer.Context,
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="end of the window: DATE (whole day) or timestamp; default: latest loaded")] = None,
    lookback: Annotated[int | None, typer.Option("--lookback", help="days before --as-of; default: all loaded data")] = None,
    typologies: Annotated[str | None, typer.Option("--typologies", help="comma-separated typology ids (default: all)")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="what-if value ID.name=value (repeatable; implies --sandbox)")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="keep the alerts apart, open no case (compare with `scan compare`)")] = False,
) -> None:
    """Run typologies over the loaded data, store their alerts and group new alerts into cases.

    With --sandbox (implied by --param: a what-if never opens real cases) the alerts are
    stored apart and no case is opened; live parameters change only through approved
    change requests (`ctfmon typologies set`)."""
    if ctx.invoked_subcommand is not None:
        return
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
                                 lookback_days=days, typology_ids=ids, params=per_scan, on_progress=on_progress,
                                 sandbox=sandbox or None)
    result, synced = outcome.result, outcome.cases
    kind = "sandbox scan" if result.mode == "sandbox" else "scan"
    out = Table(title=f"{kind} {result.scan_id}: {result.window_start} .. {result.window_end} ({result.status}, "
                      f"parameter version {result.param_version})")
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
    if result.mode == "sandbox":
        common.console.print(f"sandbox: alerts kept apart, no case opened; compare with the live alerts: "
                             f"ctfmon scan compare {result.scan_id}", highlight=False)
    else:
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


@scan_app.command("compare")
def compare(
    scan_id: Annotated[str, typer.Argument(help="a sandbox scan id")],
    against: Annotated[str | None, typer.Option("--against", help="live scan id (default: the latest over the same window)")] = None,
    db: DbOption = None,
    show_ids: Annotated[bool, typer.Option("--ids", help="list the added and removed alert ids")] = False,
) -> None:
    """A sandbox scan against the live alerts of the same window: added, removed, unchanged per typology."""
    from rich.table import Table

    from engine import sandbox as sandbox_mod

    with common.reading(db) as (con, api):
        res = (sandbox_mod.compare(con, scan_id, against) if con is not None
               else api.get(f"/scans/{scan_id}/compare", **({"against": against} if against else {})))
    out = Table(title=f"sandbox {scan_id} against live {res['live_scan_id']}")
    for col in ("typology", "added", "removed", "unchanged"):
        out.add_column(col, justify="left" if col == "typology" else "right")
    for tid, row in res["typologies"].items():
        out.add_row(tid, f"{row['added']:,}", f"{row['removed']:,}", f"{row['unchanged']:,}")
    t = res["totals"]
    out.add_row("[bold]total[/]", f"{t['added']:,}", f"{t['removed']:,}", f"{t['unchanged']:,}")
    common.console.print(out)
    if show_ids:
        for tid, row in res["typologies"].items():
            for kind in ("added", "removed"):
                for aid in row["ids"][kind]:
                    common.console.print(f"{tid} {kind} {aid}", highlight=False)
