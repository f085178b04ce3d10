"""`ctfmon audit verify`: check the keyed audit chain."""

from __future__ import annotations

import typer

from cli import common
from cli.common import DbOption

app = typer.Typer()


audit_app = typer.Typer(help="The audit log: every change, sealed in a keyed chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(db: DbOption = None) -> None:
    """Check the audit chain: every entry's seal, the numbering and the checkpoint.

    Exit status 0 when intact, 1 when something is wrong (each problem is named)."""
    from engine import audit

    with common.reading(db) as (con, api):
        if con is not None:
            r = audit.verify(con).as_dict()
        else:
            r = api.get("/audit", verify="true", limit=1)["chain"]
    if r["intact"]:
        head = f"last seq {r['head_seq']}, seal {r['head'][:16]}" if r["head_seq"] else "empty"
        common.console.print(f"audit log intact: {r['entries']:,} entries ({head}), key {r['key_id'] or '-'}",
                      highlight=False)
        return
    common.err_console.print(f"[bold red]audit log NOT intact[/] ({r['entries']:,} entries, key {r['key_id']}):",
                      highlight=False)
    for p in r["problems"]:
        common.err_console.print(f"  - {p}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
