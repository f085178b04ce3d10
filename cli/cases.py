"""`ctfmon cases sync|list|show`: alerts grouped per subject."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()


cases_app = typer.Typer(help="Cases: alerts grouped per subject.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")


@cases_app.command("sync")
def cases_sync(db: DbOption = None) -> None:
    """Group alerts that are not yet in a case into cases (every scan does this itself)."""
    from engine import cases

    with store.connect(common.db_path(db)) as con:
        r = cases.sync_cases(con, actor=f"cli:{common.actor()}")
    common.console.print(f"{r.alerts_added} alerts: {r.cases_created} cases created, {r.cases_joined} joined")


@cases_app.command("list")
def cases_list(
    db: DbOption = None,
    state: Annotated[str | None, typer.Option(help="only this state")] = None,
    limit: Annotated[int, typer.Option(help="rows to show")] = 20,
    sort: Annotated[str, typer.Option(help="risk, party_risk (the subject's risk tier), age, newest, typology or due")] = "risk",
) -> None:
    """The case queue, highest risk first (or in --sort order)."""
    from rich.table import Table

    from engine import cases

    with common.reading(db) as (con, api):
        if con is not None:
            rows, total = cases.list_cases(con, state=state, sort=sort, limit=limit)
        else:
            page = api.get("/cases", state=state, sort=sort, limit=min(limit, 500))
            rows, total = page["items"], page["total"]
    out = Table(title=f"{total} cases")
    for col in ("case", "subject", "state", "risk", "party risk", "alerts", "typologies", "assignee", "due"):
        out.add_column(col, no_wrap=col in ("case", "state", "risk"))
    for c in rows:
        tier = f"{c['party_risk_tier']} {c['party_risk_score']:.0f}" if c.get("party_risk_tier") else "-"
        out.add_row(c["case_id"], f"{c['subject_type']} {c['subject_id']}", c["state"], f"{c['risk_score']:.2f}", tier,
                    str(c["alert_count"]), ", ".join(c["typologies"]), c["assignee"] or "-", str(c["due_at"])[:10])
    common.console.print(out)


@cases_app.command("show")
def cases_show(case_id: str, db: DbOption = None) -> None:
    """One case in full, as JSON (the API's GET /cases/{id} shape)."""
    import json

    from engine import cases

    with common.reading(db) as (con, api):
        detail = cases.get_case(con, case_id) if con is not None else api.get(f"/cases/{case_id}")
    typer.echo(json.dumps(detail, default=str, indent=2))
