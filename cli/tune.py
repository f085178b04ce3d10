"""`ctfmon tune`: backtest one parameter of a typology over history in sandbox scans, with charts
and a recommendation; `ctfmon below-the-line show|decide`: the review batches of alerts a
stricter value would drop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()
btl_app = typer.Typer(help="Below-the-line review batches: alerts a stricter value would drop.", no_args_is_help=True)
app.add_typer(btl_app, name="below-the-line")


@app.command("tune")
def tune(
    typology_id: Annotated[str, typer.Argument(help="typology id, e.g. TF-CASH-01")],
    param: Annotated[str, typer.Option("--param", help="NAME=v1,v2,... the values to sweep")],
    labels: Annotated[Path | None, typer.Option("--labels", help="labels file or generated directory (default: analysts' dispositions)")] = None,
    target_recall: Annotated[float | None, typer.Option("--target-recall", help="recommend the fewest alerts reaching this recall")] = None,
    alert_budget: Annotated[int | None, typer.Option("--alert-budget", help="recommend the highest recall within this many alerts")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="end of the window (default: latest loaded)")] = None,
    lookback: Annotated[int | None, typer.Option("--lookback", help="days before --as-of (default: all loaded data)")] = None,
    charts: Annotated[Path, typer.Option("--charts", help="directory for the PNG and SVG charts")] = Path("."),
    below_the_line: Annotated[str | None, typer.Option("--below-the-line", help="a stricter swept value (or 'recommended'): sample the alerts it drops for review")] = None,
    sample: Annotated[int, typer.Option("--sample", help="alerts in the below-the-line batch")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="seed of the below-the-line sample")] = 17,
    db: DbOption = None,
) -> None:
    """Sweep one parameter in sandboxes: alerts, alerted parties, precision, recall and F1 per value."""
    from rich.table import Table

    from engine import tuning
    from services import tuning as tuning_service
    from services import window
    from services.typologies import catalogue

    name, values = tuning.parse_values(param)
    with store.connect(common.db_path(db)) as con:
        out = tuning_service.tune(
            con, catalogue(), typology_id, name, list(values), actor=common.actor(), labels_path=labels,
            target_recall=target_recall, alert_budget=alert_budget, as_of=window.parse_as_of(as_of),
            lookback_days=window.parse_lookback(lookback), chart_dir=charts, below_the_line=below_the_line, sample=sample,
            seed=seed)
    res, rec = out["result"], out["recommended"]
    t = Table(title=f"{out['tuning_id']}: {typology_id} {name} over {res['window_start']} .. {res['window_end']}")
    for col in ("value", "alerts", "parties", "precision", "recall", "F1", "seconds"):
        t.add_column(col, justify="left" if col == "value" else "right")
    for p in res["points"]:
        mark = (" (live)" if p["live"] else "") + (" *" if rec and p["value"] == rec["value"] else "")
        t.add_row(f"{p['value']}{mark}", f"{p['alerts']:,}", f"{p['alerted_parties']:,}", _f(p["precision"]),
                  _f(p["recall"]), _f(p["f1"]), f"{p['seconds']:.2f}")
    common.console.print(t)
    common.console.print(f"labels: {res['labels']}", highlight=False)
    common.console.print(f"recommended: {name}={rec['value']} ({rec['why']})" if rec else
                         "recommended: none of the values meets the target or budget", highlight=False)
    common.console.print("charts: " + ", ".join(out["charts"]), highlight=False)
    if out["batch"]:
        b = out["batch"]
        common.console.print(f"below the line: {b['dropped']:,} alerts dropped by {name}={b['stricter_value']}; "
                             f"{b['summary']['sampled']} sampled into {b['batch_id']} "
                             f"(`ctfmon below-the-line show {b['batch_id']}`)", highlight=False)


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@btl_app.command("show")
def btl_show(batch_id: Annotated[str, typer.Argument(help="review batch id (BTL-...)")], db: DbOption = None) -> None:
    """A review batch: its sampled alerts, their decisions and the share found worth a case."""
    from rich.table import Table

    from engine import tuning_store
    from engine.errors import CtfmonError

    with common.reading(db) as (con, _api):
        if con is None:
            raise CtfmonError("the database is held by a server: open the batch on its tuning page")
        b = tuning_store.batch(con, batch_id)
    t = Table(title=f"{batch_id}: {b['typology_id']} {b['param']} {b['live_value']} -> {b['stricter_value']} "
                    f"drops {b['dropped']:,} alerts")
    for col in ("alert", "subject", "score", "decision", "by", "explanation"):
        t.add_column(col)
    for i in b["items"]:
        t.add_row(i["alert_id"], f"{i['subject_type']} {i['subject_id']}", f"{i['score']:.2f}", i["decision"] or "",
                  i["decided_by"] or "", i["explanation"])
    common.console.print(t)
    s = b["summary"]
    share = "-" if s["share_worth_case"] is None else f"{s['share_worth_case']:.0%}"
    common.console.print(f"decided {s['decided']} of {s['sampled']}; worth a case: {s['worth_case']} ({share})")


@btl_app.command("decide")
def btl_decide(
    batch_id: Annotated[str, typer.Argument(help="review batch id")],
    alert_id: Annotated[str, typer.Argument(help="a sampled alert id")],
    decision: Annotated[str, typer.Argument(help="worth_case or not_worth_case")],
    note: Annotated[str, typer.Option("--note", help="why")] = "",
    db: DbOption = None,
) -> None:
    """Disposition one sampled alert: worth a case or not (once)."""
    from engine import tuning_store

    with store.connect(common.db_path(db)) as con:
        b = tuning_store.decide(con, batch_id, alert_id, decision, actor=common.actor(), note=note)
    s = b["summary"]
    common.console.print(f"{alert_id}: {decision}; decided {s['decided']} of {s['sampled']}, worth a case "
                         f"{s['worth_case']}", highlight=False)
