"""Ingestion: read -> validate (vectorised polars) -> load atomically into DuckDB.

Every input row ends up in exactly one of three places, so that for every file
``rows_read = rows_loaded + rows_quarantined + rows_duplicate``:

- loaded into its contract table (``rows_replaced`` of them replaced an existing row
  with the same id because ``upsert`` was asked for);
- the ``quarantine`` table, with the row number, the first failing column, every reason
  and the raw row as JSON;
- skipped as a duplicate: the same id with identical content is already loaded or
  appeared earlier in the same file.

``rows_read`` is the number of records counted from the file's own structure (see
:mod:`engine.ingest_read`), never from what a parser managed to return.

Values are checked before they are converted, so nothing is silently changed: amounts are
parsed as exact decimal text and must fit DECIMAL(18,2) (as must their base-currency
twin); dates and timestamps must lie in a plausible range (settings ``ingest_*``); a
leap second is refused rather than rolled into the next minute.  Control characters that
XML 1.0 does not allow are removed from free text (names, addresses, references) with a
row in ``ingest_notes``; in identifiers and codes they quarantine the row.

A file is loaded in one DuckDB transaction together with its ``ingest_batches`` row, so
a process killed mid-load leaves no trace of it.  A file whose content hash was already
loaded into the same table is reported as already loaded and changes nothing.

File-level problems (unreadable file, unknown table, missing required column, a Parquet
column whose type cannot hold its contract kind) raise :class:`~engine.errors.CtfmonError`;
nothing of that file is written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from engine import reference, schema, store
from engine.config import get_settings
from engine.errors import CtfmonError
from engine.ingest_read import ROW, Read, read
from engine.ingest_read import empty_bad as _empty_bad

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
Stage = Callable[[str], None]

_DECIMAL_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


@dataclass
class IngestResult:
    """What happened to one file."""

    file: str
    table: str
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_replaced: int = 0
    already_loaded: bool = False
    values_cleaned: int = 0  # free-text values stored without their control characters (ingest_notes)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- discovery
def table_for(path: Path, table: str | None = None) -> str | None:
    """The contract table a file belongs to: ``--table`` or the longest table name its stem starts with."""
    if table is not None:
        if table not in schema.TABLES:
            raise CtfmonError(
                f"{path}: unknown table {table!r}; expected one of {', '.join(schema.INGEST_ORDER)}"
            )
        return table
    stem = path.name.split(".")[0]
    matches = [t for t in schema.TABLES if stem == t or stem.startswith(t + "-") or stem.startswith(t + "_")]
    if not matches:
        matches = [t for t in schema.TABLES if stem.startswith(t)]
    return max(matches, key=len) if matches else None


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CtfmonError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; expected .csv, .parquet or .jsonl"
        )
    return fmt


def plan(paths: Iterable[str | Path], table: str | None = None) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Expand directories and order files by table dependency.

    Returns (files with their table, files in directories that are not contract tables).
    A file named explicitly that is not a contract table raises.
    """
    planned: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if not f.is_file() or f.suffix.lower() not in FORMATS:
                    if f.is_file():
                        skipped.append(f)
                    continue
                t = table_for(f, table)
                if t is None:
                    skipped.append(f)
                else:
                    planned.append((f, t))
        elif p.is_file():
            file_format(p)
            t = table_for(p, table)
            if t is None:
                raise CtfmonError(
                    f"{p}: cannot tell which table this file holds; name it after a table "
                    f"({', '.join(schema.INGEST_ORDER)}) or pass --table"
                )
            planned.append((p, t))
        else:
            raise CtfmonError(f"{p}: no such file or directory")
    order = {t: i for i, t in enumerate(schema.INGEST_ORDER)}
    planned.sort(key=lambda ft: (order[ft[1]], str(ft[0])))
    return planned, skipped


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- validation
_TEXT_KINDS = ("str", "enum", "country", "currency")
_LIST_KINDS = ("list_str", "list_country")
#: Characters XML 1.0 does not allow: C0 controls other than tab, LF and CR, and U+FFFE/U+FFFF.
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_NUM_RE = r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$"
_AMOUNT_INT_DIGITS = 16  # DECIMAL(18,2): at most 9999999999999999.99
_AMOUNT_MAX = "9999999999999999.99"
_FLOAT_EXACT_MAX = 2.0**53 / 100  # a binary float this large cannot carry exact cents
_EXPECTED = {
    "str": "text (or integers)", "enum": "text", "country": "text", "currency": "text",
    "amount": "a decimal number (DECIMAL, integer, floating point) or text",
    "decimal": "a decimal number (DECIMAL, integer, floating point) or text",
    "timestamp": "a timestamp, a date or ISO 8601 text",
    "date": "a date, a timestamp or YYYY-MM-DD text",
    "bool": "a boolean, an integer 0/1 or text",
    "list_str": "a list of text values or ;-separated text",
    "list_country": "a list of text values or ;-separated text",
}


