"""Validating a raw frame: every row typed, or quarantined with its reasons and raw content;
conflicting duplicates within one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from engine import schema
from engine.errors import CtfmonError
from engine.ingest.columns import _check_types, _clean_controls, _empty_notes, _normalise_text
from engine.ingest.records import ROW
from engine.ingest.records import empty_bad as _empty_bad
from engine.ingest.values import _Bounds, _Prep, _typed_and_error


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
