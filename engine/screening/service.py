"""What the CLI and the API call: validated queries, matching, list summaries."""

from __future__ import annotations

import re
from datetime import date

import duckdb

from engine.errors import CtfmonError
from engine.screening import lists
from engine.screening.index import get_index
from engine.screening.matcher import DEFAULT_THRESHOLD, EntryScore, Query

_DATE_RE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


def make_query(
    name: str,
    *,
    birth_date: str | date | None = None,
    nationality: str | None = None,
    document_number: str | None = None,
    entry_type: str | None = None,
) -> Query:
    """A checked query; bad values raise CtfmonError naming the field and what is expected."""
    if not name or not name.strip():
        raise CtfmonError("name: empty; give the name to screen")
    if len(name) > 500:
        raise CtfmonError(f"name: {len(name)} characters; at most 500 expected")
    bd: str | None = None
    if birth_date is not None and str(birth_date).strip():
        bd = birth_date.isoformat() if isinstance(birth_date, date) else str(birth_date).strip()
        if not _DATE_RE.match(bd):
            raise CtfmonError(f"birth date: {bd!r} is not YYYY-MM-DD or YYYY")
        if len(bd) == 10:
            try:
                date.fromisoformat(bd)
            except ValueError:
                raise CtfmonError(f"birth date: {bd!r} is not a calendar date") from None
    nat: str | None = None
    if nationality is not None and nationality.strip():
        nat = lists.country_code(nationality)
        if nat is None:
            raise CtfmonError(f"nationality: unknown country {nationality!r}; expected ISO 3166-1 alpha-2")
    et: str | None = None
    if entry_type is not None and entry_type.strip():
        et = entry_type.strip().lower()
        if et not in lists.ENTRY_TYPES:
            raise CtfmonError(f"type: {entry_type!r}; expected person or entity")
    doc = document_number.strip() if document_number and document_number.strip() else None
    return Query(name=name.strip(), entry_type=et, birth_date=bd, nationality=nat, document_number=doc)


def match(
    con: duckdb.DuckDBPyConnection,
    queries: list[Query],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 10,
    min_score: float = 0.5,
) -> list[list[EntryScore]]:
    """Ranked candidates per query against the active list versions (best first)."""
    if not 0.0 <= threshold <= 1.0:
        raise CtfmonError(f"threshold: {threshold}; expected a number from 0 to 1")
    if limit < 1:
        raise CtfmonError(f"limit: {limit}; expected at least 1")
    if not lists.active_versions(con):
        raise CtfmonError("no sanctions list loaded: run `ctfmon lists load FILE` first")
    idx = get_index(con)
    return [idx.match(q, limit=limit, min_score=min(min_score, threshold)) for q in queries]