def _is_text(dt: object) -> bool:
    return dt == pl.String or isinstance(dt, (pl.Categorical, pl.Enum))


def _is_list_of_text(dt: pl.DataType) -> bool:
    return isinstance(dt, pl.List) and dt.inner == pl.String


def _accepts(kind: str, dt: pl.DataType) -> bool:
    """Whether a column of polars type ``dt`` can hold values of a contract ``kind``."""
    if dt == pl.Null:
        return True
    if isinstance(dt, (pl.List, pl.Array)):
        inner = dt.inner
        return kind in _LIST_KINDS and inner is not None and (
            inner == pl.Null or _is_text(inner) or inner.is_integer()
        )
    if isinstance(dt, (pl.Struct, pl.Object)) or dt == pl.Binary:
        return False
    if kind in _TEXT_KINDS or kind in _LIST_KINDS:
        return _is_text(dt) or dt.is_numeric()
    if kind in ("amount", "decimal"):
        return _is_text(dt) or dt.is_numeric()
    if kind in ("timestamp", "date"):
        return _is_text(dt) or isinstance(dt, pl.Datetime) or dt == pl.Date
    if kind == "bool":
        return _is_text(dt) or dt == pl.Boolean or dt.is_integer()
    return False


def _check_types(df: pl.DataFrame, t: schema.Table, source: str) -> pl.DataFrame:
    """Refuse a file whose column types cannot hold their contract kind; bring the rest to text/list."""
    casts = []
    for c in t.columns:
        if c.name not in df.columns:
            continue
        dt = df.schema[c.name]
        if not _accepts(c.kind, dt):
            raise CtfmonError(
                f"{source}: column {c.name} is of type {dt} in the file; {t.name}.{c.name} is a "
                f"{c.kind} column and takes {_EXPECTED[c.kind]}"
            )
        col = pl.col(c.name)
        if isinstance(dt, (pl.List, pl.Array)) and dt.inner != pl.String:
            casts.append(col.cast(pl.List(pl.String)))
        elif isinstance(dt, pl.Array):
            casts.append(col.cast(pl.List(pl.String)))
        elif dt == pl.Null or isinstance(dt, (pl.Categorical, pl.Enum)):
            casts.append(col.cast(pl.String))
        elif c.kind in (*_TEXT_KINDS, *_LIST_KINDS, "bool") and dt.is_numeric():
            casts.append(col.cast(pl.String))
    return df.with_columns(casts) if casts else df


def _clean_controls(
    df: pl.DataFrame, t: schema.Table, extra_cols: list[str], names: dict[str, str]
) -> tuple[pl.DataFrame, list[tuple[str, pl.Expr]], pl.DataFrame]:
    """Remove control characters from free text; flag them in identifiers and codes.

    Returns (frame with free text cleaned, error expressions for identifier/code columns,
    notes: ``__row, column_name, note`` for every cleaned value).
    """
    contract = {c.name: c for c in t.columns}
    cols = [c for c in (*t.column_names, *extra_cols)
            if df.schema[c] == pl.String or _is_list_of_text(df.schema[c])]
    if not cols or not df.height:
        return df, [], _empty_notes()

    def found(c: str) -> pl.Expr:
        if isinstance(df.schema[c], pl.List):
            return pl.col(c).list.eval(pl.element().str.contains(CONTROL_CHARS)).list.any().fill_null(False)
        return pl.col(c).str.contains(CONTROL_CHARS).fill_null(False)

    def count(c: str) -> pl.Expr:
        if isinstance(df.schema[c], pl.List):
            return pl.col(c).list.eval(pl.element().str.count_matches(CONTROL_CHARS)).list.sum()
        return pl.col(c).str.count_matches(CONTROL_CHARS)

    dirty = [c for c in _maybe_controls(df, cols) if df.select(found(c).any()).item()]
    if not dirty:
        return df, [], _empty_notes()
    errors: list[tuple[str, pl.Expr]] = []
    cleaned: list[pl.Expr] = []
    note_parts = []
    for c in dirty:
        col = contract.get(c)
        if col is not None and not col.free_text:
            errors.append((c, pl.when(found(c)).then(pl.lit(
                f"{c}: contains a control character not allowed in XML 1.0 (such as NUL); "
                "identifiers and codes are never altered, so the row is quarantined"))))
            continue
        label = names.get(c, c)
        note_parts.append(df.filter(found(c)).select(
            ROW, pl.lit(label).alias("column_name"),
            pl.format("{}: removed {} control character(s) not allowed in XML 1.0 (C0 controls other than tab, "
                      "LF and CR; U+FFFE, U+FFFF)", pl.lit(label), count(c)).alias("note"),
        ))
        if isinstance(df.schema[c], pl.List):
            cleaned.append(pl.col(c).list.eval(pl.element().str.replace_all(CONTROL_CHARS, "")))
        else:
            cleaned.append(pl.col(c).str.replace_all(CONTROL_CHARS, ""))
    notes = pl.concat(note_parts) if note_parts else _empty_notes()
    return (df.with_columns(cleaned) if cleaned else df), errors, notes


