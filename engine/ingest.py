"""Ingestion: read -> validate (vectorised polars) -> load atomically into DuckDB.

Every input row ends up in exactly one of three places, so that for every file
``rows_read = rows_loaded + rows_quarantined + rows_duplicate``:

- loaded into its contract table (``rows_replaced`` of them replaced an existing row
  with the same id because ``upsert`` was asked for);
- the ``quarantine`` table, with the row number, the first failing column, every reason
  and the raw row as JSON;
- skipped as a duplicate: the same id with identical content is already loaded or
  appeared earlier in the same file.

A file is loaded in one DuckDB transaction together with its ``ingest_batches`` row, so
a process killed mid-load leaves no trace of it.  A file whose content hash was already
loaded into the same table is reported as already loaded and changes nothing.

File-level problems (unreadable file, unknown table, missing required column) raise
:class:`~engine.errors.CtfmonError`; nothing of that file is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl

from engine import reference, schema, store
from engine.config import get_settings
from engine.errors import CtfmonError

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ROW = "__row"  # 1-based row number (CSV: line number in the file)
Stage = Callable[[str], None]

_DECIMAL_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_MAX_AMOUNT = 1e16  # DECIMAL(18,2)
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


# --------------------------------------------------------------------------- reading
def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All-text frame with ``__row`` = line number, plus structurally malformed lines."""
    name = f"rej_{os.getpid()}_{abs(hash(str(path))) % 10**9}"
    quoted = str(path).replace("'", "''")
    try:
        rel = con.sql(
            f"SELECT * FROM read_csv('{quoted}', header=true, delim=',', quote='\"', escape='\"', "
            f"all_varchar=true, store_rejects=true, rejects_table='{name}_e', "
            f"rejects_scan='{name}_s', strict_mode=true, null_padding=false)"
        )
        df = pl.from_arrow(rel.to_arrow_table())
        rejects = con.sql(
            f"SELECT line, min(column_name) AS column_name, "
            f"string_agg(error_type || ': ' || error_message, '; ') AS reason, "
            f"min(csv_line) AS raw FROM {name}_e GROUP BY line ORDER BY line"
        ).pl()
    except duckdb.Error as exc:
        raise CtfmonError(f"{path}: cannot read as CSV: {str(exc).splitlines()[0]}") from None
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}_e")
        con.execute(f"DROP TABLE IF EXISTS {name}_s")
    assert isinstance(df, pl.DataFrame)
    # Line numbers of the good rows: every data line (header is line 1) not rejected.
    n_total = df.height + rejects.height
    lines = pl.int_range(2, n_total + 2, eager=True, dtype=pl.Int64).alias(ROW)
    if rejects.height:
        lines = lines.filter(~lines.is_in(rejects["line"].cast(pl.Int64).implode()))
    df = df.with_columns(lines)
    bad = rejects.select(
        pl.col("line").cast(pl.Int64).alias(ROW),
        pl.col("column_name").cast(pl.String),
        ("malformed CSV line: " + pl.col("reason")).alias("reason"),
        pl.struct(pl.col("raw").alias("csv_line")).struct.json_encode().alias("raw"),
    )
    return df, bad


def _read_jsonl(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        df = pl.read_ndjson(path, infer_schema_length=None)
        return df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)), _empty_bad()
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError):
        log.info("%s: falling back to line-by-line JSON parsing", path)
    rows: list[dict[str, object]] = []
    bad: list[dict[str, object]] = []
    try:
        with path.open("r", encoding="utf-8", errors="strict") as fh:
            for i, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("a JSON object is expected")
                except ValueError as exc:
                    bad.append({ROW: i, "column_name": None, "reason": f"malformed JSON line: {exc}",
                                "raw": json.dumps({"json_line": line.rstrip("\n")})})
                    continue
                rows.append({ROW: i, **{k: _json_scalar(v) for k, v in obj.items()}})
    except (OSError, UnicodeDecodeError) as exc:
        raise CtfmonError(f"{path}: cannot read as UTF-8 JSON Lines: {exc}") from None
    df = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame({ROW: pl.Series([], dtype=pl.Int64)})
    bad_df = pl.DataFrame(bad, schema=_empty_bad().schema) if bad else _empty_bad()
    return df.with_columns(pl.col(ROW).cast(pl.Int64)), bad_df


