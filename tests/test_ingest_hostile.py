"""Hostile and clumsy input: every record is loaded, quarantined with a reason, or a duplicate.

Each test reproduces one way a file used to be loaded wrongly, crash the ingest, or lose
rows without saying so.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine import ingest, store
from engine.config import get_settings
from engine.errors import CtfmonError

TXN = "txn_id,timestamp,channel,from_account,to_account,amount,currency,originator_name,reference"


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _txn(i: int | str, ts: str = "2026-01-01T10:00:00", amount: str = "10.00", currency: str = "USD",
         name: str = "", ref: str = "") -> str:
    return f"T{i},{ts},wire,A1,B1,{amount},{currency},{name},{ref}"


def _ingest(tmp_path: Path, f: Path) -> tuple[ingest.IngestResult, list[dict], object]:
    con = store.connect(tmp_path / "db.duckdb")
    res = ingest.ingest_file(con, f)
    q = ingest.quarantine_frame(con).to_dicts()
    assert res.rows_read == res.rows_loaded + res.rows_quarantined + res.rows_duplicate
    return res, q, con


def _reasons(q: list[dict]) -> dict[int, str]:
    return {r["row_number"]: r["reason"] for r in q}


# --------------------------------------------------------------------------- plausible dates
OUT_OF_RANGE = ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "0000-06-01T00:30:00"]


def test_out_of_range_timestamps_are_quarantined_in_csv(tmp_path):
    rows = [_txn(0)] + [_txn(i + 1, ts) for i, ts in enumerate(OUT_OF_RANGE)]
    res, q, con = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (4, 1, 3)
    for r in q:
        assert r["column_name"] == "timestamp"
        assert "outside the plausible range 1970-01-01 00:00:00 to" in r["reason"], r["reason"]
    # nothing outside the range reached the table: scans compare these with Python datetimes
    lo, hi = con.execute("SELECT min(timestamp), max(timestamp) FROM transactions").fetchone()
    assert isinstance(lo, dt.datetime) and isinstance(hi, dt.datetime)


def test_out_of_range_values_in_jsonl_and_parquet(tmp_path):
    base = {"channel": "wire", "from_account": "A1", "to_account": "B1", "amount": "5", "currency": "USD"}
    lines = [json.dumps({"txn_id": f"J{i}", "timestamp": ts, **base}) for i, ts in enumerate(OUT_OF_RANGE)]
    f = tmp_path / "transactions.jsonl"
    f.write_text("\n".join(lines) + "\n")
    res, q, _ = _ingest(tmp_path, f)
    assert (res.rows_loaded, res.rows_quarantined) == (0, 3)
    assert all("plausible range" in r["reason"] for r in q)

    # Parquet: a real timestamp column holding year 0 and year 9999, and year-0 dates.
    p = tmp_path / "p"
    p.mkdir()
    ts = pa.array([dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31), dt.datetime(2026, 1, 1)], pa.timestamp("us"))
    pq.write_table(pa.table({"txn_id": ["P1", "P2", "P3"], "timestamp": ts, "channel": ["wire"] * 3,
                             "from_account": ["A"] * 3, "to_account": ["B"] * 3, "amount": [1.0] * 3,
                             "currency": ["USD"] * 3}), p / "transactions.parquet")
    year0 = pa.array([-719528, 0, 20454], pa.date32())  # 0000-01-01, 1970-01-01, 2026-01-01
    pq.write_table(pa.table({"account_id": ["A1", "A2", "A3"], "institution_id": ["B"] * 3, "country": ["SG"] * 3,
                             "account_type": ["current"] * 3, "currency": ["SGD"] * 3, "opened_on": year0}),
                   p / "accounts.parquet")
    con = store.connect(p / "db.duckdb")
    res = ingest.ingest_file(con, p / "transactions.parquet")
    assert (res.rows_loaded, res.rows_quarantined) == (1, 2)
    res = ingest.ingest_file(con, p / "accounts.parquet")
    assert (res.rows_loaded, res.rows_quarantined) == (2, 1)
    q = ingest.quarantine_frame(con, table="accounts").to_dicts()
    assert q[0]["column_name"] == "opened_on" and "outside the plausible range 1800-01-01 to" in q[0]["reason"]


@pytest.mark.parametrize(("table", "header", "row", "column"), [
    ("accounts", "account_id,institution_id,country,account_type,currency,opened_on,closed_on",
     "A1,B,SG,current,SGD,0000-01-01,", "opened_on"),
    ("accounts", "account_id,institution_id,country,account_type,currency,opened_on,closed_on",
     "A1,B,SG,current,SGD,2020-01-01,9999-12-31", "closed_on"),
    ("parties", "party_id,party_type,name,country,date_of_birth,registered_on",
     "P1,individual,Ana,PH,2099-01-01,", "date_of_birth"),
    ("parties", "party_id,party_type,name,country,date_of_birth,registered_on",
     "P1,business,Acme,PH,,0000-03-01", "registered_on"),
    ("trade_documents", "trade_id,date,exporter_party_id,importer_party_id,hs_code,quantity,unit,invoice_value,"
     "currency,origin_country,destination_country", "TR1,9999-01-01,P1,P2,090111,1,kg,5,USD,VN,SG", "date"),
    ("fx_rates", "date,currency,rate_to_base", "0000-01-01,SGD,0.7", "date"),
    ("cash_declarations", "declaration_id,timestamp,traveller_name,direction,port,origin_country,"
     "destination_country,amount,currency,declared", "D1,0000-06-01T00:30:00,Ana,outbound,MNL,PH,SG,9000,USD,true",
     "timestamp"),
])
def test_every_date_and_timestamp_column_has_a_plausible_range(tmp_path, table, header, row, column):
    res, q, _ = _ingest(tmp_path, _csv(tmp_path / f"{table}.csv", header, [row]))
    assert (res.rows_loaded, res.rows_quarantined) == (0, 1), q
    assert q[0]["column_name"] == column
    assert f"{column}: " in q[0]["reason"] and "plausible range" in q[0]["reason"]


def test_birth_date_tomorrow_is_refused_but_today_is_not(tmp_path):
    today = dt.datetime.now(dt.UTC).date()
    header = "party_id,party_type,name,country,date_of_birth"
    rows = [f"P1,individual,Ana,PH,{today}", f"P2,individual,Ben,PH,{today + dt.timedelta(days=1)}"]
    res, q, _ = _ingest(tmp_path, _csv(tmp_path / "parties.csv", header, rows))
    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    assert "may not be in the future" in q[0]["reason"]


def test_ranges_are_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CTFMON_INGEST_EARLIEST_TIMESTAMP", "2025-01-01T00:00:00")
    monkeypatch.setenv("CTFMON_INGEST_MAX_DAYS_AHEAD", "0")
    get_settings.cache_clear()
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    rows = [_txn(1, "2024-12-31T23:59:59"), _txn(2, "2025-01-01T00:00:00"), _txn(3, tomorrow)]
    res, q, _ = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    assert (res.rows_loaded, res.rows_quarantined) == (1, 2)
    assert sorted(r["row_number"] for r in q) == [2, 4]
    assert "2025-01-01 00:00:00" in q[0]["reason"]


def test_leap_second_is_quarantined_not_shifted(tmp_path):
    rows = [_txn(1, "2026-06-30T23:59:60Z"), _txn(2, "2026-06-30T23:59:60.5+02:00"), _txn(3, "2026-06-30T23:59:59Z")]
    res, q, con = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    assert (res.rows_loaded, res.rows_quarantined) == (1, 2)
    assert all("leap second" in r["reason"] for r in q)
    assert con.execute("SELECT CAST(timestamp AS VARCHAR) FROM transactions").fetchall() == [("2026-06-30 23:59:59",)]


# --------------------------------------------------------------------------- CSV structure
def test_unterminated_quote_on_line_40001_of_50000_loses_nothing(tmp_path):
    rows = []
    for i in range(1, 50_001):
        if i == 40_000:  # physical line 40,001 (line 1 is the header)
            rows.append(_txn(i, ref='"refund for order 17'))
        elif i % 1000 == 0:  # quoted fields elsewhere, as real exports have
            rows.append(_txn(i, name='"Cruz, Ana"', ref='"said ""hi"""'))
        else:
            rows.append(_txn(i, ref=f"ref {i}"))
    res, q, con = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined, res.rows_duplicate) == (50_000, 49_999, 1, 0)
    assert q[0]["row_number"] == 40_001
    assert q[0]["reason"].startswith("malformed CSV line")
    assert "refund for order 17" in q[0]["raw"]
    got = con.execute("SELECT originator_name, reference FROM transactions WHERE txn_id = 'T1000'").fetchone()
    assert got == ("Cruz, Ana", 'said "hi"')