def _maybe_controls(df: pl.DataFrame, cols: list[str]) -> list[str]:
    """Columns that may hold a control character: one byte scan of each column's joined text.

    Much cheaper than a per-value search; a column with a byte below 0x20 (tab, LF and CR
    included) or an 0xEF lead byte (U+FFFE/U+FFFF) is then checked value by value.
    """
    def joined(c: str) -> pl.Expr:
        col = pl.col(c).list.join("") if isinstance(df.schema[c], pl.List) else pl.col(c)
        return col.str.join("").cast(pl.Binary).alias(c)

    j = df.select([joined(c) for c in cols])
    out = []
    for c in cols:
        buffers = j[c].to_arrow(compat_level=pl.CompatLevel.oldest()).buffers()
        if len(buffers) < 3 or buffers[2] is None:
            continue
        b = np.frombuffer(buffers[2], dtype=np.uint8)
        if (b < 0x20).any() or (b == 0xEF).any():
            out.append(c)
    return out


def _empty_notes() -> pl.DataFrame:
    return pl.DataFrame(schema={ROW: pl.Int64, "column_name": pl.String, "note": pl.String})


def _normalise_text(df: pl.DataFrame, table: schema.Table) -> pl.DataFrame:
    """Strip every text value once and turn empty strings into nulls (before validation)."""
    exprs = []
    for c in table.columns:
        if df.schema[c.name] == pl.String:
            exprs.append(pl.col(c.name).str.strip_chars().replace("", None).alias(c.name))
    return df.with_columns(exprs)


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


def _rule(cond: pl.Expr, column: str, reason: str) -> tuple[str, pl.Expr]:
    return column, pl.when(cond).then(pl.lit(f"{column}: {reason}"))


def _table_rules(table: str) -> list[tuple[str, pl.Expr]]:
    """Cross-field rules, evaluated on the typed columns."""
    if table == "accounts":
        return [
            _rule(pl.col("closed_on") < pl.col("opened_on"), "closed_on", "closed_on is before opened_on"),
        ]
    if table == "transactions":
        ch = pl.col("channel")
        fa, ta = pl.col("from_account"), pl.col("to_account")
        no_from = ch.is_in(schema.CASH_IN_CHANNELS)
        no_to = ch.is_in(schema.CASH_OUT_CHANNELS)
        both = ~ch.is_in((*schema.CASH_IN_CHANNELS, *schema.CASH_OUT_CHANNELS, "prepaid_load", "card_payment"))
        return [
            _rule(no_from & fa.is_not_null(), "from_account", "a cash_deposit has no from_account"),
            _rule(no_from & ta.is_null(), "to_account", "a cash_deposit needs a to_account"),
            _rule(no_to & ta.is_not_null(), "to_account", "a cash or ATM withdrawal has no to_account"),
            _rule(no_to & fa.is_null(), "from_account", "a cash or ATM withdrawal needs a from_account"),
            _rule((ch == "prepaid_load") & ta.is_null(), "to_account", "a prepaid_load needs a to_account"),
            _rule((ch == "card_payment") & fa.is_null(), "from_account", "a card_payment needs a from_account"),
            _rule(both & fa.is_null(), "from_account", "this channel needs a from_account"),
            _rule(both & ta.is_null(), "to_account", "this channel needs a to_account"),
            _rule(both & (fa == ta), "to_account", "from_account and to_account must differ"),
        ]
    return []


