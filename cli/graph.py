"""`ctfmon graph neighbourhood`: money-flow graph analytics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
    entity_id: Annotated[str, typer.Argument(help="party id, account id, or a party's name")],
    hops: Annotated[int, typer.Option("--hops", help="account hops to expand")] = 2,
    since: Annotated[str | None, typer.Option("--since", help="only transactions on or after DATE (YYYY-MM-DD)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or graphml")] = "json",
    max_nodes: Annotated[int, typer.Option("--max-nodes", help="cap on accounts returned")] = 500,
    out: Annotated[Path | None, typer.Option("--out", help="write to this file instead of standard output")] = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """A party's or account's money-flow neighbourhood: edges aggregated per account pair.

    A name is looked up as `ctfmon search` does: one party matching it closely is used (and
    named on standard error); several are listed and the command exits 3 without output.
    """
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
        entity_id = _resolve(con, entity_id)
        nb = graph.neighbourhood(con, entity_id, hops=hops, since=since_dt, max_nodes=max_nodes)
    text = graph.to_graphml(nb) if fmt == "graphml" else json.dumps(nb, indent=2, default=str) + "\n"
    if out is not None:
        exports.write_bytes(out, text.encode("utf-8"), force=force, db=common.db_path(db))
        common.err_console.print(f"{len(nb['nodes'])} accounts, {len(nb['edges'])} account pairs written to {out}")
    else:
        sys.stdout.write(text)
    if nb["message"]:
        common.err_console.print(nb["message"], highlight=False)


def _resolve(con: Any, text: str) -> str:
    """An id on file as given; else the one party whose name matches ``text``."""
    from services import search

    if con.execute("SELECT 1 FROM parties WHERE party_id = ? UNION ALL SELECT 1 FROM accounts WHERE account_id = ? "
                   "UNION ALL SELECT 1 FROM external_accounts WHERE account_id = ? LIMIT 1",
                   [text, text, text]).fetchall():
        return text
    found, candidates = search.resolve_party(con, text)
    if found is not None:
        if candidates:
            h = candidates[0]
            common.err_console.print(f"{text!r} is party {h.id} {h.label} ({h.detail})", highlight=False)
        return found
    if not candidates:
        # an account seen only in transactions still has a neighbourhood: let the graph decide
        if " " not in text.strip():
            return text
        raise CtfmonError(f"no party, account or party name matches {text!r}; try `ctfmon search {text!r}`")
    lines = "\n".join(f"  {h.id}  {h.label}  ({h.detail}; {h.match})" for h in candidates[:20])
    common.err_console.print(f"{text!r} matches {len(candidates)}{' or more' if len(candidates) >= 20 else ''} parties; "
                             f"give one of their ids:\n{lines}",
                             highlight=False)
    raise typer.Exit(3)
