"""What every reader shares: the row number column, :class:`Read`, the frame of records
that could not be split, and splitting a file's bytes into lines with their offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from engine.errors import CtfmonError

ROW = "__row"  # 1-based physical line (CSV, JSON Lines) or row (Parquet) where a record starts
_LIST_KINDS = ("list_str", "list_country")


@dataclass
class Read:
    """What a reader found in one file."""

    frame: pl.DataFrame  # ROW + one column per input column
    bad: pl.DataFrame  # ROW, column_name, reason, raw: records that could not be split into columns
    records: int  # records in the file, counted from its structure
    renamed: dict[str, str] = field(default_factory=dict)  # frame column -> its name in the file


def empty_bad() -> pl.DataFrame:
    return pl.DataFrame(schema={ROW: pl.Int64, "column_name": pl.String, "reason": pl.String, "raw": pl.String})


def _bad_frame(rows: list[tuple[int, str | None, str, str]]) -> pl.DataFrame:
    if not rows:
        return empty_bad()
    return pl.DataFrame(rows, schema=empty_bad().schema, orient="row")


def _avoid_row_clash(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Rename an input column called ``__row`` (it would collide with the row number)."""
    if ROW not in names:
        return names, {}
    alias = ROW + "_input"
    while alias in names:
        alias += "_"
    return [alias if n == ROW else n for n in names], {alias: ROW}


# --------------------------------------------------------------------------- lines
def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CtfmonError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _newlines(arr: np.ndarray) -> np.ndarray:
    """Positions of ``\\n`` bytes, scanning in chunks to bound memory."""
    step = 1 << 26
    parts = [np.flatnonzero(arr[i:i + step] == 10) + i for i in range(0, arr.size, step)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def split_lines(data: bytes) -> tuple[pl.Series, np.ndarray, np.ndarray]:
    """(lines as text without their terminator, byte offsets of line starts plus the end, UTF-8 validity).

    Lines are split on ``\\n`` only; a ``\\r`` before it is dropped.  A line that is not
    valid UTF-8 is returned with ``?`` in place of each invalid byte and flagged invalid.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = _newlines(arr)
    starts = np.concatenate(([0], nl + 1)).astype(np.int64)
    if starts[-1] == len(data):  # a final terminator does not open another line
        starts = starts[:-1]
    offsets = np.concatenate((starts, [len(data)])).astype(np.int64)
    n = starts.size
    valid = np.ones(n, dtype=bool)
    if n == 0:
        return pl.Series("line", [], dtype=pl.String), offsets, valid
    text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    try:
        text.validate(full=True)  # checks UTF-8 without making a Python string of the file
    except pa.ArrowInvalid:
        # Each invalid byte becomes one lone surrogate, re-encoded as one '?': byte offsets
        # are kept, and the bytes that changed are exactly the invalid ones.
        buf = data.decode("utf-8", errors="surrogateescape").encode("utf-8", errors="replace")
        if len(buf) != len(data):
            raise RuntimeError("UTF-8 repair changed the file length") from None
        changed = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) != arr)
        valid[np.searchsorted(starts, changed, side="right") - 1] = False
        text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))
    lines = pl.Series("line", text, dtype=pl.String).str.strip_suffix("\n").str.strip_suffix("\r")
    return lines, offsets, valid