def test_row_numbers_are_physical_lines_with_blank_lines_and_multiline_fields(tmp_path):
    rows = [
        _txn(1),                                  # line 2
        "",                                       # line 3: blank, not a record
        _txn(2, ref='"two\nline reference"'),     # lines 4-5: one record
        _txn(3, amount="-1"),                     # line 6: bad
        "",                                       # line 7
        "",                                       # line 8
        _txn(4, ref='"a\n\nb"'),                  # lines 9-11, with a blank line inside the field
        _txn(5, ts="nope"),                       # line 12: bad
    ]
    f = tmp_path / "transactions.csv"
    f.write_text("\n".join([TXN, *rows]) + "\n", encoding="utf-8")
    res, q, con = _ingest(tmp_path, f)
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (5, 3, 2)
    assert [r["row_number"] for r in q] == [6, 12]
    refs = dict(con.execute("SELECT txn_id, reference FROM transactions").fetchall())
    assert refs["T2"] == "two\nline reference" and refs["T4"] == "a\n\nb"


def test_small_csv_with_one_bad_line_is_not_refused(tmp_path):
    rows = [_txn(1), "T2,2026-01-01,wire,A1,B1,5,USD,,,extra,fields", _txn(3)]
    res, q, _ = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (3, 2, 1)
    assert q[0]["row_number"] == 3 and "found 11 fields, expected 9" in q[0]["reason"]
    f = _csv(tmp_path / "transactions-2.csv", TXN, [_txn(4, ref='"open'), _txn(5)])
    res = ingest.ingest_file(store.connect(tmp_path / "db2.duckdb"), f)
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (2, 1, 1)


