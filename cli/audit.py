"""`ctfmon audit verify|export`: check the keyed audit chain; export entries as CSV (audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption, ForceOption
from engine.errors import CtfmonError

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


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    db: DbOption = None,
    actor: Annotated[str | None, typer.Option(help="only this actor")] = None,
    action: Annotated[str | None, typer.Option(help="only this action, or a prefix such as case.*")] = None,
    object_type: Annotated[str | None, typer.Option("--object-type", help="only this object type")] = None,
    object_id: Annotated[str | None, typer.Option("--object-id", help="only this object id")] = None,
    since: Annotated[str | None, typer.Option(help="first day YYYY-MM-DD (UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="last day YYYY-MM-DD (UTC)")] = None,
    force: ForceOption = False,
) -> None:
    """Write the filtered audit entries as CSV (newest first); the export is itself audited."""
    from datetime import date, datetime, timedelta

    from engine import audit, exports, store

    def day(v: str | None, option: str) -> date | None:
        try:
            return date.fromisoformat(v) if v else None
        except ValueError:
            raise CtfmonError(f"{option} {v!r} is not a date; expected YYYY-MM-DD") from None

    lo, hi = day(since, "--since"), day(until, "--until")
    path = common.db_path(db)
    exports.check_target(out, force=force, db=path)
    filters = {"actor": actor, "action": action, "object_type": object_type, "object_id": object_id}
    with store.connect(path, create=False) as con:
        items, total = audit.list_entries(
            con, since=datetime.combine(lo, datetime.min.time()) if lo else None,
            until=datetime.combine(hi + timedelta(days=1), datetime.min.time()) if hi else None,
            limit=1_000_000, **filters)
        exports.write_bytes(out, audit.to_csv(items), force=force, db=path)
        audit.record(con, audit.AuditEvent(common.actor(), "audit.export", "audit_log", "csv", None, {
            "filters": {k: str(v) for k, v in {**filters, "since": lo, "until": hi}.items() if v is not None},
            "entries": len(items), "matching": total, "out": str(out)}))
    common.err_console.print(f"wrote {out} ({len(items):,} entries)", highlight=False)
