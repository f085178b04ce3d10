"""Writing frames as contract files: Parquet, CSV (lists joined with ``;``) or JSON Lines."""

from __future__ import annotations

from pathlib import Path

import polars as pl

FORMATS = ("parquet", "csv", "jsonl")
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _textual(df: pl.DataFrame, join_lists: bool) -> pl.DataFrame:
    cols = []
    for name, dtype in df.schema.items():
        c = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            cols.append(c.dt.strftime(TS_FORMAT))
        elif isinstance(dtype, pl.Date):
            cols.append(c.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Decimal):
            cols.append(c.cast(pl.String))
        elif isinstance(dtype, pl.List):
            cols.append(c.list.join(";") if join_lists else c)
        elif dtype == pl.Boolean:
            cols.append(pl.when(c).then(pl.lit("true")).when(~c).then(pl.lit("false")).alias(name))
        elif dtype == pl.Float64:
            cols.append(c.cast(pl.String))
        else:
            cols.append(c)
    return df.select(cols)


def write_table(df: pl.DataFrame, out_dir: Path, table: str, fmt: str) -> Path:
    """Write ``df`` as ``out_dir/<table>.<fmt>``; deterministic for the same frame."""
    path = out_dir / f"{table}.{fmt}"
    if fmt == "parquet":
        df.write_parquet(path, compression="zstd", compression_level=3, statistics=True, row_group_size=1_000_000)
    elif fmt == "csv":
        _textual(df, join_lists=True).write_csv(path)
    elif fmt == "jsonl":
        out = df.select([
            pl.col(n).dt.strftime(TS_FORMAT) if isinstance(t, pl.Datetime)
            else pl.col(n).cast(pl.Float64) if isinstance(t, pl.Decimal) else pl.col(n)
            for n, t in df.schema.items()
        ])
        out.write_ndjson(path)
    else:
        raise ValueError(fmt)
    return path


def as_text(df: pl.DataFrame) -> pl.DataFrame:
    """All scalar columns as strings (lists kept): the shape malformed rows can be added to."""
    return _textual(df, join_lists=False)
