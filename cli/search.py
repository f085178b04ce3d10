"""`ctfmon search QUERY`: party names (fuzzy), ids and document numbers (services.search)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cli import common
from cli.common import DbOption

app = typer.Typer()


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="a name, a party/account/transaction/case id or a document number")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="most results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print the GET /search JSON")] = False,
    db: DbOption = None,
) -> None:
    """Find parties by name (spelling variants, other scripts) and anything by id or document number.

    Results are ranked (score 1 = exact), typed, and name the party to open with
    `ctfmon graph neighbourhood PARTY` or at /ui/parties/PARTY.  Exits 1 when nothing matches.
    """
    from services import search

    with common.reading(db) as (con, api):
        if con is not None:
            items: list[dict[str, Any]] = [h.as_dict() for h in search.search(con, query, limit=limit)]
        else:
            items = api.get("/search", q=query, limit=limit)["items"]
    if as_json:
        typer.echo(json.dumps({"query": query.strip(), "items": items}, default=str, indent=2))
    elif items:
        from rich.table import Table

        table = Table(title=f"{len(items)} result{'' if len(items) == 1 else 's'} for {query.strip()!r}")
        for col in ("score", "kind", "id", "name / sides", "party", "how"):
            table.add_column(col, justify="right" if col == "score" else "left", overflow="fold")
        for h in items:
            table.add_row(f"{h['score']:.2f}", h["kind"], h["id"], h["label"], h["party_id"] or "-", h["match"])
        common.console.print(table)
    if not items:
        common.err_console.print(f"nothing matches {query.strip()!r}", highlight=False)
        raise typer.Exit(1)
