"""`ctfmon typologies list|show|set|approve|reject|rollback|history|doc`: the catalogue, its
parameters and their changes under four eyes (a change goes live when a second person approves it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store
from engine.errors import CtfmonError

app = typer.Typer()
typologies_app = typer.Typer(help="The typology catalogue: detectors and their parameters.", no_args_is_help=True)
app.add_typer(typologies_app, name="typologies")


@typologies_app.command("list")
def typologies_list(db: DbOption = None) -> None:
    """Every typology: id, name, number of parameters and, with a database, its stored overrides."""
    from rich.table import Table

    from services.typologies import catalogue

    cat = catalogue()
    overrides: dict[str, int] = {}
    if common.optional_db(db):
        with common.reading(db) as (con, api):
            if con is not None:
                from engine import scan as scan_mod

                overrides = {tid: len(scan_mod.get_typology_overrides(con, cls)) for tid, cls in cat.items()}
            else:
                overrides = {t["id"]: sum(t["effective"][k] != _default(v) for k, v in t["params"].items())
                             for t in api.get("/typologies")}
    out = Table(title="typologies")
    for col in ("id", "name", "parameters", *(("overrides",) if overrides else ())):
        out.add_column(col)
    for tid, cls in cat.items():
        out.add_row(tid, cls.name, str(len(cls.Params.model_fields)),
                    *((str(overrides.get(tid, 0) or ""),) if overrides else ()))
    common.console.print(out)


def _default(info: dict[str, object]) -> object:
    """A parameter's default as the API's JSON gives it (tuples become lists)."""
    d = info["default"]
    return list(d) if isinstance(d, tuple) else d


@typologies_app.command("show")
def typologies_show(
    typology_id: Annotated[str, typer.Argument(help="typology id, e.g. TF-CASH-01")],
    db: DbOption = None,
) -> None:
    """Description, parameters (type, default, current value) and references of one typology."""
    from rich.table import Table

    from engine import scan as scan_mod
    from services.typologies import catalogue

    cls = catalogue().typology(typology_id)
    params = cls.Params()
    if common.optional_db(db):
        with common.reading(db) as (con, api):
            params = (scan_mod.effective_params(con, cls) if con is not None
                      else cls.Params.model_validate(api.get(f"/typologies/{typology_id}")["effective"]))
    current: dict[str, object] = params.model_dump()
    d = cls.describe(params)
    common.console.print(f"[bold]{d['id']}[/] {d['name']}")
    common.console.print(d["description"], highlight=False)
    out = Table(title="parameters")
    for col in ("name", "type", "default", "current", "description"):
        out.add_column(col)
    for name, info in d["params"].items():
        cur = current.get(name, info["default"])
        if isinstance(cur, list):
            cur = tuple(cur)
        out.add_row(name, info["type"], str(info["default"]), str(cur) if cur != info["default"] else "",
                    info["description"])
    common.console.print(out)
    if d["references"]:
        common.console.print("[bold]references[/]")
        for ref in d["references"]:
            common.console.print(f"  - {ref}", highlight=False)


@typologies_app.command("set")
def typologies_set(
    typology_id: Annotated[str, typer.Argument(help="typology id")],
    assignments: Annotated[list[str], typer.Argument(help="name=value (value 'default' removes the override)")],
    reason: Annotated[str, typer.Option("--reason", help="why this value (kept with the change and its version)")] = "",
    db: DbOption = None,
) -> None:
    """Propose a parameter change: it goes live when a second person approves it (`typologies approve`)."""
    from services import typologies as typology_service

    values: dict[str, object] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise CtfmonError(f"{item!r}: expected name=value")
        values[name.strip()] = None if raw.strip() == "default" else raw.strip()
    with store.connect(common.db_path(db)) as con:
        change = typology_service.propose(con, typology_service.catalogue(), typology_id, values, reason=reason,
                                          actor=common.actor())
    common.console.print(f"change request {change['change_id']} for {typology_id} proposed by {change['proposed_by']}: "
                         + ", ".join(f"{k}={v}" for k, v in change["requested"].items())
                         + f"\nnot live yet: a second person approves it with "
                         f"`ctfmon --as USER typologies approve {change['change_id']}`", highlight=False)


@typologies_app.command("approve")
def typologies_approve(
    change_id: Annotated[str, typer.Argument(help="change request id (PC-...)")],
    note: Annotated[str, typer.Option("--note", help="the approver's note")] = "",
    db: DbOption = None,
) -> None:
    """Approve a pending change (not your own): it goes live as a new parameter version."""
    from services import typologies as typology_service

    with store.connect(common.db_path(db)) as con:
        ch = typology_service.approve(con, typology_service.catalogue(), change_id, actor=common.actor(), note=note)
    common.console.print(f"{change_id} approved by {ch['decided_by']}: {ch['typology_id']} is at parameter version "
                         f"{ch['version']}", highlight=False)


@typologies_app.command("reject")
def typologies_reject(
    change_id: Annotated[str, typer.Argument(help="change request id (PC-...)")],
    note: Annotated[str, typer.Option("--note", help="why")] = "",
    db: DbOption = None,
) -> None:
    """Reject a pending change (its proposer withdraws it)."""
    from services import typologies as typology_service

    with store.connect(common.db_path(db)) as con:
        ch = typology_service.reject(con, change_id, actor=common.actor(), note=note)
    common.console.print(f"{change_id} {ch['status']} by {ch['decided_by']}", highlight=False)


@typologies_app.command("rollback")
def typologies_rollback(
    typology_id: Annotated[str, typer.Argument(help="typology id")],
    to_version: Annotated[int | None, typer.Option("--to-version", help="restore the values of this version (0: defaults)")] = None,
    reason: Annotated[str, typer.Option("--reason", help="why")] = "",
    db: DbOption = None,
) -> None:
    """Restore the parameters before the typology's latest version, in one audited action."""
    from services import typologies as typology_service

    with store.connect(common.db_path(db)) as con:
        v = typology_service.rollback(con, typology_service.catalogue(), typology_id, actor=common.actor(),
                                      reason=reason, to_version=to_version)
    common.console.print(f"{typology_id} rolled back: parameter version {v['version']} ({v['reason']}), overrides "
                         f"{v['overrides'] or 'none (catalogue defaults)'}", highlight=False)


