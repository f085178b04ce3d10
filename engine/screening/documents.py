"""Lost, stolen and invalid travel document lists: parsing, normalised numbers, versions.

A document list is loaded like a sanctions list (``ctfmon lists load FILE --format
documents-csv``): every load is a *version* of a named list (the file stem unless ``--name``
is given), recorded in ``screening_list_versions`` with ``source_format = 'documents-csv'``,
its content hash and, as the version's as-of date (``generated_at``), the latest
``reported_on`` of the file.  Exactly one version per list name is active; the TF-DOC-01
detector reads the entries of the active document-list versions.  Sanctions screening
(SAN-01, SAN-02) never reads them.  A file is parsed and checked completely before anything
is written.

CSV format (UTF-8, header row, comma):

=================  ========  =============================================================
column             required  meaning
=================  ========  =============================================================
document_number    yes       the number as printed (any case, spaces, dashes, dots, slashes)
issuing_country    no        ISO 3166-1 alpha-2 (or a country name) of the issuing state
document_type      no        ``passport``, ``id_card``, ``travel_document``, ``visa``,
                             ``residence_permit`` or ``other`` (default ``other``)
status             yes       ``lost``, ``stolen``, ``stolen_blank``, ``revoked``,
                             ``invalid`` or ``cancelled``
reported_on        yes       ``YYYY-MM-DD``: when the document was reported
source             no        who reported or published it (e.g. ``INTERPOL SLTD``)
=================  ========  =============================================================

Numbers are compared by their *key* (:func:`number_key`): upper case, with everything but
the Latin letters A-Z and the digits 0-9 removed, so ``ab 123-456`` and ``AB123456`` are
one number.  Letters and digits are never folded into each other here (a letter O and a
zero are different characters of many numbering schemes); the detector can compare with O
read as 0 when a user turns that on (``TF-DOC-01.fold_o_zero``).  A number with letters
outside A-Z (another script) is refused: machine-readable travel documents print their
numbers in A-Z and 0-9 (ICAO Doc 9303).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from engine import store
from engine.config import get_settings
from engine.errors import CtfmonError

if TYPE_CHECKING:
    from engine.screening.lists import LoadResult

FORMAT = "documents-csv"
STATUSES = ("lost", "stolen", "stolen_blank", "revoked", "invalid", "cancelled")
DOCUMENT_TYPES = ("passport", "id_card", "travel_document", "visa", "residence_permit", "other")
REQUIRED = ("document_number", "status", "reported_on")
COLUMNS = ("document_number", "issuing_country", "document_type", "status", "reported_on", "source")
#: The shortest key a list row may have (fewer characters would match too much).
MIN_KEY_LENGTH = 4
#: The shipped sample list (synthetic; see its header).
SAMPLE_LIST = Path(__file__).parent / "data" / "sample_lost_stolen_documents_2026-11-30.csv"

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS document_list_entries (
  version_id BIGINT NOT NULL,
  list_name VARCHAR NOT NULL,
  document_number VARCHAR NOT NULL,
  number_key VARCHAR NOT NULL,
  issuing_country VARCHAR,
  document_type VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  reported_on DATE NOT NULL,
  source VARCHAR,
  record_hash VARCHAR NOT NULL
)""",
]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEY_DROP = re.compile(r"[^A-Z0-9]")


def number_key(number: str) -> str:
    """The comparison key of a document number: upper case, A-Z and 0-9 only.

    The detector computes the same key in SQL (``regexp_replace(upper(n), '[^A-Z0-9]', '')``)."""
    return _KEY_DROP.sub("", number.upper())


