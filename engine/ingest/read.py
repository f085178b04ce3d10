"""Reading contract files into frames that know where every record starts (:func:`read`).

Each reader returns a :class:`Read`: ``frame`` has one row per record that could be split
into columns, ``bad`` the records that could not (with a reason), and ``records`` the
number of records in the file counted from the file's own structure - physical lines and
quote characters for CSV, non-blank lines for JSON Lines, the footer's row count for
Parquet - never from a parser's output.  ``records == frame.height + bad.height`` always,
so ``rows read`` cannot undercount when a parser goes wrong.

Row numbers (``__row``) are the 1-based physical line where a record starts (CSV and JSON
Lines: blank lines and the continuation lines of a quoted multi-line CSV field are
counted) and the 1-based row for Parquet.

CSV follows RFC 4180 (comma, ``"`` quotes, ``""`` for a quote inside a quoted field,
quoted fields may span lines), read the way Python's :mod:`csv` module reads it.  A
record is loaded only if it has exactly the header's number of fields.  A line that does
not hold a complete record (an unterminated quote, text after a closing quote, a wrong
number of fields, invalid UTF-8) is one malformed record on its own and reading resumes
on the next line, so one bad quote never swallows the rows after it.  Empty lines are not
records.  The common case is vectorised: every line is classified with polars string
expressions and the good lines are parsed by polars' CSV reader; only lines that may
start a multi-line record go through :mod:`csv`, one record at a time.

JSON Lines are parsed with :mod:`json`, numbers kept as their exact text (so that
``999999999999999.99`` is not rounded through a binary float).  A nested object or array
in a contract column that takes a single value is a row error.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from engine.errors import CtfmonError
from engine.ingest.read_csv import read_csv
from engine.ingest.read_jsonl import read_jsonl
from engine.ingest.records import ROW, Read, _avoid_row_clash, empty_bad


# --------------------------------------------------------------------------- Parquet
def read_parquet(path: Path) -> Read:
    try:
        records = pq.ParquetFile(path).metadata.num_rows
        df = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, pa.ArrowException) as exc:
        raise CtfmonError(f"{path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
    names, renamed = _avoid_row_clash(df.columns)
    if renamed:
        df = df.rename(dict(zip(df.columns, names, strict=True)))
    if df.height != records:
        raise CtfmonError(f"{path}: the Parquet footer says {records} rows but {df.height} could be read")
    frame = df.with_columns(pl.int_range(1, df.height + 1, dtype=pl.Int64).alias(ROW))
    return Read(frame=frame, bad=empty_bad(), records=records, renamed=renamed)


def read(path: Path, fmt: str, table: str, name: str | None = None) -> Read:
    """Read one contract file; errors call it ``name`` (an upload's own name, not a temporary path)."""
    try:
        if fmt == "csv":
            return read_csv(path)
        if fmt == "jsonl":
            return read_jsonl(path, table)
        return read_parquet(path)
    except CtfmonError as exc:
        if name is None or name == str(path):
            raise
        raise CtfmonError(exc.message.replace(str(path), name), exit_code=exc.exit_code,
                          http_status=exc.http_status) from None
