"""`ctfmon graph neighbourhood`: money-flow graph analytics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption, ForceOption
from engine import exports, store
from engine.errors import CtfmonError

app = typer.Typer()


graph_app = typer.Typer(help="Money-flow graph analytics.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")


@graph_app.command("neighbourhood")
def graph_neighbourhood(
    entity_id: Annotated[str, typer.Argument(help="party id or account id")],
    hops: Annotated[int, typer.Option("--hops", help="account hops to expand")] = 2,
    since: Annotated[str | None, typer.Option("--since", help="only transactions on or after DATE (YYYY-MM-DD)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or graphml")] = "json",
    max_nodes: Annotated[int, typer.Option("--max-nodes", help="cap on accounts returned")] = 500,
    out: Annotated[Path | None, typer.Option("--out", help="write to this file instead of standard output")] = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """A party's or account's money-flow neighbourhood: edges aggregated per account pair."""
    import json
    from datetime import datetime

    from engine import graph

    if fmt not in ("json", "graphml"):
        raise CtfmonError(f"--format {fmt!r}: expected json or graphml")
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since)
        except ValueError:
            raise CtfmonError(f"--since {since!r}: expected a date YYYY-MM-DD") from None
    if out is not None:
        exports.check_target(out, force=force, db=common.db_path(db))
    with store.connect(common.db_path(db), read_only=True) as con:
        nb = graph.neighbourhood(con, entity_id, hops=hops, since=since_dt, max_nodes=max_nodes)
    text = graph.to_graphml(nb) if fmt == "graphml" else json.dumps(nb, indent=2, default=str) + "\n"
    if out is not None:
        exports.write_bytes(out, text.encode("utf-8"), force=force, db=common.db_path(db))
        common.err_console.print(f"{len(nb['nodes'])} accounts, {len(nb['edges'])} account pairs written to {out}")
    else:
        sys.stdout.write(text)
    if nb["message"]:
        common.err_console.print(nb["message"], highlight=False)
