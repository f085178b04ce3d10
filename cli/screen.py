"""`ctfmon screen NAME`: one name against the active sanctions lists."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import common
from cli.common import DbOption

app = typer.Typer()


@app.command("screen")
def screen_cmd(
    name: Annotated[str, typer.Argument(help="name to screen, any script")],
    dob: Annotated[str | None, typer.Option("--dob", help="birth date YYYY-MM-DD or year YYYY")] = None,
    nationality: Annotated[str | None, typer.Option("--nationality", help="ISO 3166-1 alpha-2")] = None,
    document: Annotated[str | None, typer.Option("--document", help="passport or id number")] = None,
    entry_type: Annotated[str | None, typer.Option("--type", help="person, entity or vessel")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="match decision threshold (0..1)")] = 0.80,
    limit: Annotated[int, typer.Option("--limit", help="candidates shown")] = 10,
    db: DbOption = None,
) -> None:
    """Screen one name against the active lists: ranked candidates with the score breakdown,
    and the best candidate's list entry side by side with the query."""
    from urllib.parse import quote

    from rich.table import Table

    from engine.screening import service

    with common.reading(db) as (con, api):
        if con is not None:
            query = service.make_query(name, birth_date=dob, nationality=nationality, document_number=document,
                                       entry_type=entry_type)
            results = [{"score": c.score, "list_name": c.list_name, "reference": c.reference,
                        "entry_type": c.entry_type, "matched_name": c.matched_name, "explanation": c.explanation(),
                        "features": c.features}
                       for c in service.match(con, [query], threshold=threshold, limit=limit)[0]]
            side = (service.compare_entry(con, results[0]["list_name"], results[0]["reference"], query,
                                          threshold=threshold) if results else None)
        else:
            q = {"name": name, "birth_date": dob, "nationality": nationality, "document_number": document,
                 "entity_type": entry_type}
            body = {"queries": [{k: v for k, v in q.items() if v is not None}], "threshold": threshold,
                    "limit": limit}
            results = api.post("/screening/match", body)["results"][0]["candidates"]
            side = (api.get(f"/screening/entries/{quote(results[0]['list_name'], safe='')}/"
                            f"{quote(results[0]['reference'], safe='')}",
                            **{k: v for k, v in q.items() if v is not None}, threshold=threshold)
                    if results else None)
    if not results:
        common.console.print(f"no candidates for {name!r}", highlight=False)
        return
    out = Table(title=f"candidates for {name!r} (threshold {threshold:.2f})")
    for col in ("score", "match", "list", "reference", "type", "matched name", "breakdown"):
        out.add_column(col)
    for r in results:
        out.add_row(f"{r['score']:.3f}", "MATCH" if r["score"] >= threshold else "", r["list_name"],
                    r["reference"], r["entry_type"], r["matched_name"], r["explanation"])
    common.console.print(out)
    top = results[0]
    aligned = top["features"]["name"]["aligned"]
    common.console.print(
        "best name alignment: "
        + ", ".join(f"{a['query']}~{a['list']} {a['similarity']:.2f} (w {a['weight']:.2f}, {a.get('rule', '')})"
                    for a in aligned),
        highlight=False,
    )
    if side is not None:
        e = side["entry"]
        cmp_table = Table(title=f"{e['list_name']} {e['reference']}: {e['primary_name']} ({e['entry_type']}), "
                                f"{e['program'] or 'no programme'}, listed {e['listed_on'] or 'n/a'}")
        for col in ("feature", "query", "list entry", "outcome", "detail"):
            cmp_table.add_column(col)

        def shown(v: object) -> str:
            return "; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))

        for row in side["comparison"]:
            cmp_table.add_row(row["feature"], shown(row["query"]), shown(row["list"]), row["outcome"].upper(),
                              row.get("detail") or "")
        common.console.print(cmp_table)
        common.console.print("listed names: " + "; ".join(f"{n['name']} ({n['kind']}, {n['name_score']:.2f})"
                                                   for n in side.get("names", [])), highlight=False)
