"""Fuzzing the ingest: hostile files for every table, column kind and format.

For every generated file: ingest either refuses it with a :class:`CtfmonError` (exit 2)
or accounts for every record: ``read = loaded + quarantined + duplicates`` where ``read``
equals a count of the file's records made without the ingest code; the database then
holds exactly the loaded and quarantined rows, no text with control characters, no
date or time outside the plausible range, no amount DECIMAL(18,2) cannot hold.

A longer run: ``python benchmarks/fuzz_ingest.py --examples 2000``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path

import duckdb
import fuzz_ingest as fz
from hypothesis import HealthCheck, given, settings

from engine import ingest, schema, store
from engine.errors import CtfmonError

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


@cache
def _con() -> duckdb.DuckDBPyConnection:
    return store.connect(":memory:")


def _counts(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    return (con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0],
            con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0])


def check_file(path: Path, table: str, expected_records: int, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """Ingest ``path`` and check every invariant; returns 'refused', 'again' or 'loaded'."""
    con = con or _con()
    before = _counts(con, table)
    try:
        res = ingest.ingest_file(con, path, table)
    except CtfmonError as exc:
        assert exc.message and str(path.name) in exc.message, exc.message
        assert _counts(con, table) == before  # nothing of a refused file is written
        return "refused"
    if res.already_loaded:
        return "again"
    assert res.rows_read == expected_records, (res, expected_records)
    assert res.rows_read == res.rows_loaded + res.rows_quarantined + res.rows_duplicate, res
    after = _counts(con, table)
    assert after[0] - before[0] == res.rows_loaded - res.rows_replaced
    assert after[1] - before[1] == res.rows_quarantined
    _check_stored(con, table, res.batch_id)
    return "loaded"


def _check_stored(con: duckdb.DuckDBPyConnection, table: str, batch_id: int | None) -> None:
    t = schema.TABLES[table]
    texts = [c.name for c in t.columns if c.kind in ("str", "enum", "country", "currency")]
    lists = [c.name for c in t.columns if c.kind in ("list_str", "list_country")]
    control = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]".replace(r"\x{FFFE}\x{FFFF}", "\ufffe\uffff")
    for c in texts:
        n = con.execute(f'SELECT count(*) FROM {table} WHERE _batch_id = ? AND regexp_matches("{c}", ?)',
                        [batch_id, control]).fetchall()[0][0]
        assert n == 0, f"{table}.{c} holds a control character"
    for c in lists:
        n = con.execute(f"SELECT count(*) FROM {table} WHERE _batch_id = ? AND "
                        f"regexp_matches(array_to_string(\"{c}\", ' '), ?)", [batch_id, control]).fetchall()[0][0]
        assert n == 0, f"{table}.{c} holds a control character"
    today = dt.datetime.now(dt.UTC).date()
    for c in t.columns:
        if c.kind not in ("timestamp", "date", "amount"):
            continue
        for (v,) in con.execute(f'SELECT "{c.name}" FROM {table} WHERE _batch_id = ?', [batch_id]).fetchall():
            if v is None:
                continue
            if c.kind == "amount":
                assert 0 < v < 10**16
            elif c.kind == "timestamp":
                assert isinstance(v, dt.datetime) and dt.datetime(1970, 1, 1) <= v < dt.datetime(today.year + 2, 1, 1)
            else:
                assert isinstance(v, dt.date) and dt.date(1800, 1, 1) <= v <= today + dt.timedelta(days=367)


def check_case(fmt: str, case: tuple, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """Write a generated file, count its records independently, ingest it and check it."""
    spec, payload = case
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / f"{spec.table}.{fmt}"
        fz.write_file(fmt, payload, f)
        expected = fz.count_records(fmt, payload, f)
        outcome = check_file(f, spec.table, expected, con)
        assert expected >= 0 or outcome == "refused"  # a broken CSV header: the file must be refused
        return outcome


@FAST
@given(fz.csv_files())
def test_csv_files_lose_nothing(case):
    check_case("csv", case)


@FAST
@given(fz.jsonl_files())
def test_jsonl_files_lose_nothing(case):
    check_case("jsonl", case)


@FAST
@given(fz.parquet_files())
def test_parquet_files_lose_nothing(case):
    check_case("parquet", case)
