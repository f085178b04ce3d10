"""`ctfmon import amlsim|amlworld`: public AML data sets as contract files (services.datasets)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common

app = typer.Typer()


import_app = typer.Typer(help="Convert public AML datasets (AMLSim, AMLworld) into contract files.",
                         no_args_is_help=True)
app.add_typer(import_app, name="import")


def _print_manifest(manifest: dict, out: Path) -> None:
    rows = ", ".join(f"{k} {v:,}" for k, v in manifest["rows"].items())
    common.console.print(f"{rows}; written to {out} (manifest.json); next: ctfmon ingest {out}", highlight=False)


@import_app.command("amlsim")
def import_amlsim_cmd(
    src: Annotated[Path, typer.Argument(help="AMLSim output directory or .tgz archive")],
    out: Annotated[Path, typer.Option("--out", help="output directory for contract files and labels")],
    start_date: Annotated[str, typer.Option("--start-date", help="date of step 0, YYYY-MM-DD")] = "2017-01-01",
    country: Annotated[str, typer.Option("--country", help="country of the accounts and parties")] = "US",
) -> None:
    """IBM AMLSim output (current or sample layout) -> contract files + labels."""
    from services import datasets

    _print_manifest(datasets.import_amlsim(src, out, start_date=start_date, country=country), out)


@import_app.command("amlworld")
def import_amlworld_cmd(
    trans_csv: Annotated[Path, typer.Argument(help="AMLworld transactions CSV (e.g. HI-Small_Trans.csv)")],
    out: Annotated[Path, typer.Option("--out", help="output directory for contract files and labels")],
    patterns: Annotated[Path | None, typer.Option("--patterns", help="AMLworld patterns file (…_Patterns.txt)")] = None,
    country: Annotated[str, typer.Option("--country", help="country of the accounts and parties")] = "US",
) -> None:
    """IBM AMLworld transactions (+ laundering patterns) -> contract files + labels."""
    from services import datasets

    _print_manifest(datasets.import_amlworld(trans_csv, out, patterns=patterns, country=country), out)