@dataclass
class Validated:
    good: pl.DataFrame  # typed contract columns + extra + __row
    bad: pl.DataFrame  # __row, column_name, reason, raw
    notes: pl.DataFrame = field(default_factory=lambda: _empty_notes())  # __row, column_name, note (good rows)


def validate(df: pl.DataFrame, table: str, *, source: str = "input",
             renamed: dict[str, str] | None = None) -> Validated:
    """Type and check every row of a raw frame (vectorised).  ``df`` must carry ``__row``.

    ``renamed`` maps frame columns to their names in the file (an input column called
    ``__row`` is read under another name); extra and raw JSON use the file's names.
    """
    names = renamed or {}
    t = schema.TABLES[table]
    missing = [c for c in t.required if c not in df.columns]
    if missing:
        raise CtfmonError(
            f"{source}: missing required column(s) {', '.join(missing)} for table {table} "
            f"(found: {', '.join(names.get(c, c) for c in df.columns if c != ROW) or 'none'})"
        )
    raw_cols = [c for c in df.columns if c != ROW]
    extra_cols = [c for c in raw_cols if c not in t.column_names]
    df = _check_types(df, t, source)
    for c in t.columns:
        if c.name not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c.name))

    original = df
    df, control_errors, notes = _clean_controls(df, t, extra_cols, names)
    df = _normalise_text(df, t)
    bounds = _Bounds.from_settings()
    prep = _Prep()
    typed_exprs: list[pl.Expr] = []
    err_exprs: list[tuple[str, pl.Expr]] = list(control_errors)
    for c in t.columns:
        typed, err = _typed_and_error(c, df.schema[c.name], bounds, prep)
        typed_exprs.append(typed.alias(c.name))
        err_exprs.append((c.name, err))
    for stage in prep.stages:
        df = df.with_columns(stage)
    extra = (
        pl.struct([_json_ready(df, c).alias(names.get(c, c)) for c in extra_cols]).struct.json_encode()
        if extra_cols
        else pl.lit(None, pl.String)
    )
    err_frame = df.select(
        pl.col(ROW),
        *typed_exprs,
        *[e.alias(f"__err_{i}") for i, (_, e) in enumerate(err_exprs)],
        extra.alias("extra"),
    )
    rules = _table_rules(table)
    n_field = len(err_exprs)
    err_frame = err_frame.with_columns(
        [e.alias(f"__err_{n_field + i}") for i, (_, e) in enumerate(rules)]
    )
    all_errs = err_exprs + rules
    err_names = [f"__err_{i}" for i in range(len(all_errs))]
    is_bad = pl.any_horizontal([pl.col(n).is_not_null() for n in err_names])
    err_frame = err_frame.with_columns(is_bad.alias("__bad"))
    bad_rows = err_frame.filter(pl.col("__bad"))
    if bad_rows.height:
        first_col = pl.coalesce(
            [pl.when(pl.col(n).is_not_null()).then(pl.lit(col))
             for n, (col, _) in zip(err_names, all_errs, strict=True)]
        )
        bad_rows = bad_rows.select(
            ROW,
            first_col.alias("column_name"),
            pl.concat_str([pl.col(n) for n in err_names], separator="; ", ignore_nulls=True).alias("reason"),
        )
        raw = original.join(bad_rows.select(ROW), on=ROW, how="semi").select(
            ROW, _raw_json(original, raw_cols, names).alias("raw")
        )
        bad_rows = bad_rows.join(raw, on=ROW, how="left")
    else:
        bad_rows = _empty_bad()
    good = err_frame.filter(~pl.col("__bad")).select(ROW, *t.column_names, "extra")
    if notes.height:
        notes = notes.join(good.select(ROW), on=ROW, how="semi")
    return Validated(good=good, bad=bad_rows.select(ROW, "column_name", "reason", "raw"), notes=notes)


def _json_ready(df: pl.DataFrame, c: str) -> pl.Expr:
    """A column as something ``struct.json_encode`` writes faithfully."""
    dt = df.schema[c]
    if dt in (pl.String, pl.Boolean) or dt.is_numeric() and not isinstance(dt, pl.Decimal):
        return pl.col(c)
    if isinstance(dt, (pl.List, pl.Array, pl.Struct)):
        return pl.col(c)
    if dt == pl.Binary:
        return pl.col(c).bin.encode("hex")
    return pl.col(c).cast(pl.String)


