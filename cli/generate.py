"""`ctfmon generate` and `ctfmon verify`: synthetic data with planted typologies (services.datasets)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common

app = typer.Typer()


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
    profile: Annotated[str, typer.Option("--profile", help="realistic (everyday world), clean, or hard (realistic, subtler positives)")] = "realistic",
    inject_errors: Annotated[float, typer.Option("--inject-errors", help="share of malformed rows to add per table")] = 0.0,
) -> None:
    """Write a synthetic population with planted, labelled typologies (data contract files)."""
    import time

    from services import datasets

    t0 = time.perf_counter()
    manifest = datasets.generate(out, seed=seed, transactions=transactions, parties=parties, start=start, days=days,
                                 fmt=fmt, typologies=typologies, profile=profile, inject_errors=inject_errors)
    counts = manifest["row_counts"]
    common.console.print(", ".join(f"{k} {v:,}" for k, v in counts.items()), highlight=False)
    common.console.print(f"planted {sum(manifest['planted'].values())} instances of {len(manifest['planted'])} "
                         f"typologies, {sum(manifest['benign'].values())} look-alikes; written to {out} in "
                         f"{time.perf_counter() - t0:.1f}s", highlight=False)


@app.command()
def verify(
    data: Annotated[Path, typer.Argument(help="a directory written by ctfmon generate")],
) -> None:
    """Check that planted instances meet their typology's literal reading and look-alikes do not."""
    from rich.table import Table

    from services import datasets

    res = datasets.verify(data)
    out = Table(title=f"literal readings of {data}")
    for col in ("typology", "positives meeting it", "look-alikes meeting it", "failing"):
        out.add_column(col)
    for tid, r in res.items():
        failing = r["failing"]
        out.add_row(tid, f"{r['positives_ok']}/{r['positives']}", f"{r['lookalikes_ok']}/{r['lookalikes']}",
                    ", ".join(str(i) for i in failing) if isinstance(failing, list) else "")
    common.console.print(out)
    if any(r["positives_ok"] != r["positives"] or r["lookalikes_ok"] for r in res.values()):
        raise typer.Exit(1)
