"""Hypothesis strategies for hostile contract files, and independent record counts.

Used by ``tests/test_ingest_fuzz.py`` (a short run in the suite) and
``benchmarks/fuzz_ingest.py`` (a long run).  Every contract table, every column kind and
all three formats; values mix valid ones with hostile ones: bad quotes, control
characters, huge, negative and oddly written decimals, out-of-range and leap-second
times, wrong types, nested values, blank lines, multi-line fields, invalid UTF-8.

The record counts here never use the ingest code: CSV records are counted with Python's
:mod:`csv` module (a record that is not a complete, well-formed row of the header's
width counts as one malformed line and counting resumes on the next line), JSON Lines
are their non-blank lines, Parquet files their footer's row count.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from engine import schema

# ------------------------------------------------------------------ values (as text)
CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe", "\uffff"])
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "Ana Cruz", "Cruz, Ana", 'say "hi"', '"', '""', "a\nb", "x\r\ny", "\t", "é漢字",
                     "O'Brien", "=HYPERLINK(1)", "; ;", "__row"]),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=4), CONTROL, st.text(max_size=4)),
)
DECIMAL = st.one_of(
    st.sampled_from(["1", "0", "-1", "10.5", "12.345", "12.3400", "999999999999999.99", "9999999999999999.99",
                     "10000000000000000", "1e16", "1e3", "0.001e3", "1e-3", "+.5", ".", "-0", "00012.10", "NaN",
                     "inf", "1e400", "1e999999999999999999999", "0x10", "1,5", " 7 ", "9000000000000000"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)
TIMESTAMP = st.one_of(
    st.sampled_from(["2026-01-01T10:00:00", "2026-01-01T10:00:00+08:00", "2026-01-01 10:00:00Z", "2026-01-01",
                     "9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "0000-06-01T00:30:00",
                     "2026-06-30T23:59:60Z", "2026-02-30T00:00:00", "2026-01-01T24:00:00", "yesterday", "1767225600",
                     "1969-12-31T23:59:59", "2026-01-01T10:00", "10000-01-01T00:00:00"]),
    st.datetimes(min_value=__import__("datetime").datetime(1, 1, 1)).map(lambda d: d.isoformat()),
)
DATE = st.one_of(
    st.sampled_from(["2026-01-01", "0000-01-01", "9999-12-31", "2026-02-30", "1799-12-31", "2099-01-01", "26-1-1",
                     "2026/01/01", ""]),
    st.dates().map(lambda d: d.isoformat()),
)
BOOL = st.sampled_from(["true", "false", "TRUE", "yes", "No", "1", "0", "2", "maybe", ""])


def _hostile_for(c: schema.Column) -> st.SearchStrategy[str]:
    if c.kind == "enum":
        return TEXT
    if c.kind == "country":
        return st.one_of(st.sampled_from(["sg", "ZZ", "S\x00G", "XK"]), TEXT)
    if c.kind == "currency":
        return st.one_of(st.sampled_from(["usd", "XAU", "US\x01D", "KWD"]), TEXT)
    if c.kind in ("amount", "decimal"):
        return DECIMAL
    if c.kind == "timestamp":
        return TIMESTAMP
    if c.kind == "date":
        return DATE
    if c.kind == "bool":
        return BOOL
    if c.kind == "list_country":
        return st.one_of(st.sampled_from(["SY;TR", "Syria", ""]), TEXT)
    return TEXT


def _valid_for(c: schema.Column) -> st.SearchStrategy[str]:
    from datetime import date, datetime

    if c.name == "channel":  # channels that take both accounts, which differ below
        return st.sampled_from(["wire", "internal", "remittance", "mobile_transfer"])
    if c.kind == "enum":
        return st.sampled_from(c.values)
    if c.kind == "country":
        return st.sampled_from(["SG", "PH", "US", "SY"])
    if c.kind == "currency":
        return st.sampled_from(["USD", "SGD", "EUR", "BRL", "KWD"])
    if c.kind in ("amount", "decimal"):
        return st.decimals(min_value=__import__("decimal").Decimal("0.01"), max_value=10**9, places=2).map(str)
    if c.kind == "timestamp":
        return st.datetimes(datetime(2000, 1, 1), datetime(2026, 6, 30)).map(lambda d: d.isoformat())
    if c.kind == "date":
        return st.dates(date(1950, 1, 1), date(2026, 6, 30)).map(lambda d: d.isoformat())
    if c.kind == "bool":
        return st.sampled_from(["true", "false", "yes", "0"])
    if c.kind == "list_str":
        return st.sampled_from(["A;B", "Ana Cruz", "Cruz, Ana;\"A\""])
    if c.kind == "list_country":
        return st.sampled_from(["SY;TR", "SY", "PH"])
    if c.pattern:
        return st.sampled_from(["4511", "5999"] if "4" in c.pattern else ["090111", "271000"])
    if c.name in ("txn_id", "party_id", "account_id", "declaration_id", "trade_id"):
        return st.integers(0, 10**9).map(lambda i: f"ID{i}")
    if c.name in ("from_account", "to_account"):
        return st.sampled_from(["A1", "A2"] if c.name == "from_account" else ["B1", "B2"])
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1,
                   max_size=12)


@dataclass
class FileSpec:
    table: str
    columns: list[str]  # header, in order (contract columns and extras)
    rows: list[dict[str, str | None]]


@st.composite
def file_specs(draw: st.DrawFn) -> FileSpec:
    table = draw(st.sampled_from(schema.INGEST_ORDER))
    t = schema.TABLES[table]
    optional = [c.name for c in t.columns if not c.required]
    cols = [c.name for c in t.columns if c.required or c.name in ("from_account", "to_account")]
    optional = [c for c in optional if c not in cols]
    if optional:
        cols += draw(st.lists(st.sampled_from(optional), unique=True))
    if draw(st.integers(0, 9)) == 0 and len(cols) > 1:  # sometimes a required column is missing
        cols.remove(draw(st.sampled_from(cols)))
    cols += draw(st.lists(st.sampled_from(["note", "__row", "extra", "Risk Score"]), unique=True, max_size=2))
    cols = draw(st.permutations(cols))
    kinds = {c.name: c for c in t.columns}
    valid = {n: (_valid_for(kinds[n]) if n in kinds else TEXT) for n in cols}
    rows = draw(st.lists(st.fixed_dictionaries(
        {n: valid[n] if n not in kinds or kinds[n].required else
         st.integers(0, 4).flatmap(lambda k, v=valid[n]: st.none() if k == 0 else v) for n in cols}
    ), max_size=8))
    for _ in range(draw(st.integers(0, len(rows)))):  # then damage some values
        r = draw(st.sampled_from(rows))
        n = draw(st.sampled_from(cols))
        r[n] = draw(st.one_of(st.none(), _hostile_for(kinds[n]) if n in kinds else TEXT))
    return FileSpec(table, list(cols), rows)


# ------------------------------------------------------------------ CSV
BROKEN_LINES = st.sampled_from([
    b'T9,"unterminated', b"only,two", b"", b"\r", b'a,b"c', b'"x"y,1', b"\xff\xfe", b"\x00", b",,,,,,,,,,,,,,,,,,,,",
    b'"multi', b'line",', b"   ",
])


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[FileSpec, bytes]:
    spec = draw(file_specs())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(spec.columns)
    lines = [buf.getvalue().encode()]
    for r in spec.rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(["" if r[c] is None else r[c] for c in spec.columns])
        lines.append(buf.getvalue().encode())
    for _ in range(draw(st.integers(0, 3))):  # structural damage between records
        pos = draw(st.integers(1, len(lines)))
        lines.insert(pos, draw(BROKEN_LINES) + b"\n")
    data = b"".join(lines)
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 4)) == 0 and data.endswith(b"\n"):
        data = data.rstrip(b"\r\n")
    return spec, data


def count_csv_records(data: bytes) -> int:
    """Records after the header, counted with the csv module (see the module docstring)."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    width = len(next(csv.reader([lines[0].decode("utf-8").removeprefix("\ufeff") + "\n"])))

    def from_line(i: int) -> Iterator[str]:
        for ln in lines[i:]:
            yield ln.decode("utf-8") + "\n"

    count, i = 0, 1
    while i < len(lines):
        if lines[i] == b"":
            i += 1
            continue
        count += 1
        reader = csv.reader(from_line(i), strict=True)
        try:
            row = next(reader)
        except (csv.Error, UnicodeDecodeError, StopIteration):
            row = None
        i += reader.line_num if row is not None and len(row) == width else 1
    return count


