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
