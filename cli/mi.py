"""`ctfmon mi`: supervisor MI per typology and period, workload per analyst and SLA (engine.mi)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine.errors import CtfmonError

app = typer.Typer()


def _day(v: str | None, option: str) -> date | None:
    if not v:
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise CtfmonError(f"{option} {v!r} is not a date; expected YYYY-MM-DD") from None


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


@app.command("mi")
def mi_command(
    db: DbOption = None,
    period: Annotated[str, typer.Option(help="week, month or quarter")] = "month",
    since: Annotated[str | None, typer.Option(help="first day YYYY-MM-DD (default: 364 days before --until)")] = None,
    until: Annotated[str | None, typer.Option(help="last day YYYY-MM-DD (default: today)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the GET /mi JSON instead of tables")] = False,
) -> None:
    """Supervisor MI: alerts, cases, STRs, conversion, false-positive rate, time to decision, workload, SLA."""
    import json

    from rich.table import Table

    from engine import mi
    from engine.store import now_utc

    lo, hi = _day(since, "--since"), _day(until, "--until")
    with common.reading(db) as (con, api):
        if con is not None:
            r = mi.compute(con, now=now_utc(), period=period, since=lo, until=hi)
        else:
            r = api.get("/mi", period=period, since=lo.isoformat() if lo else None,
                        until=hi.isoformat() if hi else None)
    if as_json:
        typer.echo(json.dumps(r, default=lambda v: v.isoformat() if isinstance(v, date | datetime) else str(v),
                              indent=2))
        return
    out = Table(title=f"Per typology and {r['period']}, {r['since']} to {r['until']}")
    for col in ("typology", r["period"], "alerts", "cases", "decided", "STRs", "conversion", "FP", "FP rate",
                "median days"):
        out.add_column(col, justify="left" if col in ("typology", r["period"]) else "right")
    for x in r["by_period"]:
        out.add_row(x["typology"], str(x["period"])[:10], str(x["alerts"]), str(x["cases"]), str(x["decided"]),
                    str(x["strs"]), _pct(x["str_conversion"]), str(x["false_positives"]),
                    _pct(x["false_positive_rate"]),
                    "-" if x["median_days_to_decision"] is None else f"{x['median_days_to_decision']:.1f}")
    common.console.print(out)
    work = Table(title="Workload and ageing per analyst (open cases)")
    for col in ("analyst", "open", "overdue", "median age", "oldest", "decided"):
        work.add_column(col, justify="left" if col == "analyst" else "right")
    for a in r["analysts"]:
        work.add_row(a["analyst"] or "(unassigned)", str(a["open"]), str(a["overdue"]),
                     "-" if a["median_age_days"] is None else f"{a['median_age_days']:.0f}",
                     "-" if a["oldest_age_days"] is None else str(a["oldest_age_days"]), str(a["decided"]))
    common.console.print(work)
    slat = Table(title="SLA: open cases by priority")
    for col in ("priority", "due within", "open", "due within a day", "overdue"):
        slat.add_column(col)
    for p in r["sla"]["priorities"]:
        slat.add_row(p["priority"], f"{p['days']} days", str(p["open"]), str(p["due_within_a_day"]), str(p["overdue"]))
    common.console.print(slat)
    rules = "; ".join(f"{x['typology']} {x['business_days']} business day(s)" for x in r["sla"]["typology_rules"])
    if rules:
        common.console.print(f"typology rules: {rules}", highlight=False)
