"""Column-level preparation before values are checked: does a file's column type hold its
contract kind, control characters in text, stripped text with empty strings as missing.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from engine import schema
from engine.errors import CtfmonError
from engine.ingest.records import ROW

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
