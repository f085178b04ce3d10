"""`ctfmon init` and `ctfmon stats`: create the database; rows and date range per table."""

from __future__ import annotations

import typer
from rich.console import Console

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()


@app.command()
def init(db: DbOption = None) -> None:
    """Create (or migrate) the database."""
    path = common.db_path(db)
    con = store.connect(path)
    con.close()
    common.console.print(f"database ready: {path}")


@app.command()
def stats(db: DbOption = None) -> None:
    """Rows and date range per table."""
    from rich.table import Table

    from engine import ingest as ing

    with store.connect(common.db_path(db), read_only=True) as con:
        rows = ing.stats(con)
    out = Table(title=f"ctfmon database {common.db_path(db)}")
    for col in ("table", "rows", "from", "to", "range of"):
        out.add_column(col, justify="right" if col == "rows" else "left")
    for r in rows:
        out.add_row(str(r["table"]), f"{r['rows']:,}", "" if r["from"] is None else str(r["from"]),
                    "" if r["to"] is None else str(r["to"]), str(r["range_of"]))
    Console(width=max(common.console.width, 100)).print(out)



# Each area adds its commands in its own block above this line, headed `# ---- <area>`.
