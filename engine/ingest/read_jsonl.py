"""Reading JSON Lines into records, numbers kept as their exact text; see :mod:`engine.ingest.read`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import polars as pl

from engine import schema
from engine.ingest.records import (
    _LIST_KINDS,
    ROW,
    Read,
    _avoid_row_clash,
    _bad_frame,
    _read_bytes,
    empty_bad,
    split_lines,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- JSON Lines
class _Number(str):
    """A JSON number kept as its exact text."""


def _dump(v: object) -> str:
    """JSON text of a parsed value, numbers written back exactly as they were."""
    if isinstance(v, _Number):
        return str.__str__(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_dump(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_dump(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


class _Nested(Exception):
    pass


# A number this long may not survive a binary float: such files are parsed with the json module.
_LONG_NUMBER = r"[0-9][0-9.]{15,}"


def read_jsonl(path: Path, table: str) -> Read:
    data = _read_bytes(path)
    lines, _starts, valid = split_lines(data)
    t = schema.TABLES[table]
    blank = lines.str.strip_chars().eq("").to_numpy()
    fast = _read_jsonl_fast(path, t, lines, valid, blank)
    if fast is not None:
        return fast
    log.info("%s: parsing JSON Lines one line at a time", path)
    return _read_jsonl_lines(path, t, lines, valid, blank)


def _read_jsonl_fast(path: Path, t: schema.Table, lines: pl.Series, valid: np.ndarray,
                     blank: np.ndarray) -> Read | None:
    """polars' reader when it cannot change a value: no long numbers, no nested values where
    a single one is expected, one row per non-blank line; otherwise None."""
    if not valid.all() or bool(lines.str.contains(_LONG_NUMBER).any()):
        return None
    # polars turns an object or array mixed with text into JSON text: only arrays under
    # list columns may appear (a string merely containing such text sends the file to the
    # slow path, which is correct anyway).
    nested = int(lines.str.count_matches(r'"\s*:\s*[\[{]').sum())
    list_keys = [c.name for c in t.columns if c.kind in _LIST_KINDS]
    if nested:
        at_lists = int(lines.str.count_matches(rf'"({"|".join(list_keys)})"\s*:\s*\[').sum()) if list_keys else 0
        if at_lists != nested:
            return None
    try:
        df = pl.read_ndjson(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    if nested and any(k in df.columns and not isinstance(df.schema[k], pl.List) for k in list_keys):
        return None
    rows = np.flatnonzero(~blank) + 1
    if df.height != rows.size:
        return None
    casts = []
    for c in t.columns:
        if c.name not in df.columns:
            continue
        dt = df.schema[c.name]
        if c.kind in _LIST_KINDS:
            if not (isinstance(dt, pl.List) and (dt.inner in (pl.String, pl.Null) or dt.inner.is_numeric())):
                if dt != pl.String and dt != pl.Null:
                    return None
        elif dt == pl.Boolean and c.kind != "bool" or not (dt in (pl.String, pl.Null, pl.Boolean)
                                                         or dt.is_numeric()):
            return None
        if dt != pl.String and not isinstance(dt, pl.List):
            # numbers keep their value: no number here has more digits than a float holds
            casts.append(pl.col(c.name).cast(pl.String) if dt != pl.Boolean else
                         pl.when(pl.col(c.name)).then(pl.lit("true")).when(~pl.col(c.name))
                         .then(pl.lit("false")).alias(c.name))
        elif isinstance(dt, pl.List) and dt.inner != pl.String:
            casts.append(pl.col(c.name).cast(pl.List(pl.String)))
    names, renamed = _avoid_row_clash(df.columns)
    frame = df.with_columns(casts).rename(dict(zip(df.columns, names, strict=True)))
    frame = frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64))
    return Read(frame=frame, bad=empty_bad(), records=int(rows.size), renamed=renamed)


def _read_jsonl_lines(path: Path, t: schema.Table, lines: pl.Series, valid: np.ndarray,
                      blank: np.ndarray) -> Read:
    list_cols = {c.name for c in t.columns if c.kind in _LIST_KINDS}
    contract = set(t.column_names)
    values: dict[str, list[object]] = {}
    row_numbers: list[int] = []
    bad_rows: list[tuple[int, str | None, str, str]] = []
    n_records = 0
    for i, line in enumerate(lines.to_list()):
        if blank[i] and valid[i]:
            continue
        n_records += 1
        lineno = i + 1
        if not valid[i]:
            bad_rows.append((lineno, None, "malformed JSON line: not valid UTF-8 (invalid bytes shown as ?)",
                             json.dumps({"json_line": line})))
            continue
        try:
            obj = json.loads(line, parse_float=_Number, parse_int=_Number, parse_constant=_Number)
        except (ValueError, RecursionError) as exc:
            bad_rows.append((lineno, None, f"malformed JSON line: {exc}", json.dumps({"json_line": line})))
            continue
        if not isinstance(obj, dict):
            bad_rows.append((lineno, None, "malformed JSON line: a JSON object is expected",
                             json.dumps({"json_line": line})))
            continue
        nested = [k for k, v in obj.items() if k in contract and _is_nested(v, k in list_cols)]
        if nested:
            what = "; ".join(
                f"{k}: a nested JSON {'array' if isinstance(obj[k], list) else 'object'} where "
                + ("a list of single values" if k in list_cols else "a single value")
                + " is expected" for k in nested
            )
            bad_rows.append((lineno, nested[0], what, _dump(obj)))
            continue
        k = len(row_numbers)
        row_numbers.append(lineno)
        for key, v in obj.items():
            col = values.get(key)
            if col is None:
                col = values[key] = [None] * k
            col.append(_json_value(v, key in list_cols, key in contract))
        for col in values.values():
            if len(col) == k:
                col.append(None)
    if not row_numbers:  # no good record: the file's columns are unknown, the contract's stand in
        for c in t.columns:
            values.setdefault(c.name, [])
    names, renamed = _avoid_row_clash(list(values))
    schema_ = {ROW: pl.Int64, **{nm: (pl.List(pl.String) if orig in list_cols else pl.String)
                                 for nm, orig in zip(names, values, strict=True)}}
    frame = pl.DataFrame({ROW: row_numbers, **dict(zip(names, values.values(), strict=True))}, schema=schema_)
    bad = _bad_frame(bad_rows)
    if n_records != frame.height + bad.height:
        raise RuntimeError(f"{path}: {n_records} records but {frame.height} rows + {bad.height} malformed")
    return Read(frame=frame, bad=bad, records=n_records, renamed=renamed)


def _is_nested(v: object, is_list_col: bool) -> bool:
    if isinstance(v, dict):
        return True
    if isinstance(v, list):
        return not is_list_col or any(isinstance(x, (dict, list)) for x in v)
    return False


def _scalar_text(v: object) -> object:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _json_value(v: object, is_list_col: bool, is_contract: bool) -> object:
    """A JSON value as text (numbers keep their exact text), a list of text for list columns."""
    if is_list_col:
        if v is None:
            return None
        if isinstance(v, list):
            return [None if x is None else _scalar_text(x) for x in v]
        return [s for s in str(_scalar_text(v)).split(";")]
    if isinstance(v, (dict, list)):  # only extra columns get here: kept as JSON text
        return _dump(v)
    return _scalar_text(v)
