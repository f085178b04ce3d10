"""Small helpers shared by detectors: number and country formatting for explanations, score
shaping, the base currency and the organisation-name pattern their SQL binds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pycountry

from engine.config import get_settings

#: Words that make an unknown counterparty's name look like an organisation rather than a
#: person (legal forms and common organisation nouns, matched as whole words, upper case).
ORG_NAME_WORDS: tuple[str, ...] = (
    "LTD", "LIMITED", "LLC", "LLP", "INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY",
    "GMBH", "AG", "SA", "SAS", "SARL", "SRL", "SPA", "BV", "NV", "PLC", "PTE", "PTY", "KG", "OY", "AB",
    "AS", "JSC", "PJSC", "OOO", "ZAO", "FZE", "FZCO", "WLL", "TRADING", "GROUP", "HOLDING",
    "HOLDINGS", "INDUSTRIES", "ENTERPRISES", "INTERNATIONAL", "BANK", "FOUNDATION", "ASSOCIATION",
    "CHARITY", "TRUST", "SOCIETY", "INSTITUTE", "UNIVERSITY", "SCHOOL", "HOSPITAL", "CLINIC",
    "MINISTRY", "AGENCY", "COUNCIL", "FUND", "RELIEF", "MISSION", "CHURCH", "MOSQUE", "SERVICES",
    "SOLUTIONS", "LOGISTICS", "IMPORT", "EXPORT", "SUPPLIES", "STORE", "SHOP", "MARKET",
)
#: Regular expression (bound as ``$org_name_pattern``) matching such a name, upper-cased.
ORG_NAME_PATTERN = r"(^|[^A-Z])(" + "|".join(ORG_NAME_WORDS) + r")([^A-Z]|$)"


def part_count(con: duckdb.DuckDBPyConnection, table: str, rows_per_part: int) -> int:
    """How many parts of about ``rows_per_part`` rows to take the temp table ``table`` in (at
    least 1).  A grouped step run part by part (rows split by ``hash(key) % $parts = $part``,
    on a key the groups never straddle) keeps its hash tables the same size, and its time per
    row, as the data grows."""
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return max(1, math.ceil(rows / rows_per_part))


def base_currency() -> str:
    """The currency of the ``*_base`` columns (settings ``base_currency``)."""
    return get_settings().base_currency


def money(x: float | int | Any, currency: str = "USD") -> str:
    """``38600.0`` -> ``'38,600 USD'`` (cents shown only when the amount has them)."""
    v = float(x)
    text = f"{v:,.0f}" if abs(v - round(v)) < 0.005 else f"{v:,.2f}"
    return f"{text} {currency}" if currency else text


def num(x: float | int | Any) -> str:
    """Thousands separators, no currency: ``9400.0`` -> ``'9,400'``."""
    return money(x, "")


def pct(x: float) -> str:
    """``0.913`` -> ``'91%'``."""
    return f"{100 * float(x):.0f}%"


def days_between(a: datetime, b: datetime) -> float:
    return abs((b - a).total_seconds()) / 86400.0


def clamp01(x: float) -> float:
    return max(0.0, min(1.0, float(x)))


def ramp(value: float, start: float, full: float) -> float:
    """0 at ``start``, 1 at ``full`` (either direction), linear in between, clamped."""
    if full == start:
        return 1.0 if value >= full else 0.0
    return clamp01((value - start) / (full - start))


def combine(base: float, *boosts: float) -> float:
    """A base score raised towards 1 by each boost in 0..1 (noisy-or), clamped to 0..1."""
    s = clamp01(base)
    for b in boosts:
        s = 1.0 - (1.0 - s) * (1.0 - clamp01(b))
    return clamp01(s)


def money_range(lo: float, hi: float, currency: str = "USD") -> str:
    """``'9,400–9,950 USD'`` (or a single amount when equal)."""
    if abs(float(hi) - float(lo)) < 0.005:
        return money(lo, currency)
    return f"{num(lo)}–{money(hi, currency)}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, 'account')`` -> ``'1 account'``; ``plural(2, 'account')`` -> ``'2 accounts'``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def span_days(a: datetime, b: datetime) -> str:
    """Human span between two timestamps: ``'5 days'``, ``'1 day'``, ``'6 hours'``."""
    d = days_between(a, b)
    if d < 1:
        h = max(1, round(d * 24))
        return plural(h, "hour")
    whole = round(d)
    return plural(whole if abs(d - whole) < 0.05 else math.ceil(d), "day")


def merge_intervals(items: list[tuple[datetime, datetime, Any]], gap: timedelta) -> list[list[Any]]:
    """Group small candidate items ``(start, end, payload)`` whose intervals overlap or lie
    within ``gap`` of each other; returns the payload lists of each group, in time order."""
    groups: list[list[Any]] = []
    cur_end: datetime | None = None
    for s, e, payload in sorted(items, key=lambda x: (x[0], x[1])):
        if cur_end is not None and s <= cur_end + gap:
            groups[-1].append(payload)
            cur_end = max(cur_end, e)
        else:
            groups.append([payload])
            cur_end = e
    return groups


def country_name(code: str | None) -> str:
    """``'SY'`` -> ``'Syria'`` (short English name; the code itself when unknown)."""
    if not code:
        return "an unknown country"
    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return code
    name = getattr(c, "common_name", None) or c.name
    return name.split(",")[0]


def join_words(items: Sequence[str]) -> str:
    """``['a', 'b', 'c']`` -> ``'a, b and c'``."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def country_names(codes: Sequence[str | None]) -> str:
    """``['SY', 'YE']`` -> ``'Syria and Yemen'``."""
    return join_words([country_name(c) for c in codes])


CATEGORY_LABELS: dict[str, str] = {
    "fatf_call_for_action": "FATF call for action",
    "fatf_increased_monitoring": "FATF increased monitoring",
    "conflict_zone": "conflict zone",
    "conflict_border_or_transit": "conflict border or transit area",
}


def countries_phrase(countries: Sequence[str], categories: Sequence[str]) -> str:
    """``'Syria and Yemen (FATF increased monitoring)'``."""
    names = country_names(countries)
    cats = join_words(sorted({CATEGORY_LABELS.get(c, c) for c in categories if c}))
    return f"{names} ({cats})" if cats else names


def whole_days(start: datetime, end: datetime) -> int:
    """Whole days covered by an activity from ``start`` to ``end`` (at least 1)."""
    return max(1, int(round(days_between(start, end))))


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value)
