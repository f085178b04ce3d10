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
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from lxml import etree
from rigour.territories import lookup_territory

from engine import store
from engine.config import get_settings
from engine.errors import CtfmonError, NotFound
from engine.screening import documents

log = logging.getLogger(__name__)

FORMATS = ("un-xml", "csv", "documents-csv")  # documents-csv: engine.screening.documents
ENTRY_TYPES = ("person", "entity", "vessel")

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


# --------------------------------------------------------------------------- model
@dataclass
class BirthDate:
    """A birth date as lists state it: ``exact`` (full date or year only), ``approximately``
    (a date or year give or take), or ``between`` two years."""

    kind: str  # exact | approximately | between
    date: str | None = None  # YYYY-MM-DD
    year: int | None = None
    from_year: int | None = None
    to_year: int | None = None

    def years(self) -> tuple[int, int] | None:
        """The inclusive year range this date allows (None when nothing is known)."""
        if self.date:
            y = int(self.date[:4])
            return (y, y)
        if self.year:
            return (self.year, self.year)
        if self.from_year or self.to_year:
            lo = self.from_year or self.to_year
            hi = self.to_year or self.from_year
            assert lo is not None and hi is not None
            return (min(lo, hi), max(lo, hi))
        return None


@dataclass
class ListName:
    name: str
    kind: str  # primary | alias | original_script
    quality: str  # good | low


