"""Load contract files (validated; bad rows quarantined) and write one ``ingest.file`` audit
entry per file loaded, from the CLI and the API alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from engine import audit, ingest
from engine.ingest import IngestResult, Stage


def _audit(con: duckdb.DuckDBPyConnection, result: IngestResult, actor: str) -> None:
    audit.record(con, audit.AuditEvent(actor, "ingest.file", "ingest_batch", str(result.batch_id), None,
                                       result.as_dict()))


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, table: str | None, *, actor: str,
                upsert: bool = False, display_name: str | None = None) -> IngestResult:
    """One file (an upload): load it, then audit it."""
    result = ingest.ingest_file(con, path, table, upsert=upsert, display_name=display_name)
    _audit(con, result, actor)
    return result


def ingest_paths(
    con: duckdb.DuckDBPyConnection, paths: Iterable[Path], table: str | None, *, actor: str,
    upsert: bool = False, on_file: Callable[[Path, str], Stage | None] | None = None,
) -> tuple[list[IngestResult], list[tuple[Path, str]], list[Path]]:
    """Files and directories: ``(results, failed, skipped)`` as :func:`engine.ingest.ingest_paths`
    gives them; every loaded file is audited."""
    results, failed, skipped = ingest.ingest_paths(con, paths, table, upsert=upsert, on_file=on_file)
    for r in results:
        _audit(con, r, actor)
    return results, failed, skipped
