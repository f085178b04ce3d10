"""`ctfmon alerts list|show|export`: alerts produced by scans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption, ForceOption
from engine import exports, store

app = typer.Typer()


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

    with common.reading(db) as (con, api):
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
    common.console.print(out)


def _day(value: object) -> str:
    """YYYY-MM-DD of a datetime or of an ISO 8601 string (as the API returns them)."""
    return str(value)[:10]


@alerts_app.command("show")
def alerts_show(alert_id: Annotated[str, typer.Argument(help="alert id")], db: DbOption = None) -> None:
    """One alert with its evidence and measured figures."""
    import json as _json

    from engine import alerts as al

    with common.reading(db) as (con, api):
        a = al.get_alert(con, alert_id) if con is not None else api.get(f"/alerts/{alert_id}")
    common.console.print(f"[bold]{a['alert_id']}[/] {a['typology_id']}  {a['subject_type']} {a['subject_id']}  "
                  f"score {a['score']:.2f}", highlight=False)
    common.console.print(f"window {a['window_start']} .. {a['window_end']}   scan {a['scan_id']}", highlight=False)
    common.console.print(a["explanation"], highlight=False)
    common.console.print(f"evidence ({len(a['evidence'])}): " + ", ".join(a["evidence"]), highlight=False)
    common.console.print_json(_json.dumps(a["details"], default=str))


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

    exports.check_target(out, force=force, db=common.db_path(db))
    with store.connect(common.db_path(db), read_only=True) as con:
        n = al.export_alerts(con, out, fmt, typology=typology, min_score=min_score, force=force, db=common.db_path(db))
    common.console.print(f"wrote {n:,} alerts to {out}")
