"""`ctfmon risk rate|show|weights`: party risk ratings (engine.risk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()

risk_app = typer.Typer(help="Party risk ratings: score 0-100 and tier from weighted factors.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")

WeightsOption = Annotated[
    Path | None,
    typer.Option("--weights", help="weights file (default: $CTFMON_RISK_WEIGHTS_FILE or the shipped one)"),
]


@risk_app.command("rate")
def risk_rate(db: DbOption = None, weights: WeightsOption = None) -> None:
    """Rate every party now (every scan does this itself); keeps a history row when a rating changes."""
    from services import risk as risk_service

    with store.connect(common.db_path(db)) as con:
        run = risk_service.rate(con, actor=common.actor(), triggered_by=f"cli:{common.actor()}",
                                weights_file=weights)
    t = run.tiers
    common.console.print(
        f"{run.parties:,} parties rated with weights {run.weights_version} in {run.seconds:.2f} s: "
        f"{t['low']:,} low, {t['medium']:,} medium, {t['high']:,} high; {run.changed:,} new or changed "
        f"(run {run.run_id})", highlight=False)


@risk_app.command("show")
def risk_show(
    party_id: Annotated[str, typer.Argument(help="party id")],
    db: DbOption = None,
    history: Annotated[int, typer.Option("--history", min=1, help="history rows to show, newest first")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the GET /parties/{id}/risk JSON")] = False,
) -> None:
    """A party's rating: score, tier, why, every factor's contribution, and its history."""
    from engine import risk

    with common.reading(db) as (con, api):
        if con is not None:
            out: dict[str, Any] = risk.party_risk(con, party_id, history=history)
        else:
            out = api.get(f"/parties/{party_id}/risk", history=min(history, 1000))
    if as_json:
        typer.echo(json.dumps(out, default=str, indent=2))
        return
    from rich.table import Table

    cur = out["current"]
    common.console.print(f"[bold]{out['name']}[/] ({out['party_type']} {out['party_id']})", highlight=False)
    if cur is None:
        common.console.print("not rated yet: run `ctfmon risk rate` or a scan", highlight=False)
        return
    common.console.print(
        f"score [bold]{cur['score']:.1f}[/] / 100, tier [bold]{cur['tier']}[/] ({cur['tier_reason']}); "
        f"weights {cur['weights_version']}, rated {str(cur['rated_at'])[:19]}", highlight=False)
    table = Table(title="contributions")
    for col in ("factor", "observed", "level", "weight", "points"):
        table.add_column(col, justify="right" if col in ("level", "weight", "points") else "left")
    for c in cur["contributions"]:
        table.add_row(c["factor"], c["observed"], f"{c['value']:.2f}", f"{c['weight']:g}", f"{c['points']:.1f}")
    common.console.print(table)
    hist = Table(title=f"history ({len(out['history'])} shown)")
    for col in ("rated", "tier", "score", "why", "weights"):
        hist.add_column(col)
    for h in out["history"]:
        hist.add_row(str(h["rated_at"])[:19], h["tier"], f"{h['score']:.1f}", h["tier_reason"], h["weights_version"])
    common.console.print(hist)


@risk_app.command("weights")
def risk_weights(file: Annotated[Path | None, typer.Argument(help="weights file to check (default: the one in force)")] = None) -> None:
    """Check a weights file and show its factors, weights, cut-offs and overrides."""
    from rich.table import Table

    from engine import risk

    w = risk.load_weights(file)
    common.console.print(f"{file or risk.weights_path()}: version {w.version}, as of {w.as_of}, "
                         f"activity {w.activity_days} days; medium from {w.tiers.medium:g}, high from "
                         f"{w.tiers.high:g}", highlight=False)
    table = Table()
    for col in ("factor", "weight", "max points", "settings"):
        table.add_column(col, justify="right" if col in ("weight", "max points") else "left")
    for name in risk.FACTORS:
        f = w.factor(name)
        extra = {k: v for k, v in f.model_dump().items() if k != "weight"}
        table.add_row(name, f"{f.weight:g}", f"{f.weight * 100 / w.total_weight:.1f}",
                      json.dumps(extra) if extra else "")
    common.console.print(table)
    for o in w.overrides:
        common.console.print(f"override: {o.factor} >= {o.at_least:g} -> at least {o.tier}", highlight=False)