def _raw_json(df: pl.DataFrame, cols: list[str], names: dict[str, str] | None = None) -> pl.Expr:
    if not cols:
        return pl.lit("{}")
    names = names or {}
    return pl.struct([_json_ready(df, c).alias(names.get(c, c)) for c in cols]).struct.json_encode()


# --------------------------------------------------------------------------- duplicates in the file
def split_file_duplicates(good: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(unique rows, conflicting duplicates as bad rows, identical duplicates count)."""
    keys = list(schema.KEYS[table])
    content = [c for c in schema.TABLES[table].column_names if c not in keys]
    uniq = pl.col(keys[0]).n_unique() if len(keys) == 1 else pl.struct(keys).n_unique()
    if good.select(uniq).item() == good.height:
        return good, _empty_bad(), 0
    hashed = good.with_columns(pl.struct(content).hash(seed=0).alias("__h"))
    first = hashed.group_by(keys, maintain_order=True).agg(pl.col(ROW).first().alias("__first"), pl.col("__h").first().alias("__fh"))
    if first.height == hashed.height:
        return good, _empty_bad(), 0
    joined = hashed.join(first, on=keys, how="left", nulls_equal=True)
    is_first = pl.col(ROW) == pl.col("__first")
    same = pl.col("__h") == pl.col("__fh")
    unique = joined.filter(is_first).select(good.columns)
    identical = joined.filter(~is_first & same).height
    conflicts = joined.filter(~is_first & ~same)
    key_desc = " + ".join(keys)
    bad = conflicts.select(
        pl.col(ROW),
        pl.lit(keys[0]).alias("column_name"),
        (
            pl.lit(f"conflicting duplicate: {key_desc} ")
            + pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator="/")
            + pl.lit(" appears earlier in the file (row ")
            + pl.col("__first").cast(pl.String)
            + pl.lit(") with different content")
        ).alias("reason"),
        _raw_json(conflicts, schema.TABLES[table].column_names).alias("raw"),
    )
    return unique, bad, identical


# --------------------------------------------------------------------------- FX
def add_base_amounts(
    con: duckdb.DuckDBPyConnection, good: pl.DataFrame, table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add ``*_base`` twins; rows whose currency has no rate become bad rows."""
    t = schema.TABLES[table]
    if not t.money:
        return good, _empty_bad()
    base = get_settings().base_currency
    defaults = reference.fx_defaults().select("currency", "rate_to_base")
    base_default = defaults.filter(pl.col("currency") == base)["rate_to_base"]
    if base_default.len() == 0:
        raise CtfmonError(f"base currency {base} has no default FX rate")
    defaults = defaults.with_columns((pl.col("rate_to_base") / base_default[0]).alias("__default_rate")).select(
        "currency", "__default_rate"
    )
    user = con.sql("SELECT date, currency, rate_to_base FROM fx_rates").pl()
    bad_parts = []
    for amount_col, twin, cur_col, date_col in t.money:
        d = good.with_columns(pl.col(date_col).cast(pl.Date).alias("__d"))
        d = d.join(defaults, left_on=cur_col, right_on="currency", how="left")
        if user.height:
            user_s = user.rename({"date": "__d", "rate_to_base": "__user_rate"}).sort("__d")
            d = d.sort("__d").join_asof(user_s, on="__d", by_left=cur_col, by_right="currency", strategy="backward",
                                          check_sortedness=False)
            if "currency" in d.columns and cur_col != "currency":
                d = d.drop("currency")
            d = d.sort(ROW)
            rate = pl.coalesce(pl.col("__user_rate"), pl.col("__default_rate"))
        else:
            rate = pl.col("__default_rate")
        is_base = pl.col(cur_col) == base
        rate = pl.when(is_base).then(pl.lit(1.0)).otherwise(rate)
        product = (pl.col(amount_col).cast(pl.Float64) * pl.col("__rate")).round(2)
        d = d.with_columns(rate.alias("__rate")).with_columns(
            (pl.col("__rate").is_not_null() & ~is_base & ~(product.abs() < 1e16)).alias("__overflow")
        )
        overflow = d.filter(pl.col("__overflow"))
        if overflow.height:
            bad_parts.append(
                overflow.select(
                    pl.col(ROW),
                    pl.lit(twin).alias("column_name"),
                    pl.format(
                        "{}: {} {} at rate {} is {} {}, too large for DECIMAL(18,2) (at most 9999999999999999.99)",
                        pl.lit(twin), pl.col(amount_col).cast(pl.String), pl.col(cur_col),
                        pl.col("__rate").cast(pl.String), product.cast(pl.String), pl.lit(base),
                    ).alias("reason"),
                    _raw_json(overflow, t.column_names).alias("raw"),
                )
            )
            d = d.filter(~pl.col("__overflow"))
        missing = d.filter(pl.col("__rate").is_null())
        if missing.height:
            bad_parts.append(
                missing.select(
                    pl.col(ROW),
                    pl.lit(cur_col).alias("column_name"),
                    (
                        pl.lit(f"{cur_col}: no FX rate for ")
                        + pl.col(cur_col)
                        + pl.lit(" on or before ")
                        + pl.col("__d").cast(pl.String)
                        + pl.lit(" (load an fx_rates row for it)")
                    ).alias("reason"),
                    _raw_json(missing, t.column_names).alias("raw"),
                )
            )
        # The base currency's twin is the amount itself (exact); others go through the rate.
        d = d.filter(pl.col("__rate").is_not_null()).with_columns(
            pl.when(is_base).then(pl.col(amount_col)).otherwise(product.cast(pl.Decimal(18, 2))).alias(twin)
        )
        good = d.drop([c for c in d.columns if c.startswith("__") and c != ROW])
    bad = pl.concat(bad_parts) if bad_parts else _empty_bad()
    return good, bad


# --------------------------------------------------------------------------- loading
def _compare_with_db(
    con: duckdb.DuckDBPyConnection, table: str
) -> pl.DataFrame:
    """For registered ``incoming`` rows whose key exists in the table: __row and whether content is identical."""
    keys = schema.KEYS[table]
    content = [c for c in schema.TABLES[table].column_names if c not in keys]
    on = " AND ".join(f'i."{k}" = t."{k}"' for k in keys)
    same = " AND ".join(f'i."{c}" IS NOT DISTINCT FROM t."{c}"' for c in content) or "TRUE"
    return con.sql(
        f'SELECT i."{ROW}" AS "{ROW}", ({same}) AS same FROM incoming i JOIN {table} t ON {on}'
    ).pl()


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    table: str | None = None,
    *,
    upsert: bool = False,
    stage: Stage | None = None,
    display_name: str | None = None,
) -> IngestResult:
    """Validate and load one contract file in one transaction.  See the module docstring."""
    p = Path(path)
    name = display_name or str(p)
    fmt = file_format(p)
    tbl = table_for(p, table)
    if tbl is None:
        raise CtfmonError(
            f"{name}: cannot tell which table this file holds; name it after a table "
            f"({', '.join(schema.INGEST_ORDER)}) or pass --table"
        )
    say = stage or (lambda _s: None)
    say("hashing")
    digest = content_hash(p)
    prior = con.execute(
        # A file loaded without --upsert may be loaded again with it, to apply its conflicting rows.
        "SELECT batch_id FROM ingest_batches WHERE content_hash = ? AND table_name = ? "
        "AND finished_at IS NOT NULL AND (upsert OR NOT ?) ORDER BY batch_id LIMIT 1",
        [digest, tbl, upsert],
    ).fetchone()
    if prior is not None:
        return IngestResult(file=name, table=tbl, batch_id=int(prior[0]), already_loaded=True)

    say("reading")
    got: Read = read(p, fmt, tbl, name)
    rows_read = got.records
    unreadable = got.bad
    say("validating")
    v = validate(got.frame, tbl, source=name, renamed=got.renamed)
    del got
    unique, dup_bad, identical_in_file = split_file_duplicates(v.good, tbl)
    say("converting currencies")
    unique, fx_bad = add_base_amounts(con, unique, tbl)
    cols = schema.stored_columns(tbl)
    result = IngestResult(file=name, table=tbl, rows_read=rows_read)

    say("loading")
    started = store.now_utc()
    with store.transaction(con):
        batch_id = int(con.execute("SELECT nextval('ingest_batch_seq')").fetchone()[0])  # type: ignore[index]
        con.execute(
            "INSERT INTO ingest_batches (batch_id, file, content_hash, table_name, file_format, upsert, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [batch_id, name, digest, tbl, fmt, upsert, started],
        )
        incoming = unique.with_columns(pl.lit(batch_id, pl.Int64).alias("_batch_id"))
        con.register("incoming", incoming.to_arrow())
        try:
            existing = _compare_with_db(con, tbl)
            db_identical = existing.filter(pl.col("same"))
            db_conflict = existing.filter(~pl.col("same"))
            replaced = 0
            conflict_bad = _empty_bad()
            if db_conflict.height and upsert:
                replaced = db_conflict.height
                keys = schema.KEYS[tbl]
                con.register("replace_rows", db_conflict.select(ROW).to_arrow())
                on = " AND ".join(f't."{k}" = i."{k}"' for k in keys)
                con.execute(
                    f"DELETE FROM {tbl} t WHERE EXISTS (SELECT 1 FROM incoming i JOIN replace_rows r "
                    f'ON i."{ROW}" = r."{ROW}" WHERE {on})'
                )
                con.unregister("replace_rows")
                skip = db_identical.select(ROW)
            elif db_conflict.height:
                key_desc = " + ".join(schema.KEYS[tbl])
                conf = unique.join(db_conflict.select(ROW), on=ROW, how="semi")
                conflict_bad = conf.select(
                    pl.col(ROW),
                    pl.lit(schema.KEYS[tbl][0]).alias("column_name"),
                    pl.lit(f"conflicting duplicate: {key_desc} already loaded with different content "
                           "(use --upsert to replace)").alias("reason"),
                    _raw_json(conf, schema.TABLES[tbl].column_names).alias("raw"),
                )
                skip = existing.select(ROW)
            else:
                skip = db_identical.select(ROW)
            con.register("skip_rows", skip.to_arrow())
            col_list = ", ".join(f'"{c}"' for c in cols)
            con.execute(
                f"INSERT INTO {tbl} ({col_list}) SELECT {col_list} FROM incoming i "
                f'WHERE NOT EXISTS (SELECT 1 FROM skip_rows s WHERE s."{ROW}" = i."{ROW}")'
            )
            con.unregister("skip_rows")
            loaded = unique.height - skip.height
            bad = pl.concat([unreadable, v.bad, dup_bad, fx_bad, conflict_bad]).sort(ROW)
            if bad.height:
                q = bad.with_columns(
                    pl.lit(batch_id, pl.Int64).alias("batch_id"),
                    pl.lit(name).alias("file"),
                    pl.lit(tbl).alias("table_name"),
                )
                con.register("bad_rows", q.to_arrow())
                con.execute(
                    "INSERT INTO quarantine (batch_id, file, table_name, row_number, column_name, reason, raw) "
                    f'SELECT batch_id, file, table_name, "{ROW}", column_name, reason, raw FROM bad_rows'
                )
                con.unregister("bad_rows")
            cleaned = _record_notes(con, v.notes, skip, batch_id, name, tbl)
            if tbl == "transactions":
                _record_external_accounts(con, batch_id)
            elif tbl == "accounts":
                con.execute(
                    "DELETE FROM external_accounts WHERE account_id IN (SELECT account_id FROM incoming)"
                )
            duplicates = identical_in_file + db_identical.height
            result.batch_id = batch_id
            result.rows_loaded = loaded
            result.rows_quarantined = bad.height
            result.rows_duplicate = duplicates
            result.rows_replaced = replaced
            result.values_cleaned = cleaned
            if result.rows_read != loaded + bad.height + duplicates:
                raise RuntimeError(
                    f"row accounting broke for {name}: read {rows_read} != loaded {loaded} + "
                    f"quarantined {bad.height} + duplicates {duplicates}"
                )
            con.execute(
                "UPDATE ingest_batches SET finished_at = ?, rows_read = ?, rows_loaded = ?, "
                "rows_quarantined = ?, rows_duplicate = ?, rows_replaced = ? WHERE batch_id = ?",
                [store.now_utc(), rows_read, loaded, bad.height, duplicates, replaced, batch_id],
            )
        finally:
            con.unregister("incoming")
    log.info("ingested %s into %s: %s", name, tbl, result.as_dict())
    return result