@typologies_app.command("history")
def typologies_history(
    typology_id: Annotated[str | None, typer.Argument(help="typology id (default: all)")] = None,
    db: DbOption = None,
) -> None:
    """Change requests and parameter versions, newest first."""
    from rich.table import Table

    from engine import param_versions

    with common.reading(db) as (con, api):
        if con is None:
            raise CtfmonError("the database is held by a server: read the history on its typologies page")
        changes = param_versions.list_changes(con, typology_id=typology_id)
        versions = param_versions.list_versions(con, typology_id)
    t = Table(title="change requests")
    for col in ("change", "typology", "requested", "reason", "proposed by", "status", "decided by", "version"):
        t.add_column(col)
    for c in changes:
        t.add_row(c["change_id"], c["typology_id"], str(c["requested"]), c["reason"], c["proposed_by"], c["status"],
                  c["decided_by"] or "", str(c["version"] or ""))
    common.console.print(t)
    v = Table(title=f"parameter versions (in force: {param_versions_current(versions)})")
    for col in ("version", "typology", "kind", "overrides", "proposed by", "approved by", "reason", "at"):
        v.add_column(col)
    for r in versions:
        v.add_row(str(r["version"]), r["typology_id"], r["kind"], str(r["overrides"]), r["proposed_by"],
                  r["approved_by"] or "", r["reason"], str(r["created_at"])[:19])
    common.console.print(v)


def param_versions_current(versions: list[dict[str, object]]) -> str:
    return str(versions[0]["version"]) if versions else "0"


@typologies_app.command("doc")
def typologies_doc(
    out: Annotated[Path | None, typer.Option("--out", help="write the reference here (default: print it)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out when it exists")] = False,
    check: Annotated[bool, typer.Option("--check", help="only compare with --out; exit 1 when it differs")] = False,
) -> None:
    """The typology reference in Markdown (docs/typologies.md), generated from the typology folders."""
    from engine import exports
    from services import typology_reference
    from services.typologies import catalogue

    text = typology_reference.render(catalogue())
    if check:
        if out is None:
            raise CtfmonError("--check compares with a file: give it with --out")
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            raise CtfmonError(f"{out} differs from the typology folders: regenerate it with "
                              f"`ctfmon typologies doc --out {out} --force`", exit_code=1)
        common.console.print(f"{out} is up to date", highlight=False)
        return
    if out is None:
        sys.stdout.write(text)
        return
    exports.write_bytes(out, text.encode("utf-8"), force=force)
    common.console.print(f"wrote {out}", highlight=False)
