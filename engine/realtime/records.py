"""Request records checked with the ingest rules, and recorded the way ingest loads a file.

A record is a JSON object in the data contract's shape.  Its values are turned into text (as
a CSV cell would arrive) and the records of one call are validated together by
:func:`engine.ingest.validate.validate` and given their base-currency twins by
:func:`engine.ingest.fx.add_base_amounts`: the same rules, the same messages.  A record that
fails is refused with the field and the reason (the caller says where it was: ``transactions[2]``).

:func:`insert` stores validated rows as ingest would: one ``ingest_batches`` row (file
``score:<endpoint>``, the content hash of the rows), the rows, their external accounts, all
inside the caller's transaction; a row whose id is on file with the same content is a
duplicate (nothing written), with other content a conflict (refused before anything is
written, see :func:`conflicts`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from engine import schema, store
from engine.ingest.fx import add_base_amounts
from engine.ingest.records import ROW
from engine.ingest.validate import split_file_duplicates, validate

#: The file name recorded rows carry in ``ingest_batches`` (``score:`` + endpoint); the
#: state refresh leaves these batches out (the scorer already holds their rows).
SCORE_FILE_PREFIX = "score:"


@dataclass
class Checked:
    """Validated rows (typed, with base twins) by position, or the error of each bad one."""

    rows: list[dict[str, Any] | None]
    errors: list[str | None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def check(con: duckdb.DuckDBPyConnection, table: str, records: list[dict[str, Any]]) -> Checked:
    """Validate ``records`` of ``table`` with the ingest rules (see the module docstring); an
    error is the ingest reason (``amount: ...``), the caller says where the record was."""
    n = len(records)
    rows: list[dict[str, Any] | None] = [None] * n
    errors: list[str | None] = [None] * n
    if not n:
        return Checked(rows, errors)
    t = schema.TABLES[table]
    names: list[str] = list(t.column_names)
    for r in records:
        for k in r:
            if k not in names and k != ROW:
                names.append(k)
    data = {c: [_text(r.get(c)) for r in records] for c in names}
    frame = pl.DataFrame(data, schema={c: pl.String for c in names}).with_columns(
        pl.Series(ROW, range(1, n + 1), dtype=pl.Int64))
    v = validate(frame, table, source="request")
    unique, dup_bad, _ = split_file_duplicates(v.good, table)
    good, fx_bad = add_base_amounts(con, unique, table)
    bad = pl.concat([v.bad, dup_bad, fx_bad])
    for r in bad.iter_rows(named=True):
        i = int(r[ROW]) - 1
        if errors[i] is None:
            errors[i] = str(r["reason"])
    for r in good.iter_rows(named=True):
        i = int(r.pop(ROW)) - 1
        if errors[i] is None:
            rows[i] = r
    for i in range(n):  # identical duplicates within one call: the first one stands for them
        if rows[i] is None and errors[i] is None:
            key = records[i].get(schema.KEYS[table][0])
            errors[i] = f"{schema.KEYS[table][0]}: {key!r} appears twice in the request"
    return Checked(rows, errors)


def same(a: Any, b: Any) -> bool:
    """Two stored values are equal (decimals by value)."""
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def conflicts(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(ids already on file with the same content, ids on file with different content)."""
    key = schema.KEYS[table][0]
    ids = [r[key] for r in rows]
    if not ids:
        return set(), set()
    cols = schema.TABLES[table].column_names
    col_list = ", ".join(f'"{c}"' for c in cols)
    found = con.execute(f'SELECT {col_list} FROM {table} WHERE "{key}" IN (SELECT unnest(?))', [ids]).fetchall()
    on_file = {f[0]: dict(zip(cols, f, strict=True)) for f in found}
    equal: set[str] = set()
    other: set[str] = set()
    for r in rows:
        old = on_file.get(r[key])
        if old is None:
            continue
        if all(same(old[c], r.get(c)) for c in cols if c != "extra") and (old.get("extra") or None) == (
                r.get("extra") or None):
            equal.add(r[key])
        else:
            other.add(r[key])
    return equal, other


def _hash(rows: list[dict[str, Any]]) -> str:
    def enc(v: Any) -> Any:
        return v.isoformat() if isinstance(v, (date, datetime)) else str(v) if isinstance(v, Decimal) else v

    text = json.dumps([{k: enc(v) for k, v in r.items()} for r in rows], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], endpoint: str) -> int | None:
    """Insert validated ``rows`` (not on file) with their ``ingest_batches`` row; the batch id.

    Runs inside the caller's :func:`engine.store.transaction` (or opens one)."""
    if not rows:
        return None
    cols = schema.stored_columns(table)
    frame_cols = [c for c in cols if c != "_batch_id"]
    with store.transaction(con):
        batch_id = int(con.execute("SELECT nextval('ingest_batch_seq')").fetchone()[0])  # type: ignore[index]
        now = store.now_utc()
        con.execute(
            "INSERT INTO ingest_batches (batch_id, file, content_hash, table_name, file_format, upsert, started_at, "
            "finished_at, rows_read, rows_loaded, rows_quarantined, rows_duplicate, rows_replaced) "
            "VALUES (?, ?, ?, ?, 'json', false, ?, ?, ?, ?, 0, 0, 0)",
            [batch_id, SCORE_FILE_PREFIX + endpoint, _hash(rows), table, now, now, len(rows), len(rows)],
        )
        pschema = schema.polars_schema(table)
        frame = pl.DataFrame([{c: r.get(c) for c in frame_cols} for r in rows],
                             schema={c: pschema.get(c, pl.Decimal(18, 2) if c.endswith("_base") else pl.String)
                                     for c in frame_cols}, strict=False)
        incoming = frame.with_columns(pl.lit(batch_id, pl.Int64).alias("_batch_id"))
        con.register("score_incoming", incoming.to_arrow())
        try:
            col_list = ", ".join(f'"{c}"' for c in cols)
            con.execute(f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM score_incoming")
            if table == "transactions":
                con.execute(
                    "INSERT INTO external_accounts (account_id, first_batch_id) "
                    "SELECT DISTINCT a, ? FROM ("
                    "  SELECT from_account AS a FROM score_incoming WHERE from_account IS NOT NULL"
                    "  UNION SELECT to_account FROM score_incoming WHERE to_account IS NOT NULL) ids "
                    "WHERE a NOT IN (SELECT account_id FROM accounts) "
                    "AND a NOT IN (SELECT account_id FROM external_accounts)",
                    [batch_id],
                )
        finally:
            con.unregister("score_incoming")
    return batch_id
