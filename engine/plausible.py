"""Plausible dates: the range a stored date or timestamp must fall in to be used.

Ingest keeps implausible values out, but a database may already hold some (loaded by an
older version, or written directly): a year-10000 or year-0 timestamp that Python cannot
even represent.  Scans and exports read the tables through :func:`plausible_tables`, which
leaves rows with an implausible event time out and reads other implausible dates as
missing, so one bad row cannot break them.  The range is the settings ``plausible_from`` ..
``plausible_to`` (default 1900-01-01 .. 2200-12-31).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time as dtime

import duckdb

from engine import schema
from engine.config import get_settings
from engine.store import one_row

log = logging.getLogger(__name__)

#: The column placing a row in time: rows whose value is implausible are left out.
#: Other implausible dates (a birth date, an opening date) are read as missing.
EVENT_TIME: dict[str, str] = {"transactions": "timestamp", "cash_declarations": "timestamp",
                              "trade_documents": "date"}


def plausible_bounds() -> tuple[datetime, datetime]:
    """The plausible range of dates and timestamps (settings ``plausible_from`` .. ``plausible_to``)."""
    s = get_settings()
    return datetime.combine(s.plausible_from, dtime.min), datetime.combine(s.plausible_to, dtime.max)


def implausible_values(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[int, str, str]]:
    """Per (table, column), stored dates and timestamps outside :func:`plausible_bounds`:
    (count, lowest, highest), the values as text (Python cannot hold a year-0 or year-10000
    datetime).  Every date and timestamp column of the contract tables is checked."""
    lo_b, hi_b = plausible_bounds()
    out: dict[tuple[str, str], tuple[int, str, str]] = {}
    for table in schema.TABLES.values():
        cols = [c.name for c in table.columns if c.kind in ("date", "timestamp")]
        if not cols:
            continue
        sel = ", ".join(
            f'count(*) FILTER (WHERE {_bad(c)}), CAST(min("{c}") FILTER (WHERE {_bad(c)}) AS VARCHAR), '
            f'CAST(max("{c}") FILTER (WHERE {_bad(c)}) AS VARCHAR)'
            for c in cols
        )
        row = one_row(con, f"SELECT {sel} FROM {table.name}", {"lo": lo_b, "hi": hi_b})
        for i, c in enumerate(cols):
            n = int(row[3 * i] or 0)
            if n:
                out[(table.name, c)] = (n, row[3 * i + 1], row[3 * i + 2])
    return out


def _bad(column: str) -> str:
    """SQL: the column holds a value outside the plausible range ($lo .. $hi)."""
    return f'(CAST("{column}" AS TIMESTAMP) < $lo OR CAST("{column}" AS TIMESTAMP) > $hi)'


def _shadow(
    con: duckdb.DuckDBPyConnection, bad: dict[tuple[str, str], tuple[int, str, str]]
) -> list[str]:
    """Temporary views named like the tables with implausible values (returns their names)."""
    if not bad:
        return []
    lo_b, hi_b = plausible_bounds()
    lo, hi = f"TIMESTAMP '{lo_b.isoformat(sep=' ')}'", f"TIMESTAMP '{hi_b.isoformat(sep=' ')}'"
    db = one_row(con, "SELECT current_database()")[0].replace('"', '""')
    views: list[str] = []
    for table in sorted({t for t, _ in bad}):
        cols = sorted(c for t, c in bad if t == table)
        replace = [f'CASE WHEN CAST("{c}" AS TIMESTAMP) BETWEEN {lo} AND {hi} THEN "{c}" END AS "{c}"'
                   for c in cols if c != EVENT_TIME.get(table)]
        where = (f' WHERE CAST("{EVENT_TIME[table]}" AS TIMESTAMP) BETWEEN {lo} AND {hi}'
                 if EVENT_TIME.get(table) in cols else "")
        star = f"* REPLACE ({', '.join(replace)})" if replace else "*"
        con.execute(f'CREATE OR REPLACE TEMP VIEW {table} AS SELECT {star} FROM "{db}".main.{table}{where}')
        views.append(table)
    return views


@contextmanager
def plausible_tables(
    con: duckdb.DuckDBPyConnection, bad: dict[tuple[str, str], tuple[int, str, str]] | None = None
) -> Iterator[dict[tuple[str, str], tuple[int, str, str]]]:
    """Within the block, ``con`` reads the contract tables by name through temporary views that
    leave out rows with an implausible event time and read other implausible dates as
    missing (only tables holding such values are shadowed; nothing is changed on disk).
    Yields :func:`implausible_values` (``bad`` when the caller computed it already)."""
    bad = implausible_values(con) if bad is None else bad
    views = _shadow(con, bad)
    try:
        yield bad
    finally:
        for v in views:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{v}")