def _json_scalar(v: object) -> object:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, list):
        return [None if x is None else str(x) for x in v]
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v) if isinstance(v, dict) else str(v)


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        df = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise CtfmonError(f"{path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
    return df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _empty_bad() -> pl.DataFrame:
    return pl.DataFrame(
        schema={ROW: pl.Int64, "column_name": pl.String, "reason": pl.String, "raw": pl.String}
    )


def read_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows with ``__row``, rows that could not even be parsed into columns)."""
    if fmt == "csv":
        return _read_csv(con, path)
    if fmt == "jsonl":
        return _read_jsonl(path)
    return _read_parquet(path), _empty_bad()


# --------------------------------------------------------------------------- validation
_TEXT_KINDS = ("str", "enum", "country", "currency")


def _normalise_text(df: pl.DataFrame, table: schema.Table) -> pl.DataFrame:
    """Strip every text value once and turn empty strings into nulls (before validation)."""
    exprs = []
    for c in table.columns:
        dt = df.schema[c.name]
        if dt == pl.String or (c.kind in _TEXT_KINDS and not isinstance(dt, pl.List)):
            exprs.append(pl.col(c.name).cast(pl.String).str.strip_chars().replace("", None).alias(c.name))
    return df.with_columns(exprs)


def _text(col: str, dtype: pl.DataType) -> pl.Expr:
    """A column already normalised by :func:`_normalise_text`."""
    return pl.col(col)


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


def _typed_and_error(c: schema.Column, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(typed value expression, error-reason expression) for one contract column."""
    name = c.name
    kind = c.kind
    raw = pl.col(name)
    err: pl.Expr
    if kind in ("list_str", "list_country"):
        if isinstance(dtype, pl.List):
            lst = raw.cast(pl.List(pl.String)).list.eval(pl.element().str.strip_chars()).list.eval(
                pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
            )
        else:
            t = _text(name, dtype)
            lst = t.str.split(";").list.eval(pl.element().str.strip_chars()).list.eval(
                pl.element().filter(pl.element() != "")
            )
        typed = pl.when(lst.list.len() > 0).then(lst).otherwise(None)
        if kind == "list_country":
            codes = sorted(reference.country_codes())
            bad_n = typed.list.eval(pl.element().is_in(codes).not_()).list.sum()
            err = pl.when(bad_n > 0).then(pl.lit(f"{name}: not every value is an ISO 3166-1 alpha-2 country code"))
        else:
            err = pl.lit(None, pl.String)
        present = typed.is_not_null()
        return typed, _required(c, present, err)

    if kind == "bool":
        if dtype == pl.Boolean:
            typed = raw
            err = pl.lit(None, pl.String)
            present = raw.is_not_null()
        else:
            t = _text(name, dtype).str.to_lowercase()
            typed = pl.when(t.is_in(_TRUE)).then(True).when(t.is_in(_FALSE)).then(False).otherwise(None)
            present = t.is_not_null()
            err = pl.when(present & typed.is_null()).then(
                pl.lit(f"{name}: not a boolean (expected true/false, 1/0 or yes/no)")
            )
        return typed, _required(c, present, err)

    if kind in ("amount", "decimal"):
        if dtype.is_numeric():
            v = raw.cast(pl.Float64)
            present = raw.is_not_null()
            unparsable = pl.lit(False)
            exact_decimals: pl.Expr | None = None
        else:
            t = _text(name, dtype)
            present = t.is_not_null()
            ok = t.str.contains(_DECIMAL_RE)
            v = pl.when(ok).then(t.str.replace(r"^\+", "")).otherwise(None).cast(pl.Float64, strict=False)
            unparsable = present & v.is_null()
            # Plain decimal text is checked exactly: a non-zero digit after the second decimal.
            exact_decimals = pl.when(t.str.contains("[eE]")).then(None).otherwise(
                t.str.contains(r"\.[0-9]{2}[0-9]*[1-9]")
            )
        label = "amount" if kind == "amount" else "value"
        err = (
            pl.when(unparsable).then(pl.lit(f"{name}: not a number"))
            .when(present & ~v.is_finite()).then(pl.lit(f"{name}: not a finite number"))
            .when(present & (v <= 0)).then(pl.lit(f"{name}: {label} must be greater than 0"))
        )
        if kind == "amount":
            cents = v * 100
            # Binary floats (Parquet/JSON numbers): allow only their representation error.
            float_check = (cents - cents.round(0)).abs() > 1e-6 + cents.abs() * 1e-13
            too_precise = float_check if exact_decimals is None else exact_decimals.fill_null(float_check)
            err = (
                err.when(present & (v >= _MAX_AMOUNT)).then(pl.lit(f"{name}: amount too large (max 10^16)"))
                .when(present & too_precise)
                .then(pl.lit(f"{name}: more than 2 decimals"))
            )
            typed = pl.when(v > 0).then(v.round(2)).otherwise(None).cast(pl.Decimal(18, 2), strict=False)
        else:
            typed = pl.when(v > 0).then(v).otherwise(None)
        return typed, _required(c, present, err)

    if kind == "timestamp":
        if isinstance(dtype, pl.Datetime):
            typed = raw.dt.convert_time_zone("UTC").dt.replace_time_zone(None) if dtype.time_zone else raw
            typed = typed.cast(pl.Datetime("us"))
            present = raw.is_not_null()
            err = pl.lit(None, pl.String)
        elif dtype == pl.Date:
            typed = raw.cast(pl.Datetime("us"))
            present = raw.is_not_null()
            err = pl.lit(None, pl.String)
        else:
            t = _text(name, dtype)
            typed = _parse_timestamp(t)
            present = t.is_not_null()
            err = pl.when(present & typed.is_null()).then(
                pl.lit(f"{name}: not an ISO 8601 timestamp (e.g. 2026-03-01T14:05:00+08:00)")
            )
        return typed, _required(c, present, err)

    if kind == "date":
        if dtype == pl.Date:
            typed, present, err = raw, raw.is_not_null(), pl.lit(None, pl.String)
        elif isinstance(dtype, pl.Datetime):
            typed, present, err = raw.dt.date(), raw.is_not_null(), pl.lit(None, pl.String)
        else:
            t = _text(name, dtype)
            typed = pl.when(t.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")).then(t).otherwise(None).str.to_date(
                "%Y-%m-%d", strict=False
            )
            present = t.is_not_null()
            err = pl.when(present & typed.is_null()).then(pl.lit(f"{name}: not a date in YYYY-MM-DD form"))
        return typed, _required(c, present, err)

    # text kinds
    t = _text(name, dtype)
    present = t.is_not_null()
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
        member = t.cast(pl.Enum(allowed), strict=False).is_not_null()
        err = pl.when(present & ~member).then(pl.lit(f"{name}: not {what}"))
    elif c.pattern:
        err = pl.when(present & ~t.str.contains(c.pattern)).then(pl.lit(f"{name}: not {c.pattern_hint}"))
    else:
        err = pl.lit(None, pl.String)
    return t, _required(c, present, err)


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


