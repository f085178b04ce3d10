"""`ctfmon cases sync|list|show|merge|split`: alerts grouped into one case per scheme."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()


cases_app = typer.Typer(help="Cases: alerts grouped per scheme (linked subjects).", no_args_is_help=True)
app.add_typer(cases_app, name="cases")


@cases_app.command("sync")
def cases_sync(
    db: DbOption = None,
    regroup: Annotated[bool, typer.Option(
        "--regroup", help="also merge open, untouched cases of one scheme (once, after an upgrade)")] = False,
) -> None:
    """Group alerts that are not yet in a case into cases (every scan does this itself)."""
    from engine import cases

    with store.connect(common.db_path(db)) as con:
        r = cases.sync_cases(con, actor=f"cli:{common.actor()}", regroup=regroup)
    merged = f", {r.cases_merged} merged" if r.cases_merged else ""
    common.console.print(f"{r.alerts_added} alerts: {r.cases_created} cases created, {r.cases_joined} joined{merged}")


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


def _worker(con: object) -> object:
    """The ``--as`` user (or the OS user) as a registered analyst or supervisor."""
    from engine import auth
    from engine.errors import CtfmonError, NotFound

    name = common.actor()
    try:
        row = auth.get_user(con, name)  # type: ignore[arg-type]
    except NotFound:
        raise CtfmonError(f"{name!r} is not a ctfmon user: name an analyst or supervisor with "
                          "`ctfmon --as USER cases ...`", http_status=403) from None
    if not row["active"]:
        raise CtfmonError(f"user {name!r} is not active", http_status=403)
    return auth.User(name, row["role"])


@cases_app.command("merge")
def cases_merge(
    case_id: Annotated[str, typer.Argument(help="the case that stays")],
    others: Annotated[list[str], typer.Argument(help="cases to merge into it")],
    reason: Annotated[str, typer.Option("--reason", help="why they are one scheme (required)")] = "",
    db: DbOption = None,
) -> None:
    """Merge open cases into CASE_ID (audited; needs an analyst or supervisor: ctfmon --as USER)."""
    from engine import case_edit

    with common.writing(db) as (con, api):
        out = (case_edit.merge_cases(con, case_id, others, reason, _worker(con))  # type: ignore[arg-type]
               if con is not None else api.post(f"/cases/{case_id}/merge", {"cases": others, "reason": reason}))
    common.console.print(f"{', '.join(others)} merged into {case_id}: {out['alert_count']} alerts, "
                         f"risk {out['risk_score']:.2f}")


@cases_app.command("split")
def cases_split(
    case_id: str,
    subject: Annotated[list[str] | None, typer.Option("--subject", help="party/account id whose alerts move")] = None,
    alert: Annotated[list[str] | None, typer.Option("--alert", help="alert id to move")] = None,
    reason: Annotated[str, typer.Option("--reason", help="why they do not belong (required)")] = "",
    db: DbOption = None,
) -> None:
    """Move subjects or alerts out of CASE_ID into a new case (audited; ctfmon --as USER)."""
    from engine import case_edit

    with common.writing(db) as (con, api):
        out = (case_edit.split_case(con, case_id, subjects=subject, alert_ids=alert, reason=reason,
                                    user=_worker(con))  # type: ignore[arg-type]
               if con is not None else api.post(
                   f"/cases/{case_id}/split", {"subjects": subject or [], "alerts": alert or [], "reason": reason}))
    new = out["new_case"]
    common.console.print(f"split {new['alert_count']} alerts out of {case_id} into {new['case_id']}; "
                         f"{out['case']['alert_count']} stay")
