"""Loading one file in one transaction with its ``ingest_batches`` row, and a set of files in
dependency order; see :mod:`engine.ingest`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl

from engine import schema, store
from engine.errors import CtfmonError
from engine.ingest.files import content_hash, file_format, plan, table_for
from engine.ingest.fx import add_base_amounts
from engine.ingest.read import read
from engine.ingest.records import ROW, Read
from engine.ingest.records import empty_bad as _empty_bad
from engine.ingest.validate import _raw_json, split_file_duplicates, validate

log = logging.getLogger(__name__)


Stage = Callable[[str], None]


@dataclass
class IngestResult:
    """What happened to one file."""

    file: str
    table: str
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_replaced: int = 0
    already_loaded: bool = False
    values_cleaned: int = 0  # free-text values stored without their control characters (ingest_notes)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- loading
def _compare_with_db(
    con: duckdb.DuckDBPyConnection, table: str
) -> pl.DataFrame:
    """For registered ``incoming`` rows whose key exists in the table: __row and whether content is identical."""
    keys = schema.KEYS[table]
    content = [c for c in schema.TABLES[table].column_names if c not in keys]
    on = " AND ".join(f'i."{k}" = t."{k}"' for k in keys)
    same = " AND ".join(f'i."{c}" IS NOT DISTINCT FROM t."{c}"' for c in content) or "TRUE"
    return con.sql(
        f'SELECT i."{ROW}" AS "{ROW}", ({same}) AS same FROM incoming i JOIN {table} t ON {on}'
    ).pl()


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    table: str | None = None,
    *,
    upsert: bool = False,
    stage: Stage | None = None,
    display_name: str | None = None,
) -> IngestResult:
    """Validate and load one contract file in one transaction.  See the module docstring."""
    p = Path(path)
    name = display_name or str(p)
    fmt = file_format(p)
    tbl = table_for(p, table)
    if tbl is None:
        raise CtfmonError(
            f"{name}: cannot tell which table this file holds; name it after a table "
            f"({', '.join(schema.INGEST_ORDER)}) or pass --table"
        )
    say = stage or (lambda _s: None)
    say("hashing")
    digest = content_hash(p)
    prior = con.execute(
        # A file loaded without --upsert may be loaded again with it, to apply its conflicting rows.
        "SELECT batch_id FROM ingest_batches WHERE content_hash = ? AND table_name = ? "
        "AND finished_at IS NOT NULL AND (upsert OR NOT ?) ORDER BY batch_id LIMIT 1",
        [digest, tbl, upsert],
    ).fetchone()
    if prior is not None:
        return IngestResult(file=name, table=tbl, batch_id=int(prior[0]), already_loaded=True)

    say("reading")
    got: Read = read(p, fmt, tbl, name)
    rows_read = got.records
    unreadable = got.bad
    say("validating")
    v = validate(got.frame, tbl, source=name, renamed=got.renamed)
    del got
    unique, dup_bad, identical_in_file = split_file_duplicates(v.good, tbl)
    say("converting currencies")
    unique, fx_bad = add_base_amounts(con, unique, tbl)
    cols = schema.stored_columns(tbl)
    result = IngestResult(file=name, table=tbl, rows_read=rows_read)

    say("loading")
    started = store.now_utc()
    with store.transaction(con):
        batch_id = int(con.execute("SELECT nextval('ingest_batch_seq')").fetchone()[0])  # type: ignore[index]
        con.execute(
            "INSERT INTO ingest_batches (batch_id, file, content_hash, table_name, file_format, upsert, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [batch_id, name, digest, tbl, fmt, upsert, started],
        )
        incoming = unique.with_columns(pl.lit(batch_id, pl.Int64).alias("_batch_id"))
        con.register("incoming", incoming.to_arrow())
        try:
            existing = _compare_with_db(con, tbl)
            db_identical = existing.filter(pl.col("same"))
            db_conflict = existing.filter(~pl.col("same"))
            replaced = 0
            conflict_bad = _empty_bad()
            if db_conflict.height and upsert:
                replaced = db_conflict.height
                keys = schema.KEYS[tbl]
                con.register("replace_rows", db_conflict.select(ROW).to_arrow())
                on = " AND ".join(f't."{k}" = i."{k}"' for k in keys)
                con.execute(
                    f"DELETE FROM {tbl} t WHERE EXISTS (SELECT 1 FROM incoming i JOIN replace_rows r "
                    f'ON i."{ROW}" = r."{ROW}" WHERE {on})'
                )
                con.unregister("replace_rows")
                skip = db_identical.select(ROW)
            elif db_conflict.height:
                key_desc = " + ".join(schema.KEYS[tbl])
                conf = unique.join(db_conflict.select(ROW), on=ROW, how="semi")
                conflict_bad = conf.select(
                    pl.col(ROW),
                    pl.lit(schema.KEYS[tbl][0]).alias("column_name"),
                    pl.lit(f"conflicting duplicate: {key_desc} already loaded with different content "
                           "(use --upsert to replace)").alias("reason"),
                    _raw_json(conf, schema.TABLES[tbl].column_names).alias("raw"),
                )
                skip = existing.select(ROW)
            else:
                skip = db_identical.select(ROW)
            con.register("skip_rows", skip.to_arrow())
            col_list = ", ".join(f'"{c}"' for c in cols)
            con.execute(
                f"INSERT INTO {tbl} ({col_list}) SELECT {col_list} FROM incoming i "
                f'WHERE NOT EXISTS (SELECT 1 FROM skip_rows s WHERE s."{ROW}" = i."{ROW}")'
            )
            con.unregister("skip_rows")
            loaded = unique.height - skip.height
            bad = pl.concat([unreadable, v.bad, dup_bad, fx_bad, conflict_bad]).sort(ROW)
            if bad.height:
                q = bad.with_columns(
                    pl.lit(batch_id, pl.Int64).alias("batch_id"),
                    pl.lit(name).alias("file"),
                    pl.lit(tbl).alias("table_name"),
                )
                con.register("bad_rows", q.to_arrow())
                con.execute(
                    "INSERT INTO quarantine (batch_id, file, table_name, row_number, column_name, reason, raw) "
                    f'SELECT batch_id, file, table_name, "{ROW}", column_name, reason, raw FROM bad_rows'
                )
                con.unregister("bad_rows")
            cleaned = _record_notes(con, v.notes, skip, batch_id, name, tbl)
            if tbl == "transactions":
                _record_external_accounts(con, batch_id)
            elif tbl == "accounts":
                con.execute(
                    "DELETE FROM external_accounts WHERE account_id IN (SELECT account_id FROM incoming)"
                )
            duplicates = identical_in_file + db_identical.height
            result.batch_id = batch_id
            result.rows_loaded = loaded
            result.rows_quarantined = bad.height
            result.rows_duplicate = duplicates
            result.rows_replaced = replaced
            result.values_cleaned = cleaned
            if result.rows_read != loaded + bad.height + duplicates:
                raise RuntimeError(
                    f"row accounting broke for {name}: read {rows_read} != loaded {loaded} + "
                    f"quarantined {bad.height} + duplicates {duplicates}"
                )
            con.execute(
                "UPDATE ingest_batches SET finished_at = ?, rows_read = ?, rows_loaded = ?, "
                "rows_quarantined = ?, rows_duplicate = ?, rows_replaced = ? WHERE batch_id = ?",
                [store.now_utc(), rows_read, loaded, bad.height, duplicates, replaced, batch_id],
            )
        finally:
            con.unregister("incoming")
    log.info("ingested %s into %s: %s", name, tbl, result.as_dict())
    return result


def _record_notes(con: duckdb.DuckDBPyConnection, notes: pl.DataFrame, skip: pl.DataFrame, batch_id: int,
                  name: str, tbl: str) -> int:
    """Store the notes of rows that were inserted (e.g. control characters removed); their count."""
    if not notes.height:
        return 0
    con.register("note_rows", notes.to_arrow())
    con.register("skip_rows", skip.to_arrow())
    try:
        con.execute(
            "INSERT INTO ingest_notes (batch_id, file, table_name, row_number, column_name, note) "
            f'SELECT ?, ?, ?, n."{ROW}", n.column_name, n.note FROM note_rows n '
            f'WHERE n."{ROW}" IN (SELECT "{ROW}" FROM incoming) '
            f'AND n."{ROW}" NOT IN (SELECT "{ROW}" FROM skip_rows)',
            [batch_id, name, tbl],
        )
        return int(con.execute("SELECT count(*) FROM ingest_notes WHERE batch_id = ?", [batch_id]).fetchall()[0][0])
    finally:
        con.unregister("note_rows")
        con.unregister("skip_rows")


def _record_external_accounts(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    con.execute(
        "INSERT INTO external_accounts (account_id, first_batch_id) "
        "SELECT DISTINCT a, ? FROM ("
        "  SELECT from_account AS a FROM incoming WHERE from_account IS NOT NULL"
        "  UNION SELECT to_account FROM incoming WHERE to_account IS NOT NULL) ids "
        "WHERE a NOT IN (SELECT account_id FROM accounts) "
        "AND a NOT IN (SELECT account_id FROM external_accounts)",
        [batch_id],
    )


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    table: str | None = None,
    *,
    upsert: bool = False,
    on_file: Callable[[Path, str], Stage | None] | None = None,
) -> tuple[list[IngestResult], list[tuple[Path, str]], list[Path]]:
    """Ingest files and directories in dependency order.

    Returns (results, files that failed with their error message, skipped non-contract files).
    A failing file does not stop the others.
    """
    planned, skipped = plan(paths, table)
    results: list[IngestResult] = []
    failed: list[tuple[Path, str]] = []
    for path, tbl in planned:
        stage = on_file(path, tbl) if on_file else None
        try:
            results.append(ingest_file(con, path, tbl, upsert=upsert, stage=stage))
        except CtfmonError as exc:
            failed.append((path, exc.message))
    return results, failed, skipped


def exit_code(results: list[IngestResult], failed: list[tuple[Path, str]]) -> int:
    """0 all loaded, 3 some rows quarantined, 2 a file could not be loaded at all."""
    if failed:
        return 2
    if any(r.rows_quarantined for r in results):
        return 3
    return 0