def test_crlf_bom_and_invalid_utf8_lines(tmp_path):
    f = tmp_path / "transactions.csv"
    body = "\r\n".join([TXN, _txn(1), _txn(2, name='"Cruz, Ana"')]).encode() + b"\r\n"
    f.write_bytes(b"\xef\xbb\xbf" + body + _txn(3, name="Ana").encode().replace(b"Ana", b"An\xff") + b"\r\n")
    res, q, con = _ingest(tmp_path, f)
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (3, 2, 1)
    assert q[0]["row_number"] == 4 and "not valid UTF-8" in q[0]["reason"]
    assert con.execute("SELECT originator_name FROM transactions WHERE txn_id='T2'").fetchone() == ("Cruz, Ana",)


def test_column_named_like_the_row_number_is_kept(tmp_path):
    f = _csv(tmp_path / "transactions.csv", TXN + ",__row", [_txn(1) + ",seven", _txn(2, amount="0") + ",eight"])
    res, q, con = _ingest(tmp_path, f)
    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    assert q[0]["row_number"] == 3 and json.loads(q[0]["raw"])["__row"] == "eight"
    assert json.loads(con.execute("SELECT CAST(extra AS VARCHAR) FROM transactions").fetchone()[0]) == {"__row": "seven"}
    pl.DataFrame({"txn_id": ["P1"], "timestamp": ["2026-01-01"], "channel": ["wire"], "from_account": ["A"],
                  "to_account": ["B"], "amount": [1.5], "currency": ["USD"], "__row": [99]}).write_parquet(
        tmp_path / "transactions-p.parquet")
    res = ingest.ingest_file(con, tmp_path / "transactions-p.parquet")
    assert res.rows_loaded == 1
    f = tmp_path / "transactions-j.jsonl"
    f.write_text(json.dumps({"txn_id": "J1", "timestamp": "2026-01-01", "channel": "wire", "from_account": "A",
                             "to_account": "B", "amount": 2, "currency": "USD", "__row": "x"}) + "\n")
    assert ingest.ingest_file(con, f).rows_loaded == 1


