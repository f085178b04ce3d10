"""`ctfmon report goaml`: a case as a goAML STR through services.reports (audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption, ForceOption
from engine import exports, remote, store
from engine.errors import CtfmonError, DatabaseBusy

app = typer.Typer()


report_app = typer.Typer(help="Regulatory reports (goAML).", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("goaml")
def report_goaml(
    case_id: str,
    db: DbOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of stdout")] = None,
    any_state: Annotated[bool, typer.Option("--any-state", help="export whatever the case's state")] = False,
    force: ForceOption = False,
) -> None:
    """Export a case as a schema-valid goAML 5.0.2 STR (escalated or filed cases); the export is audited."""
    from services import reports

    path = common.db_path(db)
    if out is not None:
        exports.check_target(out, force=force, db=path)
    try:
        con = store.connect(path, create=False)
    except DatabaseBusy as busy:
        if any_state:
            raise CtfmonError(f"{busy.message}; --any-state is not available through the server's API") from None
        xml = remote.client_for(path, busy).get_bytes(f"/reports/goaml/{case_id}")
    else:
        with con:
            xml = reports.export_goaml(con, case_id, actor=common.actor(), any_state=any_state,
                                       out=str(out) if out is not None else "stdout")
    if out is None:
        typer.echo(xml.decode("utf-8"), nl=False)
    else:
        exports.write_bytes(out, xml, force=force, db=path)
        common.err_console.print(f"wrote {out} ({len(xml)} bytes, schema-valid)")


@report_app.command("narrative")
def report_narrative(
    case_id: str,
    db: DbOption = None,
    text_file: Annotated[Path | None, typer.Option(
        "--save", help="save this file's text as the next version (a supervisor: `ctfmon --as NAME`)")] = None,
) -> None:
    """Show the STR narrative an export would use (saved or generated), or save an edited one."""
    from engine import auth
    from engine.reports import narrative

    if text_file is None:
        with common.reading(db) as (con, api):
            d = narrative.draft(con, case_id) if con is not None else api.get(f"/reports/goaml/{case_id}/narrative")
        label = "generated draft (not saved)" if d["generated"] else f"version {d['version']} by {d['author']}"
        common.err_console.print(f"{case_id}: {label}", highlight=False)
        typer.echo(d["text"])
        return
    try:
        text = text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CtfmonError(f"cannot read the narrative from {text_file}: {exc}") from None
    with store.connect(common.db_path(db), create=False) as con:
        who = auth.get_user(con, common.actor())
        d = narrative.save(con, case_id, text, auth.User(who["name"], who["role"]))
    common.console.print(f"{case_id}: narrative version {d['version']} saved by {d['author']}", highlight=False)
