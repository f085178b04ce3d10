"""What a sanctions list holds once parsed: entries (:class:`ListEntry`) with their names,
birth dates, nationalities and documents, and the small readers the parsers share (country
names to codes, alias splitting); see :mod:`engine.screening.lists`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from lxml import etree
from rigour.territories import lookup_territory

ENTRY_TYPES = ("person", "entity", "vessel")


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