# --------------------------------------------------------------------------- control characters
def test_control_characters_are_removed_from_free_text_with_a_note(tmp_path):
    f = tmp_path / "parties.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [
        {"party_id": "P1", "party_type": "individual", "name": "Abd\u0000ul Rahman\u001b", "country": "SY",
         "alt_names": ["A\u0007R"], "address": "tab\tand\nnewline stay"},
        {"party_id": "P\u00002", "party_type": "individual", "name": "Ana", "country": "PH"},
    ]) + "\n")
    res, q, con = _ingest(tmp_path, f)
    assert (res.rows_loaded, res.rows_quarantined, res.values_cleaned) == (1, 1, 2)
    assert q[0]["column_name"] == "party_id" and "control character" in q[0]["reason"]
    assert con.execute("SELECT name, alt_names, address FROM parties").fetchone() == (
        "Abdul Rahman", ["AR"], "tab\tand\nnewline stay")
    notes = con.execute("SELECT row_number, column_name, note FROM ingest_notes ORDER BY column_name").fetchall()
    assert [(n[0], n[1]) for n in notes] == [(1, "alt_names"), (1, "name")]
    assert "removed 2 control character(s)" in notes[1][2]


def test_control_characters_in_csv_names_never_reach_the_database(tmp_path):
    rows = [_txn(1, name="Ali\x00 Hassan", ref="inv\x0c 12"), _txn(2, currency="US\x01D")]
    res, q, con = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    assert q[0]["column_name"] == "currency"
    assert con.execute("SELECT originator_name, reference FROM transactions").fetchone() == ("Ali Hassan", "inv 12")


# --------------------------------------------------------------------------- numbers
def test_amounts_are_parsed_exactly(tmp_path):
    rows = [_txn(1, amount="999999999999999.99"), _txn(2, amount="9999999999999999.99"),
            _txn(3, amount="10000000000000000"), _txn(4, amount="1e16"), _txn(5, amount="0.001e3"),
            _txn(6, amount="12.3400"), _txn(7, amount="12.345"), _txn(8, amount="1e-3"),
            _txn(9, amount="0000123.10"), _txn(10, amount="1e999999999999999999999")]
    res, q, con = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN, rows))
    got = dict(con.execute("SELECT txn_id, amount FROM transactions").fetchall())
    assert got == {"T1": Decimal("999999999999999.99"), "T2": Decimal("9999999999999999.99"),
                   "T5": Decimal("1.00"), "T6": Decimal("12.34"),
                   "T9": Decimal("123.10")}
    r = _reasons(q)
    assert "too large for DECIMAL(18,2)" in r[4] and "too large" in r[5] and "too large" in r[11]
    assert "more than 2 decimals" in r[8] and "more than 2 decimals" in r[9]
    base = dict(con.execute("SELECT txn_id, amount_base FROM transactions").fetchall())
    assert base["T1"] == Decimal("999999999999999.99")  # the base currency's twin is the amount itself