@dataclass(frozen=True)
class DocumentEntry:
    document_number: str
    number_key: str
    issuing_country: str | None
    document_type: str
    status: str
    reported_on: str  # YYYY-MM-DD
    source: str | None

    @property
    def reference(self) -> str:
        """The entry's identity within a list: issuing country and number key."""
        return f"{self.issuing_country or '--'}:{self.number_key}"

    def record_hash(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _country(value: str, where: str) -> str | None:
    from engine.screening.lists import country_code

    v = value.strip()
    if not v:
        return None
    code = country_code(v)
    if code is None:
        raise CtfmonError(f"{where}, column issuing_country: unknown country {v!r}; expected ISO 3166-1 alpha-2")
    return code


def parse(data: bytes, file: str) -> list[DocumentEntry]:
    """The entries of a document-list CSV (see the module docstring); errors name the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CtfmonError(f"{file}: not UTF-8 (byte {exc.start}); save the list as UTF-8") from None
    lines = [ln for ln in text.splitlines(keepends=True)]
    # leading '#' comment lines (a header naming the list's source and date) are skipped
    skipped = 0
    while skipped < len(lines) and lines[skipped].lstrip().startswith("#"):
        skipped += 1
    reader = csv.DictReader(io.StringIO("".join(lines[skipped:]), newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CtfmonError(
            f"{file}: line {skipped + 1}: missing column(s) {', '.join(missing)}; a document list has the "
            f"columns {', '.join(COLUMNS)}"
        )
    entries: list[DocumentEntry] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num + skipped
            where = f"{file}: line {line}"
            if None in row:
                raise CtfmonError(f"{where}: more cells than header columns (unquoted comma?)")
            raw = " ".join((row.get("document_number") or "").split())
            if not raw:
                raise CtfmonError(f"{where}, column document_number: empty")
            if any(ch.isalnum() and not (ch.isascii()) for ch in raw):
                raise CtfmonError(
                    f"{where}, column document_number: {raw!r} has letters or digits outside A-Z and 0-9; "
                    "travel document numbers are printed in Latin capitals and digits")
            key = number_key(raw)
            if len(key) < MIN_KEY_LENGTH:
                raise CtfmonError(
                    f"{where}, column document_number: {raw!r} has {len(key)} letters or digits; "
                    f"at least {MIN_KEY_LENGTH} expected")
            status = (row.get("status") or "").strip().lower().replace(" ", "_")
            if status not in STATUSES:
                raise CtfmonError(f"{where}, column status: {status!r}; expected one of {', '.join(STATUSES)}")
            reported = (row.get("reported_on") or "").strip()
            if not _DATE_RE.match(reported):
                raise CtfmonError(f"{where}, column reported_on: {reported!r} is not YYYY-MM-DD")
            try:
                date.fromisoformat(reported)
            except ValueError:
                raise CtfmonError(f"{where}, column reported_on: {reported!r} is not a calendar date") from None
            dtype = (row.get("document_type") or "").strip().lower().replace(" ", "_") or "other"
            if dtype not in DOCUMENT_TYPES:
                raise CtfmonError(
                    f"{where}, column document_type: {dtype!r}; expected one of {', '.join(DOCUMENT_TYPES)}")
            entry = DocumentEntry(raw, key, _country(row.get("issuing_country") or "", where), dtype, status,
                                  reported, (row.get("source") or "").strip() or None)
            if entry.reference in seen:
                raise CtfmonError(
                    f"{where}: document {raw!r} ({entry.issuing_country or 'no issuing country'}) is already on "
                    f"line {seen[entry.reference]}; each document needs one row")
            seen[entry.reference] = line
            entries.append(entry)
    except csv.Error as exc:
        raise CtfmonError(f"{file}: line {reader.line_num + skipped}: malformed CSV ({exc})") from None
    if not entries:
        raise CtfmonError(f"{file}: no rows after the header")
    return entries


def looks_like_document_list(data: bytes) -> bool:
    """Whether a CSV's header is a document list's (for telling the format from the file)."""
    text = data[:4096].decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            cols = {c.strip() for c in line.split(",")}
            return set(REQUIRED) <= cols and "reference" not in cols
    return False


# --------------------------------------------------------------------------- store
def _check_drop(con: duckdb.DuckDBPyConnection, name: str, prev: int | None, refs: set[str], *, file: str,
                confirm: bool) -> None:
    """Refuse a version that drops more than ``list_max_drop_share`` of the active entries
    (as for sanctions lists) unless ``confirm``."""
    from engine.screening.lists import ListShrinks

    if prev is None or confirm:
        return
    active = {f"{c or '--'}:{k}" for c, k in con.execute(
        "SELECT issuing_country, number_key FROM document_list_entries WHERE version_id = ?", [prev]).fetchall()}
    if not active:
        return
    dropped = len(active - refs)
    share = dropped / len(active)
    limit = get_settings().list_max_drop_share
    if share > limit and dropped > 1:
        raise ListShrinks(
            f"{file}: loading it as list {name} would drop {dropped:,} of the {len(active):,} documents of the "
            f"active version {prev} ({share:.0%}; more than {limit:.0%} needs confirming) and leave {len(refs):,}. "
            "If that is intended, load it again with --confirm (API: confirm=true); otherwise check that the "
            "file is complete"
        )


def load(con: duckdb.DuckDBPyConnection, path: Path, *, list_name: str | None = None, confirm: bool = False,
         display_name: str | None = None) -> LoadResult:
    """Parse ``path`` and store it as the new active version of its document list (see
    :func:`engine.screening.lists.load_list`, which hands ``documents-csv`` files here)."""
    from engine.screening.lists import LoadResult, active_version

    shown = display_name or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CtfmonError(f"cannot read list file {shown}: {exc.strerror}") from None
    entries = parse(data, shown)
    content_hash = hashlib.sha256(data).hexdigest()
    name = list_name or Path(shown).stem
    prev = active_version(con, name)
    if prev is not None:
        fmt = con.execute("SELECT source_format FROM screening_list_versions WHERE version_id = ?",
                          [prev]).fetchall()[0][0]
        if fmt != FORMAT:
            raise CtfmonError(
                f"{shown}: list {name} is a sanctions list ({fmt}); load the document list under another "
                "name (--name)")
    _check_drop(con, name, prev, {e.reference for e in entries}, file=shown, confirm=confirm)
    as_of = datetime.fromisoformat(max(e.reported_on for e in entries))
    existing = con.execute(
        "SELECT version_id FROM screening_list_versions WHERE list_name = ? AND content_hash = ? "
        "ORDER BY version_id DESC LIMIT 1", [name, content_hash]).fetchall()
    if existing:
        vid = int(existing[0][0])
        with store.transaction(con):
            con.execute("UPDATE screening_list_versions SET active = (version_id = ?) WHERE list_name = ?",
                        [vid, name])
        return LoadResult(vid, name, len(entries), 0, 0, 0, content_hash, True, prev, source_format=FORMAT)
    frame = pl.DataFrame(
        {
            "document_number": [e.document_number for e in entries],
            "number_key": [e.number_key for e in entries],
            "issuing_country": [e.issuing_country for e in entries],
            "document_type": [e.document_type for e in entries],
            "status": [e.status for e in entries],
            "reported_on": [date.fromisoformat(e.reported_on) for e in entries],
            "source": [e.source for e in entries],
            "record_hash": [e.record_hash() for e in entries],
        },
        schema={"document_number": pl.String, "number_key": pl.String, "issuing_country": pl.String,
                "document_type": pl.String, "status": pl.String, "reported_on": pl.Date, "source": pl.String,
                "record_hash": pl.String},
    )
    with store.transaction(con):
        vid = int(con.execute("SELECT nextval('screening_list_version_seq')").fetchall()[0][0])
        con.execute("UPDATE screening_list_versions SET active = false WHERE list_name = ?", [name])
        con.execute(
            "INSERT INTO screening_list_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, true)",
            [vid, name, FORMAT, shown, as_of, content_hash, store.now_utc(), len(entries)],
        )
        con.register("_doc_entries", frame.to_arrow())
        try:
            con.execute(
                "INSERT INTO document_list_entries SELECT ?, ?, document_number, number_key, issuing_country, "
                "document_type, status, reported_on, source, record_hash FROM _doc_entries", [vid, name])
        finally:
            con.unregister("_doc_entries")
    result = LoadResult(vid, name, len(entries), 0, 0, 0, content_hash, False, prev, source_format=FORMAT)
    if prev is not None:
        result.diff = diff_versions(con, prev, vid)
    return result


def is_document_version(con: duckdb.DuckDBPyConnection, version_id: int) -> bool:
    rows = con.execute("SELECT source_format FROM screening_list_versions WHERE version_id = ?",
                       [version_id]).fetchall()
    return bool(rows) and rows[0][0] == FORMAT


def diff_versions(con: duckdb.DuckDBPyConnection, old: int, new: int) -> dict[str, list[str]]:
    """Documents (``COUNTRY:KEY``) added, removed and changed (status, date, type or source)."""
    df = con.sql(
        """
        WITH o AS (SELECT coalesce(issuing_country, '--') || ':' || number_key AS ref, record_hash
                   FROM document_list_entries WHERE version_id = ?),
             n AS (SELECT coalesce(issuing_country, '--') || ':' || number_key AS ref, record_hash
                   FROM document_list_entries WHERE version_id = ?)
        SELECT coalesce(n.ref, o.ref) AS ref,
               CASE WHEN o.ref IS NULL THEN 'added' WHEN n.ref IS NULL THEN 'removed' ELSE 'changed' END
        FROM o FULL OUTER JOIN n ON o.ref = n.ref
        WHERE o.ref IS NULL OR n.ref IS NULL OR o.record_hash <> n.record_hash
        ORDER BY 2, 1
        """,
        params=[old, new],
    ).fetchall()
    out: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for ref, change in df:
        out[change].append(ref)
    return out


def active_entries(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The entries of the active document-list versions."""
    return con.sql(
        "SELECT e.* EXCLUDE (record_hash) FROM document_list_entries e JOIN screening_list_versions v "
        "ON v.version_id = e.version_id WHERE v.active ORDER BY e.list_name, e.number_key"
    ).pl()


@lru_cache(maxsize=1)
def sample_entries() -> tuple[DocumentEntry, ...]:
    """The entries of the shipped (synthetic) sample list."""
    return tuple(parse(SAMPLE_LIST.read_bytes(), str(SAMPLE_LIST)))


def entry_dict(e: DocumentEntry) -> dict[str, Any]:
    return asdict(e)
