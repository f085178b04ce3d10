"""What was loaded: rows and date range per table, quarantined rows, values cleaned in loaded rows."""

from __future__ import annotations

import duckdb
import polars as pl

from engine import schema


# --------------------------------------------------------------------------- reporting
def stats(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Rows and date range per contract table, plus quarantine and batch counts."""
    out: list[dict[str, object]] = []
    time_col = {"transactions": "timestamp", "cash_declarations": "timestamp", "trade_documents": "date",
                "fx_rates": "date", "accounts": "opened_on", "parties": "registered_on"}
    for name in schema.INGEST_ORDER:
        col = time_col[name]
        n, lo, hi = con.execute(f'SELECT count(*), min("{col}"), max("{col}") FROM {name}').fetchone()  # type: ignore[misc]
        out.append({"table": name, "rows": int(n), "from": lo, "to": hi, "range_of": col})
    ext = con.execute("SELECT count(*) FROM external_accounts").fetchone()[0]  # type: ignore[index]
    out.append({"table": "external_accounts", "rows": int(ext), "from": None, "to": None, "range_of": ""})
    q = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]  # type: ignore[index]
    out.append({"table": "quarantine", "rows": int(q), "from": None, "to": None, "range_of": ""})
    return out


def quarantine_frame(con: duckdb.DuckDBPyConnection, *, batch_id: int | None = None,
                     table: str | None = None, limit: int | None = None) -> pl.DataFrame:
    return _batch_rows(con, "SELECT batch_id, file, table_name, row_number, column_name, reason, "
                       "CAST(raw AS VARCHAR) AS raw FROM quarantine", batch_id, table, limit)


def notes_frame(con: duckdb.DuckDBPyConnection, *, batch_id: int | None = None,
                table: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """Values changed in loaded rows (``ingest_notes``): file, row, column and what was done."""
    return _batch_rows(con, "SELECT batch_id, file, table_name, row_number, column_name, note FROM ingest_notes",
                       batch_id, table, limit)


def _batch_rows(con: duckdb.DuckDBPyConnection, sql: str, batch_id: int | None, table: str | None,
                limit: int | None) -> pl.DataFrame:
    where = []
    params: list[object] = []
    if batch_id is not None:
        where.append("batch_id = ?")
        params.append(batch_id)
    if table is not None:
        where.append("table_name = ?")
        params.append(table)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY batch_id, row_number"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return con.sql(sql, params=params).pl()
