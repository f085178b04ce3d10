"""Base-currency twins of money columns: the loaded FX rates, else the shipped defaults."""

from __future__ import annotations

import duckdb
import polars as pl

from engine import reference, schema
from engine.config import get_settings
from engine.errors import CtfmonError
from engine.ingest.records import ROW
from engine.ingest.records import empty_bad as _empty_bad
from engine.ingest.validate import _raw_json


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