# ------------------------------------------------------------------ JSON Lines
def _json_value(draw: st.DrawFn, v: str | None) -> str:
    choice = draw(st.integers(0, 29))
    if v is None:
        return "null"
    if choice == 0:
        return json.dumps({"nested": v})
    if choice == 1:
        return json.dumps([v, v])
    if choice == 2 and v.lstrip("+-").replace(".", "", 1).replace("e", "", 1).isdigit():
        return v.lstrip("+")  # a bare JSON number, written exactly as the text
    if choice == 3:
        return draw(st.sampled_from(["true", "false", "1e400", "-0.0", "12345678901234567890"]))
    return json.dumps(v)


@st.composite
def jsonl_files(draw: st.DrawFn) -> tuple[FileSpec, bytes]:
    spec = draw(file_specs())
    out = []
    for r in spec.rows:
        parts = [f"{json.dumps(k)}: {_json_value(draw, v)}" for k, v in r.items()]
        out.append(("{" + ", ".join(parts) + "}").encode())
    for _ in range(draw(st.integers(0, 3))):
        out.insert(draw(st.integers(0, len(out))), draw(st.sampled_from(
            [b"", b"   ", b"{not json", b"[1, 2]", b'"text"', b'{"a": 1} {"b": 2}', b"\xff{}", b"{}", b"null"])))
    return spec, b"\n".join(out) + (b"\n" if draw(st.booleans()) else b"")


