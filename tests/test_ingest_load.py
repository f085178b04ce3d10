"""Ingest loading: atomicity, idempotence, duplicates, formats, exit codes, locks, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.main import app
from engine import ingest, store

HEADER = "txn_id,timestamp,channel,from_account,to_account,amount,currency,reference"


def _rows(n: int, start: int = 0) -> list[str]:
    return [f"T{i},2026-01-{1 + i % 28:02d}T10:00:00,wire,A{i % 7},B{i % 5},{10 + i}.25,USD,ref {i}" for i in range(start, start + n)]


def _write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _count(con, table: str = "transactions") -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_mixed_file_loads_good_rows_and_quarantines_bad(tmp_path):
    rows = _rows(5) + [
        "X1,2026-01-01T10:00:00,wire,A1,B1,-3,USD,",
        "X2,not a time,wire,A1,B1,3,USD,",
        "X3,2026-01-01T10:00:00,teleport,A1,B1,3,USD,",
    ]
    con = store.connect(tmp_path / "db.duckdb")
    res = ingest.ingest_file(con, _write(tmp_path / "transactions.csv", rows))
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined, res.rows_duplicate) == (8, 5, 3, 0)
    q = ingest.quarantine_frame(con).select("row_number", "column_name").rows()
    assert q == [(7, "amount"), (8, "timestamp"), (9, "channel")]
    batch = con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_duplicate, finished_at IS NOT NULL FROM ingest_batches"
    ).fetchone()
    assert batch == (8, 5, 3, 0, True)


def test_reingesting_the_same_file_changes_nothing(tmp_path):
    con = store.connect(tmp_path / "db.duckdb")
    f = _write(tmp_path / "transactions.csv", _rows(20) + ["X1,2026-01-01,wire,A1,B1,0,USD,"])
    first = ingest.ingest_file(con, f)
    before = (_count(con), _count(con, "quarantine"), _count(con, "ingest_batches"))
    again = ingest.ingest_file(con, f)
    assert again.already_loaded and again.batch_id == first.batch_id
    assert (_count(con), _count(con, "quarantine"), _count(con, "ingest_batches")) == before


def test_same_rows_in_another_file_are_duplicates_not_errors(tmp_path):
    con = store.connect(tmp_path / "db.duckdb")
    ingest.ingest_file(con, _write(tmp_path / "transactions-a.csv", _rows(10)))
    res = ingest.ingest_file(con, _write(tmp_path / "transactions-b.csv", _rows(15)))
    assert (res.rows_read, res.rows_loaded, res.rows_duplicate, res.rows_quarantined) == (15, 5, 10, 0)
    assert _count(con) == 15


def test_conflicting_duplicate_is_quarantined_unless_upsert(tmp_path):
    con = store.connect(tmp_path / "db.duckdb")
    ingest.ingest_file(con, _write(tmp_path / "transactions-a.csv", _rows(3)))
    changed = [r.replace(",USD,", ",SGD,") if r.startswith("T1,") else r for r in _rows(3)]
    res = ingest.ingest_file(con, _write(tmp_path / "transactions-b.csv", changed))
    assert (res.rows_loaded, res.rows_duplicate, res.rows_quarantined) == (0, 2, 1)
    reason = ingest.quarantine_frame(con)["reason"][0]
    assert "conflicting duplicate" in reason and "--upsert" in reason
    assert con.execute("SELECT currency FROM transactions WHERE txn_id = 'T1'").fetchone()[0] == "USD"

    res = ingest.ingest_file(con, _write(tmp_path / "transactions-c.csv", changed), upsert=True)
    assert (res.rows_loaded, res.rows_replaced, res.rows_duplicate, res.rows_quarantined) == (1, 1, 2, 0)
    assert con.execute("SELECT currency FROM transactions WHERE txn_id = 'T1'").fetchone()[0] == "SGD"
    assert _count(con) == 3


def test_duplicates_inside_one_file(tmp_path):
    rows = _rows(3)
    rows += [rows[0], rows[1].replace("ref 1", "other reference")]
    con = store.connect(tmp_path / "db.duckdb")
    res = ingest.ingest_file(con, _write(tmp_path / "transactions.csv", rows))
    assert (res.rows_read, res.rows_loaded, res.rows_duplicate, res.rows_quarantined) == (5, 3, 1, 1)
    q = ingest.quarantine_frame(con).row(0, named=True)
    assert q["row_number"] == 6 and "appears earlier in the file (row 3)" in q["reason"]


def test_csv_parquet_and_jsonl_give_identical_tables(tmp_path):
    df = pl.DataFrame(
        {
            "party_id": ["P1", "P2", "P3"],
            "party_type": ["individual", "npo", "business"],
            "name": ["Ana Cruz", "Relief Org", "Acme Trading"],
            "alt_names": [["Ana Kruz", "A. Cruz"], None, ["ACME"]],
            "date_of_birth": ["1980-02-03", None, None],
            "country": ["PH", "SG", "MY"],
            "npo_operating_countries": [None, ["SY", "TR"], None],
            "is_pep": [True, False, None],
            "note": ["x", None, "z"],
        }
    )
    csv = tmp_path / "csv" / "parties.csv"
    pq = tmp_path / "pq" / "parties.parquet"
    js = tmp_path / "js" / "parties.jsonl"
    for p in (csv, pq, js):
        p.parent.mkdir()
    df.with_columns(
        pl.col("alt_names").list.join(";"), pl.col("npo_operating_countries").list.join(";")
    ).write_csv(csv)
    df.with_columns(pl.col("date_of_birth").str.to_date()).write_parquet(pq)
    df.write_ndjson(js)
    tables = []
    for p in (csv, pq, js):
        con = store.connect(p.parent / "db.duckdb")
        res = ingest.ingest_file(con, p)
        assert res.rows_loaded == 3, res
        tables.append(con.sql("SELECT * EXCLUDE (_batch_id) FROM parties ORDER BY party_id").fetchall())
    assert tables[0] == tables[1] == tables[2]


def test_jsonl_with_a_malformed_line(tmp_path):
    f = tmp_path / "transactions.jsonl"
    good = {"txn_id": "T1", "timestamp": "2026-01-01T00:00:00Z", "channel": "wire", "from_account": "A",
            "to_account": "B", "amount": 12.5, "currency": "USD"}
    f.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "txn_id": "T2", "amount": "7"}) + "\n")
    con = store.connect(tmp_path / "db.duckdb")
    res = ingest.ingest_file(con, f)
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (3, 2, 1)
    q = ingest.quarantine_frame(con).row(0, named=True)
    assert q["row_number"] == 2 and q["reason"].startswith("malformed JSON line")


def test_external_accounts_are_recorded(tmp_path):
    con = store.connect(tmp_path / "db.duckdb")
    _write(tmp_path / "accounts.csv", ["A0,,BANK,SG,current,USD,,"],
           header="account_id,party_id,institution_id,country,account_type,currency,opened_on,closed_on")
    ingest.ingest_file(con, tmp_path / "accounts.csv")
    ingest.ingest_file(con, _write(tmp_path / "transactions.csv", _rows(7)))
    ext = {r[0] for r in con.execute("SELECT account_id FROM external_accounts").fetchall()}
    assert ext == {f"A{i}" for i in range(1, 7)} | {f"B{i}" for i in range(5)}


def test_directory_loads_in_dependency_order_and_skips_other_files(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    _write(d / "transactions.csv", _rows(2))
    _write(d / "accounts.csv", ["A0,,BANK,SG,current,USD,,"],
           header="account_id,party_id,institution_id,country,account_type,currency,opened_on,closed_on")
    (d / "labels.csv").write_text("typology_id\nX\n")
    (d / "manifest.json").write_text("{}")
    planned, skipped = ingest.plan([d])
    assert [t for _, t in planned] == ["accounts", "transactions"]
    assert [p.name for p in skipped] == ["labels.csv", "manifest.json"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["T1", "T2", "T3", "T4", ""]),
            st.sampled_from(["2026-01-01T00:00:00", "2026-02-30", "", "2026-01-01T10:00:00+08:00"]),
            st.sampled_from(["wire", "cash_deposit", "atm_withdrawal", "bogus", ""]),
            st.sampled_from(["A1", "A2", ""]),
            st.sampled_from(["B1", "A1", ""]),
            st.sampled_from(["1", "0", "-2", "3.333", "abc", "99.99", ""]),
            st.sampled_from(["USD", "SGD", "usd", "XAU", ""]),
            st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='\r\n",'), max_size=8),
        ),
        max_size=25,
    )
)
def test_count_identity_holds_on_random_csv(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("h")
    f = _write(tmp / "transactions.csv", [",".join(r) for r in rows])
    con = store.connect(tmp / "db.duckdb")
    res = ingest.ingest_file(con, f)
    assert res.rows_read == len(rows)
    assert res.rows_read == res.rows_loaded + res.rows_quarantined + res.rows_duplicate
    assert _count(con) == res.rows_loaded
    assert _count(con, "quarantine") == res.rows_quarantined
    con.close()


def test_cli_exit_codes_and_messages(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "db.duckdb")
    good = _write(tmp_path / "transactions.csv", _rows(3))
    r = runner.invoke(app, ["ingest", str(good), "--db", db])
    assert r.exit_code == 0, r.output
    bad = _write(tmp_path / "transactions-2.csv", ["Z1,2026-01-01,wire,A,B,-1,USD,"])
    r = runner.invoke(app, ["ingest", str(bad), "--db", db])
    assert r.exit_code == 3
    missing = tmp_path / "transactions-3.csv"
    missing.write_text("txn_id,timestamp\nT9,2026-01-01\n")
    r = runner.invoke(app, ["ingest", str(missing), "--db", db])
    assert r.exit_code == 2
    r = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "--db", db])
    assert r.exit_code == 2


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
def test_missing_column_message_names_file_and_column(tmp_path):
    f = tmp_path / "transactions.csv"
    f.write_text("txn_id,timestamp,channel,amount\nT1,2026-01-01,wire,5\n")
    r = _cli("ingest", str(f), "--db", str(tmp_path / "db.duckdb"))
    assert r.returncode == 2
    assert "transactions.csv" in r.stderr and "currency" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_second_process_gets_a_one_line_busy_error(tmp_path):
    db = tmp_path / "db.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = _cli("stats", "--db", str(db))
        assert r.returncode == 2
        assert "in use by another process" in r.stderr
        assert len(r.stderr.strip().splitlines()) <= 2 and "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_a_consistent_database(tmp_path):
    n = 1_500_000
    f = tmp_path / "transactions.parquet"
    pl.select(
        txn_id=pl.lit("T") + pl.int_range(0, n).cast(pl.String),
        timestamp=pl.lit("2026-01-01T10:00:00"),
        channel=pl.lit("wire"),
        from_account=pl.lit("A1"),
        to_account=pl.lit("B1"),
        amount=pl.lit(12.5),
        currency=pl.lit("USD"),
    ).write_parquet(f)
    db = tmp_path / "db.duckdb"
    store.connect(db).close()
    wal = Path(str(db) + ".wal")
    proc = subprocess.Popen([sys.executable, "-m", "cli", "ingest", str(f), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    killed_mid_load = False
    while time.time() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 0:
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_load = True
            break
        time.sleep(0.005)
    proc.wait()
    assert killed_mid_load, "the ingest finished before it could be killed; raise n"
    con = store.connect(db)
    assert con.execute("SELECT count(*) FROM ingest_batches WHERE finished_at IS NULL").fetchone()[0] == 0
    n_loaded = _count(con)
    batches = con.execute("SELECT coalesce(sum(rows_loaded), 0) FROM ingest_batches").fetchone()[0]
    assert n_loaded == batches  # either nothing or the whole file, never a part
    res = ingest.ingest_file(con, f)
    assert res.already_loaded or res.rows_loaded == n
    assert _count(con) == n
