"""The one reading of a scan window's ``as-of`` and ``lookback`` wherever they are typed.

``--as-of 2026-06-30`` (CLI), ``{"as_of": "2026-06-30"}`` (API), the scans page's field and
a schedule all mean the *end* of that day, 23:59:59.999999; a timestamp means itself, and
one with an offset is converted to UTC (the database keeps naive UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from engine.errors import CtfmonError

END_OF_DAY = time(23, 59, 59, 999999)
MAX_LOOKBACK_DAYS = 3650


def as_of_value(value: str | date | datetime) -> datetime:
    """A date (or ``YYYY-MM-DD`` text) as the end of that day, a timestamp as naive UTC.

    Raises ``ValueError`` for text that is neither (the callers name their field)."""
    if isinstance(value, datetime):
        ts = value
    elif isinstance(value, date):
        return datetime.combine(value, END_OF_DAY)
    else:
        text = value.strip()
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY)
        ts = datetime.fromisoformat(text)
    if ts.tzinfo is None:
        return ts
    try:
        return ts.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(f"timestamp {ts.isoformat()} is out of range") from None


def parse_as_of(value: str | date | datetime | None, *, field: str = "--as-of",
                http_status: int = 400) -> datetime | None:
    """``None`` or empty text: no as-of (the scan takes the latest loaded timestamp)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return as_of_value(value)
    except ValueError:
        raise CtfmonError(f"{field} {str(value).strip()!r}: expected a date YYYY-MM-DD (the whole day) "
                          "or an ISO 8601 timestamp", http_status=http_status) from None


def parse_lookback(value: str | int | None, *, field: str = "--lookback", http_status: int = 400) -> int | None:
    """Days before the as-of: a whole number from 1 to 3650; ``None`` or empty: all loaded data."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_LOOKBACK_DAYS:
        raise CtfmonError(f"{field} {text!r}: expected a whole number of days from 1 to {MAX_LOOKBACK_DAYS}",
                          http_status=http_status)
    return int(text)
