"""What else is known about a screened party (:class:`Query`) and how list entries' birth dates
and document numbers compare with it; see :mod:`engine.screening.matcher`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.screening.lists import BirthDate, ListEntry


# --------------------------------------------------------------------------- qualifiers
@dataclass
class Query:
    """One screening query: a name and what else is known about the party."""

    name: str
    entry_type: str | None = None  # person | entity | None (unknown)
    birth_date: str | None = None  # YYYY-MM-DD or YYYY
    nationality: str | None = None  # ISO alpha-2
    document_number: str | None = None


def _query_years(birth: str | None) -> tuple[int | None, str | None]:
    if not birth:
        return None, None
    b = birth.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}$", b):
        return int(b[:4]), b
    if re.match(r"^\d{4}$", b):
        return int(b), None
    return None, None


def birth_date_feature(birth: str | date | None, dates: list[BirthDate]) -> dict[str, Any] | None:
    """How a query birth date relates to an entry's: exact, year, approximate, range or conflict."""
    if isinstance(birth, date):
        birth = birth.isoformat()
    year, full = _query_years(birth)
    if year is None or not dates:
        return None
    best: dict[str, Any] | None = None
    order = {"exact": 4, "year": 3, "range": 2, "approximate": 1}
    for d in dates:
        rng = d.years()
        if rng is None:
            continue
        lo, hi = rng
        outcome: str | None = None
        if full and d.date and d.kind == "exact" and d.date == full:
            outcome = "exact"
        elif d.kind == "between" and lo <= year <= hi:
            outcome = "range"
        elif d.kind == "approximately" and lo - 2 <= year <= hi + 2:
            outcome = "approximate"
        elif lo <= year <= hi:
            outcome = "year"
        if outcome and (best is None or order[outcome] > order[best["outcome"]]):
            best = {"outcome": outcome, "list": d.date or (f"{lo}" if lo == hi else f"{lo}-{hi}")}
    if best is None:
        shown = [d.date or "-".join(str(y) for y in sorted(set(d.years() or ()))) for d in dates if d.years()]
        return {"outcome": "conflict", "list": ", ".join(shown), "adjust": -0.15}
    best["adjust"] = {"exact": 0.08, "year": 0.05, "range": 0.04, "approximate": 0.03}[best["outcome"]]
    return best


def doc_norm(x: str) -> str:
    """A document number for comparison: letters and digits, upper case, no ``IMO`` prefix."""
    d = re.sub(r"[^0-9A-Za-z]", "", x).upper()
    return d[3:] if d.startswith("IMO") and d[3:].isdigit() else d


_doc_norm = doc_norm


def _imo_numbers(entry: ListEntry) -> set[str]:
    """IMO ship numbers among an entry's documents (type IMO, or written ``IMO 1234567``)."""
    out = set()
    for d in entry.documents:
        raw = d.get("number", "")
        if (d.get("type", "").upper().startswith("IMO") or raw.upper().replace(" ", "").startswith("IMO")) and \
                doc_norm(raw).isdigit() and len(doc_norm(raw)) == 7:
            out.add(doc_norm(raw))
    return out
