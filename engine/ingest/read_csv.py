"""Reading CSV (RFC 4180) into records; see :mod:`engine.ingest.read`."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from engine.errors import CtfmonError
from engine.ingest.records import ROW, Read, _avoid_row_clash, _bad_frame, _read_bytes, split_lines

log = logging.getLogger(__name__)

# One RFC 4180 field on one line: quoted (no CR/LF inside) or unquoted without quotes.
_FIELD = r'(?:"(?:[^"\r\n]|"")*"|[^",\r\n]*)'


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
