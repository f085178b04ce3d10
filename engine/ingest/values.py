"""Typed values and the reasons a value is refused, one polars expression pair per contract column.

Values are checked before they are converted, so nothing is silently changed: amounts are
parsed as exact decimal text and must fit DECIMAL(18,2); dates and timestamps must lie in the
plausible range of the settings ``ingest_*``; a leap second is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from engine import reference, schema
from engine.config import get_settings
from engine.ingest.columns import (
    _AMOUNT_INT_DIGITS,
    _AMOUNT_MAX,
    _FLOAT_EXACT_MAX,
    _LIST_KINDS,
    _NUM_RE,
)

_DECIMAL_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


@dataclass(frozen=True)
class _Bounds:
    """Plausible ranges for dates and timestamps (settings ``ingest_*``)."""

    ts_lo: datetime
    ts_hi: datetime  # exclusive
    date_lo: date
    date_hi: date  # inclusive
    today: date

    @classmethod
    def from_settings(cls) -> _Bounds:
        s = get_settings()
        today = datetime.now(UTC).date()
        hi = today + timedelta(days=s.ingest_max_days_ahead)
        return cls(s.ingest_earliest_timestamp, datetime.combine(hi + timedelta(days=1), time()),
                   s.ingest_earliest_date, hi, today)


def _parse_timestamp(t: pl.Expr) -> pl.Expr:
    n = t.str.replace(" ", "T", literal=True).str.replace(r"[zZ]$", "+00:00")
    aware = [
        n.str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us").dt.replace_time_zone(None)
        for f in ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
    ]
    naive = [
        n.str.to_datetime(f, strict=False, time_unit="us")
        for f in ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M")
    ]
    date_only = n.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    return pl.coalesce(*aware, *naive, date_only)


class _Prep:
    """Helper columns computed in stages before the checks, so each parse runs once.

    polars does not share a sub-expression used several times in one ``select`` (a
    parsed timestamp in its range check, its error message and its typed value), so
    parses are materialised first as ``__<what>_<column>`` columns.
    """

    def __init__(self) -> None:
        self.stages: list[list[pl.Expr]] = []

    def col(self, stage: int, name: str, expr: pl.Expr) -> pl.Expr:
        while len(self.stages) <= stage:
            self.stages.append([])
        self.stages[stage].append(expr.alias(name))
        return pl.col(name)


def _exact_amount(name: str, t: pl.Expr, label: str, prep: _Prep) -> tuple[pl.Expr, pl.Expr]:
    """(DECIMAL(18,2) value, error) for decimal text, parsed exactly (no binary float).

    The digits are kept as text: ``d1..dk × 10^e``, trailing zeros folded into ``e``.  The
    value fits when it has at most 16 digits before the point and at most 2 after it.
    """
    h = f"_{name}"
    g = prep.col(0, "__groups" + h, t.str.extract_groups(_NUM_RE))
    syntax_ok = prep.col(0, "__syntax" + h, t.str.contains(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"))
    fp = g.struct.field("3").fill_null("")
    ex = g.struct.field("4")
    digits = prep.col(1, "__digits" + h, (g.struct.field("2").fill_null("") + fp).str.strip_chars_start("0"))
    exp = prep.col(1, "__exp" + h, ex.cast(pl.Int64, strict=False))
    fp_len = prep.col(1, "__fplen" + h, fp.str.len_chars().cast(pl.Int64))
    exp_overflow = prep.col(1, "__expover" + h, ex.is_not_null() & ex.cast(pl.Int64, strict=False).is_null())
    exp_negative = prep.col(1, "__expneg" + h, ex.str.starts_with("-").fill_null(False))
    negative = prep.col(1, "__neg" + h, g.struct.field("1") == "-")
    sig = prep.col(2, "__sig" + h, digits.str.strip_chars_end("0"))
    n_digits = prep.col(2, "__ndig" + h, digits.str.len_chars().cast(pl.Int64))
    n_sig = prep.col(3, "__nsig" + h, sig.str.len_chars().cast(pl.Int64))
    e2 = prep.col(4, "__e2" + h, exp.fill_null(0) - fp_len + (n_digits - n_sig))
    zero = n_sig == 0
    present = t.is_not_null()
    too_large = ~zero & (exp_overflow & ~exp_negative | (n_sig + e2 > _AMOUNT_INT_DIGITS))
    too_precise = ~zero & (exp_overflow & exp_negative | (e2 < -2))
    err = (
        pl.when(present & ~syntax_ok).then(pl.lit(f"{name}: not a number"))
        .when(present & (zero | negative)).then(pl.lit(f"{name}: {label} must be greater than 0"))
        .when(present & too_large).then(pl.lit(f"{name}: {label} too large for DECIMAL(18,2) (at most {_AMOUNT_MAX})"))
        .when(present & too_precise).then(pl.lit(f"{name}: more than 2 decimals"))
    )
    fits = prep.col(5, "__fits" + h, present & syntax_ok & ~zero & ~negative & ~too_large & ~too_precise)
    cents = prep.col(6, "__cents" + h, pl.when(fits).then(
        pl.concat_str(sig, pl.lit("0" * 20).str.slice(0, (e2 + 2).clip(0, 20))).str.zfill(3)))
    text = pl.concat_str(cents.str.slice(0, cents.str.len_chars() - 2), pl.lit("."), cents.str.slice(-2))
    typed = text.cast(pl.Decimal(18, 2), strict=False)
    return typed, err


def _typed_and_error(c: schema.Column, dtype: pl.DataType, bounds: _Bounds, prep: _Prep) -> tuple[pl.Expr, pl.Expr]:
    """(typed value expression, error-reason expression) for one contract column."""
    name = c.name
    kind = c.kind
    raw = pl.col(name)
    err: pl.Expr
    if kind in _LIST_KINDS:
        if isinstance(dtype, pl.List):
            lst = raw.list.eval(pl.element().str.strip_chars()).list.eval(
                pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
            )
        else:
            lst = raw.str.split(";").list.eval(pl.element().str.strip_chars()).list.eval(
                pl.element().filter(pl.element() != "")
            )
        typed = prep.col(0, f"__list_{name}", pl.when(lst.list.len() > 0).then(lst).otherwise(None))
        if kind == "list_country":
            codes = sorted(reference.country_codes())
            bad_n = typed.list.eval(pl.element().is_in(codes).not_()).list.sum()
            err = pl.when(bad_n > 0).then(pl.lit(f"{name}: not every value is an ISO 3166-1 alpha-2 country code"))
        else:
            err = pl.lit(None, pl.String)
        return typed, _required(c, typed.is_not_null(), err)

    if kind == "bool":
        if dtype == pl.Boolean:
            return raw, _required(c, raw.is_not_null(), pl.lit(None, pl.String))
        t = raw.str.to_lowercase()
        typed = prep.col(0, f"__bool_{name}",
                         pl.when(t.is_in(_TRUE)).then(True).when(t.is_in(_FALSE)).then(False).otherwise(None))
        present = raw.is_not_null()
        err = pl.when(present & typed.is_null()).then(
            pl.lit(f"{name}: not a boolean (expected true/false, 1/0 or yes/no)")
        )
        return typed, _required(c, present, err)

    if kind == "amount":
        present = raw.is_not_null()
        if dtype.is_float():
            v = prep.col(0, f"__float_{name}", raw.cast(pl.Float64))
            cents = v * 100
            # Binary floats (Parquet/JSON numbers): allow only their representation error.
            inexact = (cents - cents.round(0)).abs() > 1e-6 + cents.abs() * 1e-13
            err = (
                pl.when(present & ~v.is_finite()).then(pl.lit(f"{name}: not a finite number"))
                .when(present & (v <= 0)).then(pl.lit(f"{name}: amount must be greater than 0"))
                .when(present & (v >= _FLOAT_EXACT_MAX)).then(pl.lit(
                    f"{name}: a binary floating-point amount of {_FLOAT_EXACT_MAX:,.2f} or more cannot carry "
                    "exact cents; send amounts this large as DECIMAL or as text"))
                .when(present & inexact).then(pl.lit(f"{name}: more than 2 decimals"))
            )
            ok = (v > 0) & (v < _FLOAT_EXACT_MAX)
            typed = pl.when(ok).then(v.round(2)).otherwise(None).cast(pl.Decimal(18, 2), strict=False)
        else:  # text, integers and DECIMAL columns: exact decimal text
            typed, err = _exact_amount(name, raw if dtype == pl.String else raw.cast(pl.String), "amount", prep)
        return typed, _required(c, present, err)

    if kind == "decimal":
        present = raw.is_not_null()
        if dtype.is_numeric():
            v = raw.cast(pl.Float64)
            unparsable = pl.lit(False)
        else:
            ok = raw.str.contains(_DECIMAL_RE)
            v = pl.when(ok).then(raw.str.replace(r"^\+", "")).otherwise(None).cast(pl.Float64, strict=False)
            unparsable = present & v.is_null()
        err = (
            pl.when(unparsable).then(pl.lit(f"{name}: not a number"))
            .when(present & ~v.is_finite()).then(pl.lit(f"{name}: not a finite number"))
            .when(present & (v <= 0)).then(pl.lit(f"{name}: value must be greater than 0"))
        )
        typed = pl.when((v > 0) & v.is_finite()).then(v).otherwise(None)
        return typed, _required(c, present, err)

    if kind == "timestamp":
        present = raw.is_not_null()
        leap = pl.lit(False)
        unparsed = pl.lit(False)
        if isinstance(dtype, pl.Datetime):
            parsed = raw.dt.convert_time_zone("UTC").dt.replace_time_zone(None) if dtype.time_zone else raw
            parsed = parsed.cast(pl.Datetime("us"))
        elif dtype == pl.Date:
            parsed = raw.cast(pl.Datetime("us"))
        else:
            parsed = _parse_timestamp(raw)
            leap = prep.col(0, f"__leap_{name}", raw.str.contains(
                r"[T ][0-9]{2}:[0-9]{2}:60([.,][0-9]*)?([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)?$"))
        typed = prep.col(0, f"__ts_{name}", parsed)
        if not (isinstance(dtype, pl.Datetime) or dtype == pl.Date):
            unparsed = present & typed.is_null()
        out = present & typed.is_not_null() & ((typed < bounds.ts_lo) | (typed >= bounds.ts_hi))
        err = (
            pl.when(present & leap.fill_null(False)).then(pl.lit(
                f"{name}: a leap second (:60) is not accepted (it would silently become the next minute); "
                "give the instant as :59.999999 or the next second"))
            .when(unparsed).then(pl.lit(f"{name}: not an ISO 8601 timestamp (e.g. 2026-03-01T14:05:00+08:00)"))
            .when(out).then(pl.lit(
                f"{name}: outside the plausible range {bounds.ts_lo} to {bounds.ts_hi - timedelta(microseconds=1)} "
                "(UTC; settings ingest_earliest_timestamp, ingest_max_days_ahead)"))
        )
        return typed, _required(c, present, err)

    if kind == "date":
        present = raw.is_not_null()
        unparsed = pl.lit(False)
        if dtype == pl.Date:
            typed = raw
        elif isinstance(dtype, pl.Datetime):
            typed = prep.col(0, f"__date_{name}", raw.dt.date())
        else:
            typed = prep.col(0, f"__date_{name}", pl.when(raw.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
                             .then(raw).otherwise(None).str.to_date("%Y-%m-%d", strict=False))
            unparsed = present & typed.is_null()
        hi = bounds.today if name == "date_of_birth" else bounds.date_hi
        setting = "it may not be in the future" if name == "date_of_birth" else "setting ingest_max_days_ahead"
        out = present & typed.is_not_null() & ((typed < bounds.date_lo) | (typed > hi))
        err = (
            pl.when(unparsed).then(pl.lit(f"{name}: not a date in YYYY-MM-DD form"))
            .when(out).then(pl.lit(
                f"{name}: outside the plausible range {bounds.date_lo} to {hi} (setting ingest_earliest_date; {setting})"))
        )
        return typed, _required(c, present, err)

    # text kinds
    present = raw.is_not_null()
    if kind in ("enum", "country", "currency"):
        allowed = {
            "enum": c.values,
            "country": tuple(sorted(reference.country_codes())),
            "currency": tuple(sorted(reference.currency_codes())),
        }[kind]
        what = {
            "enum": f"one of {', '.join(c.values)}",
            "country": "an ISO 3166-1 alpha-2 country code in upper case",
            "currency": "an ISO 4217 currency code in upper case",
        }[kind]
        # A cast to an Enum of the allowed values is much faster than is_in on large columns.
        member = raw.cast(pl.Enum(allowed), strict=False).is_not_null()
        err = pl.when(present & ~member).then(pl.lit(f"{name}: not {what}"))
    elif c.pattern:
        err = pl.when(present & ~raw.str.contains(c.pattern)).then(pl.lit(f"{name}: not {c.pattern_hint}"))
    else:
        err = pl.lit(None, pl.String)
    return raw, _required(c, present, err)


def _required(c: schema.Column, present: pl.Expr, err: pl.Expr) -> pl.Expr:
    if not c.required:
        return err
    return pl.when(~present).then(pl.lit(f"{c.name}: missing required value")).otherwise(err)
