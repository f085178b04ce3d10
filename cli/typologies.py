"""`ctfmon typologies list|show|set|doc`: the catalogue, its parameters and audited overrides."""

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
    db: DbOption = None,
) -> None:
    """Store parameter overrides used by every later scan."""
    from services import typologies as typology_service

    values: dict[str, object] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise CtfmonError(f"{item!r}: expected name=value")
        values[name.strip()] = None if raw.strip() == "default" else raw.strip()
    with store.connect(common.db_path(db)) as con:
        effective = typology_service.set_params(con, typology_service.catalogue(), typology_id, values,
                                                actor=common.actor())
    common.console.print(f"{typology_id}: " + ", ".join(f"{k}={v}" for k, v in effective.items()), highlight=False)


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
