"""Which files to load: the contract table a file holds, its format, the load order of a
set of files and directories, and a file's content hash (loading a file twice changes nothing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from engine import schema
from engine.errors import CtfmonError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
Stage = Callable[[str], None]


# --------------------------------------------------------------------------- discovery
def table_for(path: Path, table: str | None = None) -> str | None:
    """The contract table a file belongs to: ``--table`` or the longest table name its stem starts with."""
    if table is not None:
        if table not in schema.TABLES:
            raise CtfmonError(
                f"{path}: unknown table {table!r}; expected one of {', '.join(schema.INGEST_ORDER)}"
            )
        return table
    stem = path.name.split(".")[0]
    matches = [t for t in schema.TABLES if stem == t or stem.startswith(t + "-") or stem.startswith(t + "_")]
    if not matches:
        matches = [t for t in schema.TABLES if stem.startswith(t)]
    return max(matches, key=len) if matches else None


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CtfmonError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; expected .csv, .parquet or .jsonl"
        )
    return fmt


def plan(paths: Iterable[str | Path], table: str | None = None) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Expand directories and order files by table dependency.

    Returns (files with their table, files in directories that are not contract tables).
    A file named explicitly that is not a contract table raises.
    """
    planned: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if not f.is_file() or f.suffix.lower() not in FORMATS:
                    if f.is_file():
                        skipped.append(f)
                    continue
                t = table_for(f, table)
                if t is None:
                    skipped.append(f)
                else:
                    planned.append((f, t))
        elif p.is_file():
            file_format(p)
            t = table_for(p, table)
            if t is None:
                raise CtfmonError(
                    f"{p}: cannot tell which table this file holds; name it after a table "
                    f"({', '.join(schema.INGEST_ORDER)}) or pass --table"
                )
            planned.append((p, t))
        else:
            raise CtfmonError(f"{p}: no such file or directory")
    order = {t: i for i, t in enumerate(schema.INGEST_ORDER)}
    planned.sort(key=lambda ft: (order[ft[1]], str(ft[0])))
    return planned, skipped


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