def _record_notes(con: duckdb.DuckDBPyConnection, notes: pl.DataFrame, skip: pl.DataFrame, batch_id: int,
                  name: str, tbl: str) -> int:
    """Store the notes of rows that were inserted (e.g. control characters removed); their count."""
    if not notes.height:
        return 0
    con.register("note_rows", notes.to_arrow())
    con.register("skip_rows", skip.to_arrow())
    try:
        con.execute(
            "INSERT INTO ingest_notes (batch_id, file, table_name, row_number, column_name, note) "
            f'SELECT ?, ?, ?, n."{ROW}", n.column_name, n.note FROM note_rows n '
            f'WHERE n."{ROW}" IN (SELECT "{ROW}" FROM incoming) '
            f'AND n."{ROW}" NOT IN (SELECT "{ROW}" FROM skip_rows)',
            [batch_id, name, tbl],
        )
        return int(con.execute("SELECT count(*) FROM ingest_notes WHERE batch_id = ?", [batch_id]).fetchall()[0][0])
    finally:
        con.unregister("note_rows")
        con.unregister("skip_rows")


def _record_external_accounts(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    con.execute(
        "INSERT INTO external_accounts (account_id, first_batch_id) "
        "SELECT DISTINCT a, ? FROM ("
        "  SELECT from_account AS a FROM incoming WHERE from_account IS NOT NULL"
        "  UNION SELECT to_account FROM incoming WHERE to_account IS NOT NULL) ids "
        "WHERE a NOT IN (SELECT account_id FROM accounts) "
        "AND a NOT IN (SELECT account_id FROM external_accounts)",
        [batch_id],
    )


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    table: str | None = None,
    *,
    upsert: bool = False,
    on_file: Callable[[Path, str], Stage | None] | None = None,
) -> tuple[list[IngestResult], list[tuple[Path, str]], list[Path]]:
    """Ingest files and directories in dependency order.

    Returns (results, files that failed with their error message, skipped non-contract files).
    A failing file does not stop the others.
    """
    planned, skipped = plan(paths, table)
    results: list[IngestResult] = []
    failed: list[tuple[Path, str]] = []
    for path, tbl in planned:
        stage = on_file(path, tbl) if on_file else None
        try:
            results.append(ingest_file(con, path, tbl, upsert=upsert, stage=stage))
        except CtfmonError as exc:
            failed.append((path, exc.message))
    return results, failed, skipped