@dataclass
class ListEntry:
    reference: str
    entry_type: str  # person | entity
    primary_name: str
    names: list[ListName]
    program: str | None = None
    listed_on: str | None = None
    birth_dates: list[BirthDate] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    documents: list[dict[str, str]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    comments: str | None = None

    def record(self) -> dict[str, Any]:
        return asdict(self)

    def record_hash(self) -> str:
        blob = json.dumps(self.record(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class ParsedList:
    source_format: str
    generated_at: datetime | None
    entries: list[ListEntry]


# --------------------------------------------------------------------------- helpers
@lru_cache(maxsize=2048)
def country_code(value: str) -> str | None:
    """ISO 3166-1 alpha-2 (upper case) for a country code or name, None when unknown."""
    v = value.strip()
    if not v:
        return None
    if len(v) == 2 and v.isalpha():
        return v.upper()
    terr = lookup_territory(v)
    if terr is None:
        return None
    code = terr.code.split("-")[0]
    return code.upper() if len(code) == 2 else None


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    t = " ".join(el.text.split())
    return t or None


def _child_text(el: etree._Element, tag: str) -> str | None:
    return _text(el.find(tag))


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


_ALIAS_QUALITY = {"good": "good", "a.k.a.": "good", "f.k.a.": "good", "low": "low"}


def _split_multi(name: str) -> list[str]:
    """UN entity names sometimes hold several names separated by ``;``."""
    return [p.strip() for p in name.split(";") if p.strip()]


# --------------------------------------------------------------------------- UN XML
def parse_un_xml(data: bytes, file: str) -> ParsedList:
    """Parse the UN Security Council Consolidated List XML (INDIVIDUAL and ENTITY records)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise CtfmonError(
            f"{file}:{line} malformed XML ({exc.msg}); expected a complete UN Consolidated List file"
        ) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise CtfmonError(f"{file}: root element is <{root.tag}>, expected <CONSOLIDATED_LIST>")
    generated_at = None
    gen = root.get("dateGenerated")
    if gen:
        try:
            generated_at = datetime.fromisoformat(gen.replace("Z", "+00:00")).astimezone(UTC)
            generated_at = generated_at.replace(tzinfo=None)
        except ValueError:
            raise CtfmonError(f"{file}: dateGenerated {gen!r} is not an ISO 8601 timestamp") from None
    entries: list[ListEntry] = []
    for rec in root.iter("INDIVIDUAL", "ENTITY"):
        entries.append(_un_record(rec, file))
    if not entries:
        raise CtfmonError(f"{file}: no INDIVIDUAL or ENTITY records found")
    _check_unique([e.reference for e in entries], file)
    return ParsedList("un-xml", generated_at, entries)


def _un_record(rec: etree._Element, file: str) -> ListEntry:
    is_person = rec.tag == "INDIVIDUAL"
    ref = _child_text(rec, "REFERENCE_NUMBER")
    where = f"{file}: line {rec.sourceline}"
    if not ref:
        raise CtfmonError(f"{where}: <{rec.tag}> without REFERENCE_NUMBER")
    parts = [_child_text(rec, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    full = " ".join(p for p in parts if p)
    if not full:
        raise CtfmonError(f"{where}: {ref} has no FIRST_NAME")
    names: list[ListName] = []
    primaries = _split_multi(full) if not is_person else [full.replace(",", " ").strip()]
    primaries = [" ".join(p.split()) for p in primaries]
    for p in primaries:
        names.append(ListName(p, "primary", "good"))
        if not is_person:
            # "BUTEMBO AIRLINES (BAL)": the bracketed acronym is a name of its own.
            for acronym in re.findall(r"\(([^()]+)\)", p):
                if acronym.strip():
                    names.append(ListName(acronym.strip(), "alias", "good"))
    alias_tag = "INDIVIDUAL_ALIAS" if is_person else "ENTITY_ALIAS"
    birth_dates: list[BirthDate] = []
    for al in rec.iter(alias_tag):
        an = _child_text(al, "ALIAS_NAME")
        if not an:
            continue
        q = (_child_text(al, "QUALITY") or "good").lower()
        quality = _ALIAS_QUALITY.get(q, "good")
        for part in _split_multi(an):
            names.append(ListName(part, "alias", quality))
        dob = _child_text(al, "DATE_OF_BIRTH")
        if dob:
            birth_dates.append(BirthDate("exact", date=dob[:10]))
    for el in rec.iter("NAME_ORIGINAL_SCRIPT"):
        t = _text(el)
        if t:
            names.append(ListName(t, "original_script", "good"))
    for el in rec.iter("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = (_child_text(el, "TYPE_OF_DATE") or "").lower()
        d = _child_text(el, "DATE")
        y = _int(_child_text(el, "YEAR"))
        fy = _int(_child_text(el, "FROM_YEAR"))
        ty = _int(_child_text(el, "TO_YEAR"))
        if not (d or y or fy or ty):
            continue
        if kind not in ("exact", "approximately", "between"):
            kind = "between" if (fy or ty) else "exact"
        birth_dates.append(BirthDate(kind, date=d[:10] if d else None, year=y, from_year=fy, to_year=ty))
    nationalities: list[str] = []
    for el in rec.iterfind("NATIONALITY/VALUE"):
        t = _text(el)
        code = country_code(t) if t else None
        if code and code not in nationalities:
            nationalities.append(code)
    documents: list[dict[str, str]] = []
    for el in rec.iter("INDIVIDUAL_DOCUMENT"):
        number = _child_text(el, "NUMBER")
        if not number:
            continue
        doc = {"number": number, "type": _child_text(el, "TYPE_OF_DOCUMENT") or ""}
        issuer = _child_text(el, "ISSUING_COUNTRY") or _child_text(el, "COUNTRY_OF_ISSUE")
        if issuer:
            doc["country"] = country_code(issuer) or issuer
        documents.append(doc)
    addresses: list[str] = []
    for el in rec.iter("INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
        bits = [_child_text(el, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
        a = ", ".join(b for b in bits if b)
        if a:
            addresses.append(a)
    places: list[str] = []
    for el in rec.iter("INDIVIDUAL_PLACE_OF_BIRTH"):
        bits = [_child_text(el, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        a = ", ".join(b for b in bits if b)
        if a:
            places.append(a)
    return ListEntry(
        reference=ref,
        entry_type="person" if is_person else "entity",
        primary_name=primaries[0],
        names=_dedupe_names(names),
        program=_child_text(rec, "UN_LIST_TYPE"),
        listed_on=(_child_text(rec, "LISTED_ON") or "")[:10] or None,
        birth_dates=birth_dates,
        nationalities=nationalities,
        documents=documents,
        addresses=addresses,
        places_of_birth=places,
        comments=_child_text(rec, "COMMENTS1"),
    )


def _dedupe_names(names: list[ListName]) -> list[ListName]:
    seen: dict[str, ListName] = {}
    for n in names:
        key = n.name.casefold()
        prev = seen.get(key)
        if prev is None or (prev.quality == "low" and n.quality == "good"):
            seen[key] = n
    return list(seen.values())


def _check_unique(refs: list[str], file: str) -> None:
    seen: set[str] = set()
    for r in refs:
        if r in seen:
            raise CtfmonError(f"{file}: reference {r!r} appears twice; each designation needs its own")
        seen.add(r)


# --------------------------------------------------------------------------- CSV
CSV_REQUIRED = ("reference", "name", "entry_type")
CSV_COLUMNS = CSV_REQUIRED + (
    "aliases", "weak_aliases", "original_script", "date_of_birth", "nationality",
    "document_numbers", "program", "listed_on", "reason",
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_RE = re.compile(r"^\d{4}$")
_RANGE_RE = re.compile(r"^(\d{4})\s*/\s*(\d{4})$")


def _csv_list(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


def _csv_birth_date(value: str, where: str) -> BirthDate:
    v = value.strip()
    approx = v.startswith("~")
    if approx:
        v = v[1:].strip()
    kind = "approximately" if approx else "exact"
    if _DATE_RE.match(v):
        try:
            date.fromisoformat(v)
        except ValueError:
            pass
        else:
            return BirthDate(kind, date=v)
    elif _YEAR_RE.match(v):
        return BirthDate(kind, year=int(v))
    elif (m := _RANGE_RE.match(v)) and not approx:
        return BirthDate("between", from_year=int(m.group(1)), to_year=int(m.group(2)))
    raise CtfmonError(
        f"{where}, column date_of_birth: {value!r} is not YYYY-MM-DD, YYYY, YYYY/YYYY or ~YYYY[-MM-DD]"
    )


def parse_csv(data: bytes, file: str) -> ParsedList:
    """Parse the documented CSV list format (see the module docstring)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CtfmonError(f"{file}: not UTF-8 (byte {exc.start}); save the list as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise CtfmonError(
            f"{file}: line 1: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}"
        )
    entries: list[ListEntry] = []
    try:
        for row in reader:
            line = reader.line_num
            where = f"{file}: line {line}"
            if None in row:
                raise CtfmonError(f"{where}: more cells than header columns (unquoted comma?)")
            ref = (row.get("reference") or "").strip()
            name = " ".join((row.get("name") or "").split())
            etype = (row.get("entry_type") or "").strip().lower()
            if not ref:
                raise CtfmonError(f"{where}, column reference: empty; every designation needs an id")
            if not name:
                raise CtfmonError(f"{where}, column name: empty")
            if etype not in ENTRY_TYPES:
                raise CtfmonError(f"{where}, column entry_type: {etype!r}; expected person, entity or vessel")
            names = [ListName(name, "primary", "good")]
            names += [ListName(a, "alias", "good") for a in _csv_list(row.get("aliases"))]
            names += [ListName(a, "alias", "low") for a in _csv_list(row.get("weak_aliases"))]
            names += [ListName(a, "original_script", "good") for a in _csv_list(row.get("original_script"))]
            nats: list[str] = []
            for n in _csv_list(row.get("nationality")):
                code = country_code(n)
                if code is None:
                    raise CtfmonError(f"{where}, column nationality: unknown country {n!r}")
                nats.append(code)
            listed_on = (row.get("listed_on") or "").strip() or None
            if listed_on and not _DATE_RE.match(listed_on):
                raise CtfmonError(f"{where}, column listed_on: {listed_on!r} is not YYYY-MM-DD")
            entries.append(
                ListEntry(
                    reference=ref,
                    entry_type=etype,
                    primary_name=name,
                    names=_dedupe_names(names),
                    program=(row.get("program") or "").strip() or None,
                    listed_on=listed_on,
                    birth_dates=[_csv_birth_date(d, where) for d in _csv_list(row.get("date_of_birth"))],
                    nationalities=nats,
                    documents=[{"number": d, "type": ""} for d in _csv_list(row.get("document_numbers"))],
                    comments=(row.get("reason") or "").strip() or None,
                )
            )
    except csv.Error as exc:
        raise CtfmonError(f"{file}: line {reader.line_num}: malformed CSV ({exc})") from None
    if not entries:
        raise CtfmonError(f"{file}: no rows after the header")
    _check_unique([e.reference for e in entries], file)
    return ParsedList("csv", None, entries)


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
