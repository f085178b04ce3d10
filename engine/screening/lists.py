"""Sanctions lists: parsing (UN Consolidated List XML, a simple CSV), versioned snapshots.

Every load of a file is a *version* of a named list (``UN`` by default for the UN XML,
the file stem for CSV unless ``--name`` is given) with its source format, the generation
date the file states, and the SHA-256 of its bytes.  Exactly one version per list name
is active; screening reads the active versions of all lists.  A file is parsed and
checked completely before anything is written, so a malformed or truncated file leaves
the previously active version active.

CSV format for national lists (UTF-8, header row, comma; list cells separated by ``;``):

===================  ========  ==========================================================
column               required  meaning
===================  ========  ==========================================================
reference            yes       the list's own id of the designation (unique in the file)
name                 yes       primary name, any script
entry_type           yes       ``person``, ``entity`` or ``vessel``
aliases              no        good-quality aliases (``;``-separated)
weak_aliases         no        low-quality aliases (``;``-separated)
original_script      no        names in the original script (``;``-separated)
date_of_birth        no        ``YYYY-MM-DD`` (exact), ``YYYY`` (year), ``YYYY/YYYY``
                               (between), ``~YYYY`` or ``~YYYY-MM-DD`` (approximately);
                               several separated by ``;``
nationality          no        ISO 3166-1 alpha-2 codes or country names (``;``)
document_numbers     no        passport / id numbers; a vessel's ``IMO 1234567`` (``;``)
program              no        sanctions programme or regime
listed_on            no        ``YYYY-MM-DD``
reason               no        the narrative of the designation (shown to analysts)
===================  ========  ==========================================================

What an entry holds is in :mod:`engine.screening.entries`, the parsers of both formats in
:mod:`engine.screening.parsers`; this module checks, stores and compares versions.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from engine import store
from engine.config import get_settings
from engine.errors import CtfmonError, NotFound
from engine.screening import documents
from engine.screening.entries import (
    ENTRY_TYPES,
    BirthDate,
    ListEntry,
    ListName,
    ParsedList,
    country_code,
)
from engine.screening.parsers import CSV_COLUMNS, CSV_REQUIRED, parse_csv, parse_un_xml

__all__ = [  # some of these live in modules of their own; named here too
    "CSV_COLUMNS", "CSV_REQUIRED", "DDL", "ENTRY_TYPES", "FORMATS", "BirthDate", "ListEntry", "ListName",
    "ListShrinks", "LoadResult", "ParsedList", "active_version", "active_versions", "check_drop",
    "country_code", "diff_versions", "list_versions", "load_entries", "load_list", "parse_csv", "parse_file",
    "parse_un_xml", "rescreen_typologies",
]

log = logging.getLogger(__name__)

FORMATS = ("un-xml", "csv", "documents-csv")  # documents-csv: engine.screening.documents

DDL: list[str] = [
    "CREATE SEQUENCE IF NOT EXISTS screening_list_version_seq START 1",
    """CREATE TABLE IF NOT EXISTS screening_list_versions (
  version_id BIGINT PRIMARY KEY,
  list_name VARCHAR NOT NULL,
  source_format VARCHAR NOT NULL,
  file VARCHAR NOT NULL,
  generated_at TIMESTAMP,
  content_hash VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  entries INTEGER NOT NULL,
  persons INTEGER NOT NULL,
  entities INTEGER NOT NULL,
  names INTEGER NOT NULL,
  active BOOLEAN NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS screening_entries (
  version_id BIGINT NOT NULL,
  list_name VARCHAR NOT NULL,
  reference VARCHAR NOT NULL,
  entry_type VARCHAR NOT NULL,
  primary_name VARCHAR NOT NULL,
  program VARCHAR,
  listed_on DATE,
  nationalities VARCHAR[],
  record_hash VARCHAR NOT NULL,
  record JSON NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS screening_names (
  version_id BIGINT NOT NULL,
  list_name VARCHAR NOT NULL,
  reference VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  quality VARCHAR NOT NULL
)""",
    # what each change of a new version caused (engine.screening.changes)
    """CREATE TABLE IF NOT EXISTS screening_list_changes (
  version_id BIGINT NOT NULL,
  previous_version_id BIGINT,
  list_name VARCHAR NOT NULL,
  reference VARCHAR NOT NULL,
  change VARCHAR NOT NULL,
  fields VARCHAR[],
  listed_on DATE,
  alert_ids VARCHAR[],
  case_ids VARCHAR[],
  recorded_at TIMESTAMP NOT NULL
)""",
]


def parse_file(path: Path, fmt: str | None = None, *, display_name: str | None = None) -> tuple[ParsedList, str]:
    """Parse ``path`` (format from ``fmt`` or the extension); returns the list and its hash.
    Messages name the file ``display_name`` (default: the path)."""
    shown = display_name or str(path)
    if fmt is not None and fmt not in FORMATS:
        raise CtfmonError(f"unknown list format {fmt!r}; expected one of {', '.join(FORMATS)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CtfmonError(f"cannot read list file {shown}: {exc.strerror}") from None
    if fmt is None:
        ext = Path(shown).suffix.lower()
        if ext == ".xml":
            fmt = "un-xml"
        elif ext in (".csv", ".txt"):
            fmt = "csv"
        else:
            raise CtfmonError(f"{shown}: cannot tell the format from {ext!r}; pass --format un-xml or csv")
    parsed = parse_un_xml(data, shown) if fmt == "un-xml" else parse_csv(data, shown)
    return parsed, hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- store
@dataclass
class LoadResult:
    version_id: int
    list_name: str
    entries: int
    persons: int
    entities: int
    names: int
    content_hash: str
    already_loaded: bool
    previous_version_id: int | None
    diff: dict[str, list[str]] = field(default_factory=dict)
    source_format: str = ""  # un-xml, csv or documents-csv


class ListShrinks(CtfmonError):
    """A load that would drop more of the active entries than ``list_max_drop_share`` allows."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2, http_status=409)


def check_drop(con: duckdb.DuckDBPyConnection, name: str, prev: int | None, references: set[str], *,
               file: str, confirm: bool) -> None:
    """Refuse (unless ``confirm``) a new version that drops more than the setting
    ``list_max_drop_share`` (default 20%) of the active version's entries, naming the counts.
    Dropping a single entry (one delisting from a small list) is never refused."""
    if prev is None or confirm:
        return
    active = {r[0] for r in con.execute(
        "SELECT reference FROM screening_entries WHERE version_id = ?", [prev]).fetchall()}
    if not active:
        return
    dropped = len(active - references)
    share = dropped / len(active)
    limit = get_settings().list_max_drop_share
    if share > limit and dropped > 1:
        raise ListShrinks(
            f"{file}: loading it as list {name} would drop {dropped:,} of the {len(active):,} entries of the "
            f"active version {prev} ({share:.0%}; more than {limit:.0%} needs confirming) and leave "
            f"{len(references):,} entries. If that is intended, load it again with --confirm "
            "(API: confirm=true); otherwise check that the file is complete"
        )


def load_list(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    fmt: str | None = None,
    list_name: str | None = None,
    confirm: bool = False,
    display_name: str | None = None,
) -> LoadResult:
    """Parse ``path`` and store it as the new active version of its list.

    The file is parsed completely first; on any error nothing is written and the active
    version stays active.  A file that would drop more than ``list_max_drop_share`` of the
    active entries (a truncated or one-entry list replacing the full one) is refused unless
    ``confirm`` (:func:`check_drop`).  Loading a file whose content hash is already stored
    for the list re-activates that version instead of storing a copy.  ``display_name`` is
    the file name recorded and shown (an upload's name rather than its temporary path).
    """
    if fmt == documents.FORMAT or (fmt is None and _is_document_list(path)):
        return documents.load(con, path, list_name=list_name, confirm=confirm, display_name=display_name)
    parsed, content_hash = parse_file(path, fmt, display_name=display_name)
    shown = display_name or str(path)
    name = list_name or ("UN" if parsed.source_format == "un-xml" else Path(shown).stem)
    prev = active_version(con, name)
    check_drop(con, name, prev, {e.reference for e in parsed.entries}, file=shown, confirm=confirm)
    existing = con.execute(
        "SELECT version_id FROM screening_list_versions WHERE list_name = ? AND content_hash = ? "
        "ORDER BY version_id DESC LIMIT 1",
        [name, content_hash],
    ).fetchall()
    persons = sum(e.entry_type == "person" for e in parsed.entries)
    n_names = sum(len(e.names) for e in parsed.entries)
    if existing:
        vid = int(existing[0][0])
        with store.transaction(con):
            con.execute("UPDATE screening_list_versions SET active = (version_id = ?) WHERE list_name = ?",
                        [vid, name])
        return LoadResult(vid, name, len(parsed.entries), persons, len(parsed.entries) - persons, n_names,
                          content_hash, True, prev, source_format=parsed.source_format)
    entries_df = pl.DataFrame(
        {
            "list_name": [name] * len(parsed.entries),
            "reference": [e.reference for e in parsed.entries],
            "entry_type": [e.entry_type for e in parsed.entries],
            "primary_name": [e.primary_name for e in parsed.entries],
            "program": [e.program for e in parsed.entries],
            "listed_on": [date.fromisoformat(e.listed_on) if e.listed_on else None for e in parsed.entries],
            "nationalities": [e.nationalities for e in parsed.entries],
            "record_hash": [e.record_hash() for e in parsed.entries],
            "record": [json.dumps(e.record(), ensure_ascii=False) for e in parsed.entries],
        },
        schema={
            "list_name": pl.String, "reference": pl.String, "entry_type": pl.String,
            "primary_name": pl.String, "program": pl.String, "listed_on": pl.Date,
            "nationalities": pl.List(pl.String), "record_hash": pl.String, "record": pl.String,
        },
    )
    names_df = pl.DataFrame(
        {
            "list_name": [name] * n_names,
            "reference": [e.reference for e in parsed.entries for _ in e.names],
            "name": [n.name for e in parsed.entries for n in e.names],
            "kind": [n.kind for e in parsed.entries for n in e.names],
            "quality": [n.quality for e in parsed.entries for n in e.names],
        },
        schema={"list_name": pl.String, "reference": pl.String, "name": pl.String, "kind": pl.String,
                "quality": pl.String},
    )
    with store.transaction(con):
        vid = int(con.execute("SELECT nextval('screening_list_version_seq')").fetchall()[0][0])
        con.execute("UPDATE screening_list_versions SET active = false WHERE list_name = ?", [name])
        con.execute(
            "INSERT INTO screening_list_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
            [vid, name, parsed.source_format, shown, parsed.generated_at, content_hash,
             store.now_utc(), len(parsed.entries), persons, len(parsed.entries) - persons, n_names],
        )
        con.register("_scr_entries", entries_df.to_arrow())
        con.register("_scr_names", names_df.to_arrow())
        try:
            con.execute(
                "INSERT INTO screening_entries SELECT ?, list_name, reference, entry_type, primary_name, "
                "program, listed_on, nationalities, record_hash, record FROM _scr_entries", [vid]
            )
            con.execute(
                "INSERT INTO screening_names SELECT ?, list_name, reference, name, kind, quality "
                "FROM _scr_names", [vid]
            )
        finally:
            con.unregister("_scr_entries")
            con.unregister("_scr_names")
    result = LoadResult(vid, name, len(parsed.entries), persons, len(parsed.entries) - persons, n_names,
                        content_hash, False, prev, source_format=parsed.source_format)
    if prev is not None:
        result.diff = diff_versions(con, prev, vid)
    log.info("list %s version %s: %d entries", name, vid, len(parsed.entries))
    return result


def active_version(con: duckdb.DuckDBPyConnection, list_name: str) -> int | None:
    rows = con.execute(
        "SELECT version_id FROM screening_list_versions WHERE list_name = ? AND active", [list_name]
    ).fetchall()
    return int(rows[0][0]) if rows else None


def rescreen_typologies(source_format: str) -> list[str]:
    """The typologies that re-screen the data after a list of ``source_format`` is loaded."""
    return ["TF-DOC-01"] if source_format == documents.FORMAT else ["SAN-01", "SAN-02"]


def _is_document_list(path: Path) -> bool:
    """A .csv whose header is a travel-document list's (loaded without --format)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return documents.looks_like_document_list(head)


def active_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The active sanctions-list versions (document lists are TF-DOC-01's, not screened by name)."""
    rows = con.execute("SELECT version_id FROM screening_list_versions WHERE active "
                       f"AND source_format <> '{documents.FORMAT}' ORDER BY version_id")
    return [int(r[0]) for r in rows.fetchall()]


def list_versions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every stored version, newest first."""
    return con.sql(
        "SELECT version_id, list_name, source_format, file, generated_at, content_hash, loaded_at, "
        "entries, persons, entities, names, active FROM screening_list_versions "
        "ORDER BY list_name, version_id DESC"
    ).pl()


def _version_exists(con: duckdb.DuckDBPyConnection, vid: int) -> None:
    rows = con.execute("SELECT 1 FROM screening_list_versions WHERE version_id = ?", [vid]).fetchall()
    if not rows:
        raise NotFound(f"no list version {vid}; see `ctfmon lists show`")


def diff_versions(con: duckdb.DuckDBPyConnection, old: int, new: int) -> dict[str, list[str]]:
    """References added, removed and changed (same reference, different content) from old to new."""
    _version_exists(con, old)
    _version_exists(con, new)
    kinds = {documents.is_document_version(con, old), documents.is_document_version(con, new)}
    if kinds == {True}:
        return documents.diff_versions(con, old, new)
    if len(kinds) > 1:
        raise CtfmonError(f"versions {old} and {new}: one is a travel-document list, the other a sanctions list")
    df = con.sql(
        """
        WITH o AS (SELECT reference, record_hash FROM screening_entries WHERE version_id = ?),
             n AS (SELECT reference, record_hash FROM screening_entries WHERE version_id = ?)
        SELECT coalesce(n.reference, o.reference) AS reference,
               CASE WHEN o.reference IS NULL THEN 'added'
                    WHEN n.reference IS NULL THEN 'removed'
                    ELSE 'changed' END AS change
        FROM o FULL OUTER JOIN n ON o.reference = n.reference
        WHERE o.reference IS NULL OR n.reference IS NULL OR o.record_hash <> n.record_hash
        ORDER BY change, reference
        """,
        params=[old, new],
    ).pl()
    out: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for ref, change in df.iter_rows():
        out[change].append(ref)
    return out


def load_entries(con: duckdb.DuckDBPyConnection, version_ids: list[int]) -> dict[tuple[str, str], ListEntry]:
    """The entries of the given versions keyed by (list_name, reference)."""
    if not version_ids:
        return {}
    marks = ", ".join("?" for _ in version_ids)
    rows = con.execute(
        f"SELECT list_name, record FROM screening_entries WHERE version_id IN ({marks})",
        list(version_ids),
    ).fetchall()
    out: dict[tuple[str, str], ListEntry] = {}
    for list_name, rec in rows:
        d = json.loads(rec)
        d["names"] = [ListName(**n) for n in d["names"]]
        d["birth_dates"] = [BirthDate(**b) for b in d["birth_dates"]]
        e = ListEntry(**d)
        out[(list_name, e.reference)] = e
    return out
