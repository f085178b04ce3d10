"""Reading contract files into frames that know where every record starts.

Each reader returns a :class:`Read`: ``frame`` has one row per record that could be split
into columns, ``bad`` the records that could not (with a reason), and ``records`` the
number of records in the file counted from the file's own structure - physical lines and
quote characters for CSV, non-blank lines for JSON Lines, the footer's row count for
Parquet - never from a parser's output.  ``records == frame.height + bad.height`` always,
so ``rows read`` cannot undercount when a parser goes wrong.

Row numbers (``__row``) are the 1-based physical line where a record starts (CSV and JSON
Lines: blank lines and the continuation lines of a quoted multi-line CSV field are
counted) and the 1-based row for Parquet.

CSV follows RFC 4180 (comma, ``"`` quotes, ``""`` for a quote inside a quoted field,
quoted fields may span lines), read the way Python's :mod:`csv` module reads it.  A
record is loaded only if it has exactly the header's number of fields.  A line that does
not hold a complete record (an unterminated quote, text after a closing quote, a wrong
number of fields, invalid UTF-8) is one malformed record on its own and reading resumes
on the next line, so one bad quote never swallows the rows after it.  Empty lines are not
records.  The common case is vectorised: every line is classified with polars string
expressions and the good lines are parsed by polars' CSV reader; only lines that may
start a multi-line record go through :mod:`csv`, one record at a time.

JSON Lines are parsed with :mod:`json`, numbers kept as their exact text (so that
``999999999999999.99`` is not rounded through a binary float).  A nested object or array
in a contract column that takes a single value is a row error.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from engine import schema
from engine.errors import CtfmonError

log = logging.getLogger(__name__)

ROW = "__row"  # 1-based physical line (CSV, JSON Lines) or row (Parquet) where a record starts
_BOM = b"\xef\xbb\xbf"
_LIST_KINDS = ("list_str", "list_country")
# One RFC 4180 field on one line: quoted (no CR/LF inside) or unquoted without quotes.
_FIELD = r'(?:"(?:[^"\r\n]|"")*"|[^",\r\n]*)'


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


# --------------------------------------------------------------------------- CSV
def _parse_header(text: str, path: Path) -> list[str]:
    try:
        rows = list(csv.reader([text + "\n"], strict=True))
    except csv.Error as exc:
        raise CtfmonError(f"{path}: line 1: the header is not a valid CSV line ({exc})") from None
    if len(rows) != 1 or not rows[0] or rows[0] == [""]:
        raise CtfmonError(f"{path}: line 1: no header (the first line must name the columns)")
    names = [n or f"column_{i + 1}" for i, n in enumerate(rows[0])]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise CtfmonError(f"{path}: line 1: column {n!r} appears twice in the header")
        seen.add(n)
    return names


def _walk(body: pl.Series, valid: np.ndarray, start: int, n_fields: int) -> tuple[list[str] | None, int, str]:
    """Read one record starting at body line ``start`` with :mod:`csv`.

    Returns (fields or None, lines used, reason when None).
    """
    def lines() -> Iterator[str]:
        i = start
        step = 256
        while i < body.len():
            chunk = body.slice(i, step).to_list()
            for j, line in enumerate(chunk):
                if not valid[i + j]:
                    raise UnicodeError(f"line {i + j + 2} is not valid UTF-8")
                yield line + "\n"
            i += step
            step = min(step * 4, 1 << 16)

    reader = csv.reader(lines(), strict=True)
    try:
        row = next(reader)
    except StopIteration:
        return None, 1, "empty record"
    except (csv.Error, UnicodeError) as exc:
        msg = str(exc)
        if "unexpected end of data" in msg:
            msg = "unterminated quoted field"
        return None, 1, f"malformed CSV line: {msg}"
    used = max(reader.line_num, 1)
    if len(row) != n_fields:
        return None, 1, f"malformed CSV line: found {len(row)} fields, expected {n_fields}"
    return row, used, ""


def read_csv(path: Path) -> Read:
    data = _read_bytes(path)
    lines, offsets, valid = split_lines(data)
    if lines.len() == 0:
        raise CtfmonError(f"{path}: empty file (a CSV file starts with a header line naming its columns)")
    if not valid[0]:
        raise CtfmonError(f"{path}: line 1: the header is not valid UTF-8")
    names = _parse_header(lines[0].removeprefix("\ufeff"), path)
    n = len(names)
    body = lines.slice(1)
    ok8 = valid[1:]
    m = body.len()

    line = pl.col("line")
    has_quote = line.str.contains('"', literal=True)
    feats = pl.DataFrame({"line": body}).select(
        blank=line == "",
        quoted=has_quote,
        cr=line.str.contains("\r", literal=True),
        commas=line.str.count_matches(",", literal=True),
        strict=pl.when(has_quote).then(line.str.contains(rf"^{_FIELD}(?:,{_FIELD}){{{n - 1}}}$"))
        .otherwise(False),
    )
    blank = feats["blank"].to_numpy() & ok8
    quoted = feats["quoted"].to_numpy() & ok8
    cr = feats["cr"].to_numpy() & ok8
    plain = ok8 & ~blank & ~quoted & ~cr
    plain_good = plain & (feats["commas"].to_numpy() == n - 1)
    quoted_good = quoted & ~cr & feats["strict"].to_numpy()
    candidates = np.flatnonzero(ok8 & ~blank & ~plain & ~quoted_good)

    # Lines that may start a multi-line record, or break the quoting rules: csv module.
    py_rows: list[tuple[int, list[str]]] = []
    bad_rows: list[tuple[int, str | None, str, str]] = []
    consumed = np.zeros(m, dtype=bool)
    next_free = 0
    for c in candidates.tolist():
        if c < next_free:
            continue
        row, used, reason = _walk(body, ok8, c, n)
        if row is None:
            bad_rows.append((c + 2, None, reason, json.dumps({"csv_line": body[c]})))
            next_free = c + 1
        else:
            py_rows.append((c + 2, row))
            consumed[c:c + used] = True
            next_free = c + used
    good = (plain_good | quoted_good) & ~consumed
    for i in np.flatnonzero(plain & ~plain_good & ~consumed).tolist():
        found = body[i].count(",") + 1
        bad_rows.append((i + 2, None, f"malformed CSV line: found {found} fields, expected {n}",
                         json.dumps({"csv_line": body[i]})))
    for i in np.flatnonzero(~ok8).tolist():
        bad_rows.append((i + 2, None, "malformed CSV line: not valid UTF-8 (invalid bytes shown as ?)",
                         json.dumps({"csv_line": body[i]})))
    n_records = int(good.sum()) + len(py_rows) + len(bad_rows)

    cols, renamed = _avoid_row_clash(names)
    keep = np.concatenate(([False], good))
    frame = _parse_lines(path, data, offsets, keep, cols)
    good_rows = np.flatnonzero(good) + 2
    if frame.height != good_rows.size:
        raise RuntimeError(f"{path}: CSV parser returned {frame.height} rows for {good_rows.size} good lines")
    frame = frame.with_columns(pl.Series(ROW, good_rows, dtype=pl.Int64))
    if py_rows:
        walked = pl.DataFrame(
            {ROW: [r for r, _ in py_rows], **{c: [f[i] for _, f in py_rows] for i, c in enumerate(cols)}},
            schema={ROW: pl.Int64, **dict.fromkeys(cols, pl.String)},
        ).with_columns([pl.col(c).replace("", None) for c in cols])
        frame = pl.concat([frame, walked.select(frame.columns)]).sort(ROW)
    bad = _bad_frame(bad_rows).sort(ROW)
    if n_records != frame.height + bad.height:
        raise RuntimeError(f"{path}: {n_records} records but {frame.height} rows + {bad.height} malformed")
    if bad.height:
        log.info("%s: %d malformed CSV record(s)", path, bad.height)
    return Read(frame=frame, bad=bad, records=n_records, renamed=renamed)


def _parse_lines(path: Path, data: bytes, offsets: np.ndarray, keep: np.ndarray, cols: list[str]) -> pl.DataFrame:
    """Parse the lines flagged in ``keep`` with polars; every one holds exactly one record."""
    schema_ = dict.fromkeys(cols, pl.String)
    if not keep.any():
        return pl.DataFrame(schema=schema_)
    options = dict(
        has_header=False, schema=schema_, separator=",", quote_char='"', eol_char="\n", encoding="utf8",
        empty_string_is_null=True, truncate_ragged_lines=False, raise_if_empty=False,
        try_parse_dates=False, comment_prefix=None,
    )
    try:
        if keep[1:].all():  # every line after the header: read the file itself
            return pl.read_csv(path, skip_lines=1, **options)  # type: ignore[arg-type]
        mask = np.repeat(keep, np.diff(offsets))
        return pl.read_csv(np.frombuffer(data, dtype=np.uint8)[mask].tobytes(), **options)  # type: ignore[arg-type]
    except pl.exceptions.PolarsError as exc:  # every line was checked first: this is a defect
        raise RuntimeError(f"{path}: CSV parser failed on checked lines: {exc}") from exc


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


# --------------------------------------------------------------------------- Parquet
def read_parquet(path: Path) -> Read:
    try:
        records = pq.ParquetFile(path).metadata.num_rows
        df = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, pa.ArrowException) as exc:
        raise CtfmonError(f"{path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
    names, renamed = _avoid_row_clash(df.columns)
    if renamed:
        df = df.rename(dict(zip(df.columns, names, strict=True)))
    if df.height != records:
        raise CtfmonError(f"{path}: the Parquet footer says {records} rows but {df.height} could be read")
    frame = df.with_columns(pl.int_range(1, df.height + 1, dtype=pl.Int64).alias(ROW))
    return Read(frame=frame, bad=empty_bad(), records=records, renamed=renamed)


def read(path: Path, fmt: str, table: str, name: str | None = None) -> Read:
    """Read one contract file; errors call it ``name`` (an upload's own name, not a temporary path)."""
    try:
        if fmt == "csv":
            return read_csv(path)
        if fmt == "jsonl":
            return read_jsonl(path, table)
        return read_parquet(path)
    except CtfmonError as exc:
        if name is None or name == str(path):
            raise
        raise CtfmonError(exc.message.replace(str(path), name), exit_code=exc.exit_code,
                          http_status=exc.http_status) from None