def validate(df: pl.DataFrame, table: str, *, source: str = "input") -> Validated:
    """Type and check every row of a raw frame (vectorised).  ``df`` must carry ``__row``."""
    t = schema.TABLES[table]
    missing = [c for c in t.required if c not in df.columns]
    if missing:
        raise CtfmonError(
            f"{source}: missing required column(s) {', '.join(missing)} for table {table} "
            f"(found: {', '.join(c for c in df.columns if c != ROW) or 'none'})"
        )
    raw_cols = [c for c in df.columns if c != ROW]
    extra_cols = [c for c in raw_cols if c not in t.column_names]
    for c in t.columns:
        if c.name not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c.name))

    original = df
    df = _normalise_text(df, t)
    typed_exprs: list[pl.Expr] = []
    err_exprs: list[tuple[str, pl.Expr]] = []
    for c in t.columns:
        typed, err = _typed_and_error(c, df.schema[c.name])
        typed_exprs.append(typed.alias(c.name))
        err_exprs.append((c.name, err))
    extra = (
        pl.struct([pl.col(c).cast(pl.String) if df.schema[c] != pl.String else pl.col(c) for c in extra_cols])
        .struct.json_encode()
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
            ROW, _raw_json(original, raw_cols).alias("raw")
        )
        bad_rows = bad_rows.join(raw, on=ROW, how="left")
    else:
        bad_rows = _empty_bad()
    good = err_frame.filter(~pl.col("__bad")).select(ROW, *t.column_names, "extra")
    return Validated(good=good, bad=bad_rows.select(ROW, "column_name", "reason", "raw"))


def _raw_json(df: pl.DataFrame, cols: list[str]) -> pl.Expr:
    if not cols:
        return pl.lit("{}")
    parts = []
    for c in cols:
        dt = df.schema[c]
        if isinstance(dt, pl.List):
            parts.append(pl.col(c).cast(pl.List(pl.String)).alias(c))
        elif dt in (pl.String, pl.Boolean) or dt.is_numeric():
            parts.append(pl.col(c))
        else:
            parts.append(pl.col(c).cast(pl.String))
    return pl.struct(parts).struct.json_encode()


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
        rate = pl.when(pl.col(cur_col) == base).then(pl.lit(1.0)).otherwise(rate)
        d = d.with_columns(rate.alias("__rate"))
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
        d = d.filter(pl.col("__rate").is_not_null()).with_columns(
            (pl.col(amount_col).cast(pl.Float64) * pl.col("__rate")).round(2).cast(pl.Decimal(18, 2)).alias(twin)
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
    raw, unreadable = read_file(con, p, fmt)
    rows_read = raw.height + unreadable.height
    say("validating")
    v = validate(raw, tbl, source=name)
    del raw
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
    where = []
    params: list[object] = []
    if batch_id is not None:
        where.append("batch_id = ?")
        params.append(batch_id)
    if table is not None:
        where.append("table_name = ?")
        params.append(table)
    sql = "SELECT batch_id, file, table_name, row_number, column_name, reason, CAST(raw AS VARCHAR) AS raw FROM quarantine"
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