def test_amount_times_rate_overflow_is_quarantined(tmp_path):
    res, q, _ = _ingest(tmp_path, _csv(tmp_path / "transactions.csv", TXN,
                                       [_txn(1, amount="9000000000000000", currency="KWD"), _txn(2, currency="KWD")]))
    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    assert q[0]["column_name"] == "amount_base" and "too large for DECIMAL(18,2)" in q[0]["reason"]


def test_parquet_decimal_and_float_amounts(tmp_path):
    amounts = pa.array([Decimal("999999999999999.99"), Decimal("12.3400"), Decimal("12.3456")], pa.decimal128(38, 4))
    pq.write_table(pa.table({"txn_id": ["D1", "D2", "D3"], "timestamp": ["2026-01-01"] * 3, "channel": ["wire"] * 3,
                             "from_account": ["A"] * 3, "to_account": ["B"] * 3, "amount": amounts,
                             "currency": ["USD"] * 3}), tmp_path / "transactions.parquet")
    res, q, con = _ingest(tmp_path, tmp_path / "transactions.parquet")
    assert (res.rows_loaded, res.rows_quarantined) == (2, 1)
    assert dict(con.execute("SELECT txn_id, amount FROM transactions").fetchall()) == {
        "D1": Decimal("999999999999999.99"), "D2": Decimal("12.34")}
    pq.write_table(pa.table({"txn_id": ["F1", "F2"], "timestamp": ["2026-01-01"] * 2, "channel": ["wire"] * 2,
                             "from_account": ["A"] * 2, "to_account": ["B"] * 2,
                             "amount": [999999999999999.99, 1234.5], "currency": ["USD"] * 2}),
                   tmp_path / "transactions-f.parquet")
    res = ingest.ingest_file(con, tmp_path / "transactions-f.parquet")
    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    reason = ingest.quarantine_frame(con, batch_id=res.batch_id)["reason"][0]
    assert "binary floating-point" in reason


def test_jsonl_numbers_keep_their_exact_text(tmp_path):
    f = tmp_path / "transactions.jsonl"
    base = '"timestamp": "2026-01-01", "channel": "wire", "from_account": "A", "to_account": "B", "currency": "USD"'
    f.write_text(f'{{"txn_id": "J1", "amount": 999999999999999.99, {base}}}\n'
                 f'{{"txn_id": "J2", "amount": 0.1000000000000000055511151231257827, {base}}}\n')
    res, q, con = _ingest(tmp_path, f)
    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    assert con.execute("SELECT amount FROM transactions").fetchone() == (Decimal("999999999999999.99"),)
    assert "more than 2 decimals" in q[0]["reason"]


# --------------------------------------------------------------------------- types and nesting
@pytest.mark.parametrize(("column", "values", "found"), [
    ("amount", [True, False], "Boolean"),
    ("timestamp", [1767225600, 1767225601], "Int64"),
    ("from_account", [{"id": "A"}, {"id": "B"}], "Struct"),
])
def test_parquet_column_of_the_wrong_type_refuses_the_file_clearly(tmp_path, column, values, found):
    data = {"txn_id": ["T1", "T2"], "timestamp": ["2026-01-01"] * 2, "channel": ["wire"] * 2,
            "from_account": ["A", "B"], "to_account": ["C", "D"], "amount": [1.0, 2.0], "currency": ["USD"] * 2}
    data[column] = values
    f = tmp_path / "transactions.parquet"
    pl.DataFrame(data).write_parquet(f)
    con = store.connect(tmp_path / "db.duckdb")
    with pytest.raises(CtfmonError, match=rf"transactions\.parquet: column {column} is of type {found}") as e:
        ingest.ingest_file(con, f)
    assert "takes" in str(e.value)
    assert con.execute("SELECT count(*) FROM ingest_batches").fetchone()[0] == 0