# --------------------------------------------------------------------------- reporting
def stats(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Rows and date range per contract table, plus quarantine and batch counts."""
    out: list[dict[str, object]] = []
    time_col = {"transactions": "timestamp", "cash_declarations": "timestamp", "trade_documents": "date",
                "fx_rates": "date", "accounts": "opened_on", "parties": "registered_on"}
    for name in schema.INGEST_ORDER:
        col = time_col[name]
        n, lo, hi = con.execute(f'SELECT count(*), min("{col}"), max("{col}") FROM {name}').fetchone()  # type: ignore[misc]
        out.append({"table": name, "rows": int(n), "from": lo, "to": hi, "range_of": col})
    ext = con.execute("SELECT count(*) FROM external_accounts").fetchone()[0]  # type: ignore[index]
    out.append({"table": "external_accounts", "rows": int(ext), "from": None, "to": None, "range_of": ""})
    q = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]  # type: ignore[index]
    out.append({"table": "quarantine", "rows": int(q), "from": None, "to": None, "range_of": ""})
    return out


def quarantine_frame(con: duckdb.DuckDBPyConnection, *, batch_id: int | None = None,
                     table: str | None = None, limit: int | None = None) -> pl.DataFrame:
    return _batch_rows(con, "SELECT batch_id, file, table_name, row_number, column_name, reason, "
                       "CAST(raw AS VARCHAR) AS raw FROM quarantine", batch_id, table, limit)


def notes_frame(con: duckdb.DuckDBPyConnection, *, batch_id: int | None = None,
                table: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """Values changed in loaded rows (``ingest_notes``): file, row, column and what was done."""
    return _batch_rows(con, "SELECT batch_id, file, table_name, row_number, column_name, note FROM ingest_notes",
                       batch_id, table, limit)


def _batch_rows(con: duckdb.DuckDBPyConnection, sql: str, batch_id: int | None, table: str | None,
                limit: int | None) -> pl.DataFrame:
    where = []
    params: list[object] = []
    if batch_id is not None:
        where.append("batch_id = ?")
        params.append(batch_id)
    if table is not None:
        where.append("table_name = ?")
        params.append(table)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY batch_id, row_number"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return con.sql(sql, params=params).pl()


def exit_code(results: list[IngestResult], failed: list[tuple[Path, str]]) -> int:
    """0 all loaded, 3 some rows quarantined, 2 a file could not be loaded at all."""
    if failed:
        return 2
    if any(r.rows_quarantined for r in results):
        return 3
    return 0
