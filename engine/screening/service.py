"""What the CLI and the API call: validated queries, matching, an entry side by side with a query."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb

from engine.errors import CtfmonError, NotFound
from engine.screening import lists
from engine.screening.index import get_index
from engine.screening.matcher import DEFAULT_THRESHOLD, EntryScore, Query, birth_date_feature

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
            raise CtfmonError(f"type: {entry_type!r}; expected one of {', '.join(lists.ENTRY_TYPES)}")
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


AGREE, DISAGREE, UNKNOWN = "agree", "disagree", "unknown"


def _birth_dates(entry: lists.ListEntry) -> list[str]:
    out = []
    for b in entry.birth_dates:
        if b.date:
            out.append(("~" if b.kind == "approximately" else "") + b.date)
        elif b.year:
            out.append(("~" if b.kind == "approximately" else "") + str(b.year))
        elif b.years():
            lo, hi = b.years()  # type: ignore[misc]
            out.append(f"{lo}-{hi}")
    return out


def compare_entry(
    con: duckdb.DuckDBPyConnection,
    list_name: str,
    reference: str,
    query: Query | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """A list entry side by side with a query, each feature marked agree/disagree/unknown.

    Returns ``entry`` (names with kind and quality, birth dates, nationalities, documents,
    addresses, places of birth, programme, listing date, listing reason), ``query`` (or
    None), and, with a query: ``score``, ``match``, ``explanation``, ``features`` (the
    matcher's breakdown), ``names`` (every listed name scored alone against the query) and
    ``comparison``: one row per feature with the query's value, the list's value and the
    outcome.  Without a query every outcome is ``unknown``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise CtfmonError(f"threshold: {threshold}; expected a number from 0 to 1")
    if not lists.active_versions(con):
        raise CtfmonError("no sanctions list loaded: run `ctfmon lists load FILE` first")
    idx = get_index(con)
    key = (list_name, reference)
    entry = idx.entries.get(key)
    if entry is None:
        raise NotFound(f"no entry {reference!r} in the active version of list {list_name!r}; see `ctfmon lists show`")
    out: dict[str, Any] = {
        "entry": {
            "list_name": list_name, "reference": entry.reference, "entry_type": entry.entry_type,
            "primary_name": entry.primary_name,
            "names": [{"name": n.name, "kind": n.kind, "quality": n.quality} for n in entry.names],
            "birth_dates": _birth_dates(entry), "nationalities": entry.nationalities, "documents": entry.documents,
            "addresses": entry.addresses, "places_of_birth": entry.places_of_birth, "program": entry.program,
            "listed_on": entry.listed_on, "reason": entry.comments,
        },
        "query": None, "threshold": threshold,
    }
    es: EntryScore | None = None
    names: list[dict[str, Any]] = []
    if query is not None:
        es, names = idx.compare_entry(query, key)
        out["query"] = {"name": query.name, "entry_type": query.entry_type, "birth_date": query.birth_date,
                        "nationality": query.nationality, "document_number": query.document_number}
    rows: list[dict[str, Any]] = []
    f = es.features if es else {}
    # name
    if es is None:
        rows.append({"feature": "name", "query": query.name if query else None, "list": entry.primary_name,
                     "outcome": UNKNOWN, "detail": "no query" if query is None else "nothing comparable"})
    else:
        outcome = AGREE if es.name_score >= threshold else DISAGREE
        detail = f"{f['name']['method']} {es.name_score:.2f}"
        if es.name_only_common_tokens:
            detail += "; only common name tokens agree"
        rows.append({"feature": "name", "query": query.name if query else None, "list": es.matched_name,
                     "outcome": outcome, "detail": detail, "score": es.name_score})
    # birth date
    listed_dates = _birth_dates(entry)
    bd = birth_date_feature(query.birth_date, entry.birth_dates) if query else None
    rows.append({
        "feature": "birth_date", "query": query.birth_date if query else None, "list": listed_dates,
        "outcome": UNKNOWN if bd is None else (DISAGREE if bd["outcome"] == "conflict" else AGREE),
        "detail": bd["outcome"] if bd else ("not stated" if not listed_dates or not (query and query.birth_date)
                                            else "not comparable"),
    })
    # nationality
    nat = f.get("nationality")
    rows.append({
        "feature": "nationality", "query": query.nationality if query else None, "list": entry.nationalities,
        "outcome": UNKNOWN if nat is None else (AGREE if nat["outcome"] == "match" else DISAGREE),
        "detail": nat["outcome"] if nat else "not stated",
    })
    # documents
    doc = f.get("document")
    if doc is not None:
        outcome, detail = (AGREE, "same number") if doc["outcome"] == "match" else (DISAGREE, doc.get("note", ""))
    elif query is not None and query.document_number and entry.documents:
        outcome, detail = UNKNOWN, "not among the listed documents (a person may hold several)"
    else:
        outcome, detail = UNKNOWN, "not stated"
    rows.append({"feature": "document", "query": query.document_number if query else None,
                 "list": [d["number"] for d in entry.documents], "outcome": outcome, "detail": detail})
    # entry type
    qt = query.entry_type if query else None
    rows.append({"feature": "entry_type", "query": qt, "list": entry.entry_type,
                 "outcome": UNKNOWN if not qt else (AGREE if qt == entry.entry_type else DISAGREE),
                 "detail": "" if qt else "not stated"})
    out["comparison"] = rows
    if es is not None:
        out.update(score=es.score, match=es.score >= threshold, explanation=es.explanation(),
                   name_rarity=es.name_rarity, name_only_common_tokens=es.name_only_common_tokens,
                   features=es.features, names=sorted(names, key=lambda n: -n["name_score"]))
    return out