def test_cli_refuses_a_wrong_parquet_type_with_exit_2_and_no_traceback(tmp_path):
    f = tmp_path / "transactions.parquet"
    pl.DataFrame({"txn_id": ["T1"], "timestamp": [1767225600], "channel": ["wire"], "from_account": ["A"],
                  "to_account": ["B"], "amount": [1.0], "currency": ["USD"]}).write_parquet(f)
    ctfmon = str(Path(sys.executable).with_name("ctfmon"))
    p = subprocess.run([ctfmon, "ingest", str(f), "--db", str(tmp_path / "db.duckdb")], capture_output=True, text=True)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "column timestamp is of type Int64" in p.stderr and "Traceback" not in p.stderr


def test_nested_json_values_are_row_errors_but_lists_still_work(tmp_path):
    f = tmp_path / "parties.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [
        {"party_id": "P1", "party_type": "individual", "name": {"first": "Ana"}, "country": "PH"},
        {"party_id": "P2", "party_type": "individual", "name": "Ben", "country": ["PH"]},
        {"party_id": "P3", "party_type": "npo", "name": "Relief", "country": "SG", "alt_names": ["R", "RO"],
         "npo_operating_countries": ["SY", "TR"], "notes": {"kept": [1, 2]}},
        {"party_id": "P4", "party_type": "individual", "name": "Cy", "country": "SG", "alt_names": [["x"]]},
    ]) + "\n")
    res, q, con = _ingest(tmp_path, f)
    assert (res.rows_loaded, res.rows_quarantined) == (1, 3)
    r = _reasons(q)
    assert "name: a nested JSON object where a single value is expected" in r[1]
    assert "country: a nested JSON array" in r[2]
    assert "alt_names: a nested JSON array where a list of single values" in r[4]
    assert con.execute("SELECT alt_names, npo_operating_countries, CAST(extra AS VARCHAR) FROM parties").fetchone() \
        == (["R", "RO"], ["SY", "TR"], '{"notes":"{\\"kept\\": [1, 2]}"}')


def test_parquet_list_columns_where_the_contract_has_lists(tmp_path):
    f = tmp_path / "parties.parquet"
    pl.DataFrame({"party_id": ["P1"], "party_type": ["npo"], "name": ["Relief"], "country": ["SG"],
                  "alt_names": [["R", "RO"]], "npo_operating_countries": [["SY"]],
                  "tags": [{"a": 1}]}).write_parquet(f)
    res, _q, con = _ingest(tmp_path, f)
    assert res.rows_loaded == 1
    assert con.execute("SELECT alt_names, CAST(extra AS VARCHAR) FROM parties").fetchone() == (
        ["R", "RO"], '{"tags":{"a":1}}')
    pl.DataFrame({"party_id": ["P2"], "party_type": ["npo"], "name": [["Relief"]], "country": ["SG"]}).write_parquet(
        tmp_path / "parties-2.parquet")
    with pytest.raises(CtfmonError, match=r"column name is of type List\(String\)"):
        ingest.ingest_file(con, tmp_path / "parties-2.parquet")


def test_cli_reports_cleaned_values_and_lists_them(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    f = _csv(tmp_path / "transactions.csv", TXN, [_txn(1, name="Ali\x00 Hassan")])
    db = str(tmp_path / "db.duckdb")
    r = CliRunner().invoke(app, ["ingest", str(f), "--db", db])
    assert r.exit_code == 0, r.output
    assert "1 values cleaned" in r.output
    r = CliRunner().invoke(app, ["quarantine", "list", "--notes", "--db", db])
    assert r.exit_code == 0 and "originator_name" in r.output and "removed 1 control" in r.output


def test_read_errors_name_the_file_as_the_user_called_it(tmp_path):
    f = tmp_path / "upload-1234" / "transactions.csv"
    f.parent.mkdir()
    f.write_text("a,a\n1,2\n")
    con = store.connect(tmp_path / "db.duckdb")
    with pytest.raises(CtfmonError) as e:
        ingest.ingest_file(con, f, display_name="my.csv")
    assert e.value.message.startswith("my.csv: line 1: column 'a' appears twice") and "upload-1234" not in str(e.value)
