"""Ingestion: read -> validate (vectorised polars) -> load atomically into DuckDB.

Every input row ends up in exactly one of three places, so that for every file
``rows_read = rows_loaded + rows_quarantined + rows_duplicate``:

- loaded into its contract table (``rows_replaced`` of them replaced an existing row
  with the same id because ``upsert`` was asked for);
- the ``quarantine`` table, with the row number, the first failing column, every reason
  and the raw row as JSON;
- skipped as a duplicate: the same id with identical content is already loaded or
  appeared earlier in the same file.

``rows_read`` is the number of records counted from the file's own structure (see
:mod:`engine.ingest.read`), never from what a parser managed to return.

Values are checked before they are converted, so nothing is silently changed: amounts are
parsed as exact decimal text and must fit DECIMAL(18,2) (as must their base-currency
twin); dates and timestamps must lie in a plausible range (settings ``ingest_*``); a
leap second is refused rather than rolled into the next minute.  Control characters that
XML 1.0 does not allow are removed from free text (names, addresses, references) with a
row in ``ingest_notes``; in identifiers and codes they quarantine the row.

A file is loaded in one DuckDB transaction together with its ``ingest_batches`` row, so
a process killed mid-load leaves no trace of it.  A file whose content hash was already
loaded into the same table is reported as already loaded and changes nothing.

File-level problems (unreadable file, unknown table, missing required column, a Parquet
column whose type cannot hold its contract kind) raise :class:`~engine.errors.CtfmonError`;
nothing of that file is written.

The package, one module per stage: :mod:`~engine.ingest.files` (which files, which table,
in which order), :mod:`~engine.ingest.read` (records counted from the file's structure;
``read_csv``, ``read_jsonl``, ``records``), :mod:`~engine.ingest.validate` (with
``columns`` and ``values``: typed values or reasons), :mod:`~engine.ingest.fx` (base-currency
twins), :mod:`~engine.ingest.load` (one transaction per file) and :mod:`~engine.ingest.report`.
"""

from engine.errors import CtfmonError
from engine.ingest.columns import CONTROL_CHARS
from engine.ingest.files import FORMATS, content_hash, file_format, plan, table_for
from engine.ingest.fx import add_base_amounts
from engine.ingest.load import IngestResult, Stage, exit_code, ingest_file, ingest_paths
from engine.ingest.read import read
from engine.ingest.records import ROW, Read
from engine.ingest.report import notes_frame, quarantine_frame, stats
from engine.ingest.validate import Validated, split_file_duplicates, validate

__all__ = [
    "CONTROL_CHARS", "FORMATS", "ROW", "CtfmonError", "IngestResult", "Read", "Stage", "Validated",
    "add_base_amounts", "content_hash", "exit_code", "file_format", "ingest_file", "ingest_paths",
    "notes_frame", "plan", "quarantine_frame", "read", "split_file_duplicates", "stats", "table_for",
    "validate",
]
