"""Shipped reference data (small CSVs with source and as-of date) and their loaders.

Each CSV starts with ``#`` comment lines naming its source and as-of date.  Users can
replace the jurisdiction risk list, the default FX rates and the strategic-goods watch list
through settings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import polars as pl
import pycountry

from engine.config import get_settings
from engine.errors import CtfmonError

HERE = Path(__file__).parent

JURISDICTION_CATEGORIES = (
    "fatf_call_for_action",
    "fatf_increased_monitoring",
    "conflict_zone",
    "conflict_border_or_transit",
)


def _read(path: Path, required: list[str]) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, comment_prefix="#", infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CtfmonError(f"cannot read reference file {path}: {exc}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CtfmonError(f"reference file {path} lacks column(s) {', '.join(missing)}")
    return df


@lru_cache(maxsize=4)
def _jurisdiction_risk(path: Path) -> pl.DataFrame:
    df = _read(path, ["country", "category", "weight", "source", "as_of"])
    bad = df.filter(~pl.col("category").is_in(JURISDICTION_CATEGORIES))
    if bad.height:
        raise CtfmonError(
            f"{path}: unknown category {bad['category'][0]!r} for {bad['country'][0]}; "
            f"expected one of {', '.join(JURISDICTION_CATEGORIES)}"
        )
    return df.with_columns(pl.col("weight").cast(pl.Float64), pl.col("as_of").str.to_date())


def jurisdiction_risk() -> pl.DataFrame:
    """country, category, weight (0..1), source, as_of: the high-risk jurisdiction list."""
    override = get_settings().jurisdiction_risk_file
    return _jurisdiction_risk(Path(override) if override else HERE / "jurisdiction_risk.csv")


@lru_cache(maxsize=4)
def _fx_defaults(path: Path) -> pl.DataFrame:
    df = _read(path, ["currency", "rate_to_base"])
    return df.with_columns(pl.col("rate_to_base").cast(pl.Float64))


def fx_defaults() -> pl.DataFrame:
    """currency, rate_to_base (one unit in the base currency), as_of, source."""
    override = get_settings().fx_defaults_file
    return _fx_defaults(Path(override) if override else HERE / "fx_defaults.csv")


_HS_WATCH = re.compile(r"^[0-9]{4}([0-9]{2})?$")


@lru_cache(maxsize=4)
def _strategic_goods(path: Path) -> pl.DataFrame:
    df = _read(path, ["hs_code", "description", "basis", "source", "as_of"])
    for i, row in enumerate(df.iter_rows(named=True)):
        where = f"{path}: row {i + 1} (hs_code {row['hs_code']!r})"
        if not _HS_WATCH.match((row["hs_code"] or "").strip()):
            raise CtfmonError(f"{where}: hs_code must be a 4-digit heading or a 6-digit subheading")
        for col in ("description", "source", "as_of"):
            if not (row[col] or "").strip():
                raise CtfmonError(f"{where}: {col} is empty; every row names its source and as-of date")
    dup = df.filter(pl.col("hs_code").is_duplicated())
    if dup.height:
        raise CtfmonError(f"{path}: hs_code {dup['hs_code'][0]!r} appears twice")
    try:
        return df.with_columns(pl.col("hs_code").str.strip_chars(), pl.col("as_of").str.to_date())
    except pl.exceptions.PolarsError:
        raise CtfmonError(f"{path}: as_of must be YYYY-MM-DD on every row") from None


def strategic_goods() -> pl.DataFrame:
    """hs_code (4 or 6 digits), description, basis, source, as_of: the strategic-goods HS watch
    list of TF-TBML-04 (the shipped one, or the file of the setting ``strategic_goods_file``)."""
    override = get_settings().strategic_goods_file
    return _strategic_goods(Path(override) if override else HERE / "strategic_goods_hs.csv")


@lru_cache(maxsize=1)
def mcc_groups() -> pl.DataFrame:
    """mcc_from, mcc_to (inclusive, int), mcc_group, description."""
    df = _read(HERE / "mcc_groups.csv", ["mcc_from", "mcc_to", "mcc_group"])
    return df.with_columns(pl.col("mcc_from").cast(pl.Int32), pl.col("mcc_to").cast(pl.Int32))


@lru_cache(maxsize=1)
def hs_units() -> pl.DataFrame:
    """hs_chapter (2 digits), unit, description."""
    return _read(HERE / "hs_units.csv", ["hs_chapter", "unit"])


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, plus XK (Kosovo) which the contract accepts."""
    return frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    """ISO 4217 alpha-3 codes, plus recently withdrawn ones still found in history (BGN)."""
    return frozenset({c.alpha_3 for c in pycountry.currencies} | {"BGN"})