def count_jsonl_records(data: bytes) -> int:
    return sum(1 for ln in data.split(b"\n") if ln.strip())


# ------------------------------------------------------------------ Parquet
_TYPE_CHOICES = {
    "amount": ["string", "float64", "int64", "decimal", "bool"],
    "decimal": ["string", "float64", "int64"],
    "timestamp": ["string", "timestamp", "timestamp_tz", "date", "int64"],
    "date": ["string", "date", "timestamp"],
    "bool": ["string", "bool", "int64"],
    "list_str": ["string", "list", "struct"],
    "list_country": ["string", "list"],
}


def _as_int(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


@st.composite
def parquet_files(draw: st.DrawFn) -> tuple[FileSpec, pa.Table]:
    spec = draw(file_specs())
    t = schema.TABLES[spec.table]
    kinds = {c.name: c.kind for c in t.columns}
    arrays = {}
    n = len(spec.rows)
    for col in spec.columns:
        vals = [r[col] for r in spec.rows]
        kind = kinds.get(col, "str")
        choices = _TYPE_CHOICES.get(kind, ["string", "int64", "struct"])
        typ = draw(st.sampled_from(choices)) if draw(st.integers(0, 5)) == 0 else "string"
        if typ == "float64":
            arr = pa.array([None if v is None else float(v) if _is_float(v) else None for v in vals], pa.float64())
        elif typ == "int64":
            arr = pa.array([_as_int(v) if v is None or _as_int(v) is None or abs(_as_int(v)) < 2**62 else None
                            for v in vals], pa.int64())
        elif typ == "decimal":
            ints = draw(st.lists(st.integers(-10**19, 10**21), min_size=n, max_size=n))
            arr = pa.array([__import__("decimal").Decimal(i).scaleb(-3) for i in ints], pa.decimal128(38, 3))
        elif typ == "bool":
            arr = pa.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), pa.bool_())
        elif typ in ("timestamp", "timestamp_tz"):
            us = draw(st.lists(st.integers(-62_200_000_000 * 10**6, 253_500_000_000 * 10**6), min_size=n, max_size=n))
            arr = pa.array(us, pa.timestamp("us", tz="Asia/Singapore" if typ == "timestamp_tz" else None))
        elif typ == "date":
            arr = pa.array(draw(st.lists(st.integers(-720_000, 2_933_000), min_size=n, max_size=n)), pa.date32())
        elif typ == "list":
            arr = pa.array([None if v is None else v.split(";") for v in vals], pa.list_(pa.string()))
        elif typ == "struct":
            arr = pa.array([None if v is None else {"v": v} for v in vals], pa.struct([("v", pa.string())]))
        else:
            arr = pa.array(vals, pa.string())
        arrays[col] = arr
    return spec, pa.table(arrays) if arrays else pa.table({})


def _is_float(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def count_parquet_records(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


# ------------------------------------------------------------------ any format
STRATEGIES = {"csv": csv_files, "jsonl": jsonl_files, "parquet": parquet_files}


def write_file(fmt: str, payload: bytes | pa.Table, path: Path) -> None:
    if fmt == "parquet":
        pq.write_table(payload, path)
    else:
        path.write_bytes(payload)  # type: ignore[arg-type]


def count_records(fmt: str, payload: bytes | pa.Table, path: Path) -> int:
    """Records in a written file, counted without the ingest code; -1 for a CSV whose header is broken."""
    if fmt == "parquet":
        return count_parquet_records(path)
    if fmt == "jsonl":
        return count_jsonl_records(payload)  # type: ignore[arg-type]
    try:
        return count_csv_records(payload)  # type: ignore[arg-type]
    except (UnicodeDecodeError, StopIteration, IndexError, csv.Error):
        return -1
