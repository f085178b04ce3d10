"""A fast path for the ingest rules: well-formed records typed in Python, in microseconds.

:func:`engine.realtime.records.check` runs the ingest validation itself, whose fixed cost
(about 20 ms a call, the same for one row as for a hundred) is too much for one payment in
flight.  :class:`FastCheck` types a record only when every value is in the plain form the
ingest rules accept without a question (contract fields only; text without control
characters; codes in their lists; an amount of digits with at most 2 decimals; a timestamp
``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]`` inside the plausible range; the channel's account
rules kept) and then gives exactly the typed row the ingest would (the base-currency twin by
the same rate and the same polars float arithmetic as :func:`engine.ingest.fx.add_base_amounts`).
Anything else returns ``None`` and goes through the ingest validation, which gives the
verdict and its message: the fast path accepts nothing the ingest refuses and refuses
nothing (``tests/test_realtime_scoring.py`` checks this on many records).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from engine import reference, schema
from engine.config import get_settings
from engine.ingest.values import _FALSE, _TRUE, _Bounds

_CENT = Decimal("0.01")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AMOUNT = re.compile(r"[0-9]{1,16}(\.[0-9]{1,2})?")
_TS = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]{1,6})?)(Z|z|[+-][0-9]{2}:[0-9]{2})?")


class FastCheck:
    """Per table: the columns, the code lists, the FX rates (see the module docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.base = get_settings().base_currency
        self.countries = reference.country_codes()
        self.currencies = reference.currency_codes()
        defaults = reference.fx_defaults().select("currency", "rate_to_base")
        rates = dict(defaults.iter_rows())
        base_rate = rates.get(self.base)
        self.defaults = {k: float(v) / float(base_rate) for k, v in rates.items()} if base_rate else {}
        self.user: dict[str, tuple[list[date], list[float]]] = {}
        for d, cur, rate in con.execute("SELECT date, currency, rate_to_base FROM fx_rates ORDER BY currency, date"
                                        ).fetchall():
            ds, rs = self.user.setdefault(cur, ([], []))
            ds.append(d)
            rs.append(float(rate))
        self.bounds = _Bounds.from_settings()

    # ------------------------------------------------------------------ values
    def _rate(self, currency: str, day: date) -> float | None:
        if currency == self.base:
            return 1.0
        found = self.user.get(currency)
        if found:
            i = bisect_right(found[0], day)
            if i:
                return found[1][i - 1]
        return self.defaults.get(currency)

    def _timestamp(self, text: str) -> datetime | None:
        m = _TS.fullmatch(text)
        if m is None:
            return None
        try:
            value = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}" + ("+00:00" if m.group(4) in ("Z", "z")
                                                                          else m.group(4) or ""))
        except ValueError:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if not (self.bounds.ts_lo <= value < self.bounds.ts_hi):
            return None
        return value

    def _value(self, c: schema.Column, text: str) -> tuple[bool, Any]:
        kind = c.kind
        if kind == "str":
            return (c.pattern is None or re.search(c.pattern, text) is not None), text
        if kind == "enum":
            return text in c.values, text
        if kind == "country":
            return text in self.countries, text
        if kind == "currency":
            return text in self.currencies, text
        if kind == "amount":
            if _AMOUNT.fullmatch(text) is None:
                return False, None
            value = Decimal(text).quantize(_CENT)
            return value > 0, value
        if kind == "timestamp":
            ts = self._timestamp(text)
            return ts is not None, ts
        if kind == "bool":
            low = text.lower()
            return low in _TRUE or low in _FALSE, low in _TRUE
        return False, None

    # ------------------------------------------------------------------ records
    def row(self, table: str, record: dict[str, Any]) -> dict[str, Any] | None:
        """The typed row ingest would give ``record``, or None (take the ingest path)."""
        t = schema.TABLES[table]
        out: dict[str, Any] = {}
        for c in t.columns:
            raw = record.get(c.name)
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            elif isinstance(raw, int):
                raw = str(raw)
            elif raw is not None and not isinstance(raw, str):
                return None
            if raw is None:
                value = None
            else:
                if _CONTROL.search(raw):
                    return None
                text = raw.strip()
                if text == "":
                    value = None
                else:
                    ok, value = self._value(c, text)
                    if not ok:
                        return None
            if value is None and c.required:
                return None
            out[c.name] = value
        if len(record) != sum(1 for k in record if k in out):
            return None  # extra fields: kept by ingest as JSON, left to it
        out["extra"] = None
        if table == "transactions" and not _accounts_ok(out):
            return None
        for amount_col, twin, cur_col, date_col in t.money:
            rate = self._rate(out[cur_col], out[date_col].date() if isinstance(out[date_col], datetime)
                              else out[date_col])
            if rate is None:
                return None
            if out[cur_col] == self.base:
                out[twin] = out[amount_col]
                continue
            # the ingest's own arithmetic (polars float product, its rounding, its cast)
            product = (pl.Series([out[amount_col]]).cast(pl.Float64) * rate).round(2)
            if not abs(product[0]) < 1e16:
                return None
            out[twin] = product.cast(pl.Decimal(18, 2)).item()
        return out


def _accounts_ok(r: dict[str, Any]) -> bool:
    """The channel's account rules (engine.ingest.validate's cross-field rules) hold."""
    ch, fa, ta = r["channel"], r["from_account"], r["to_account"]
    if ch in schema.CASH_IN_CHANNELS:
        return fa is None and ta is not None
    if ch in schema.CASH_OUT_CHANNELS:
        return ta is None and fa is not None
    if ch == "prepaid_load":
        return ta is not None
    if ch == "card_payment":
        return fa is not None
    return fa is not None and ta is not None and fa != ta
