"""Ingest validation: each rule rejects its failing row with a reason naming the column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from engine import ingest, store

PARTY_HEADER = "party_id,party_type,name,country,alt_names,date_of_birth,nationality,is_pep,npo_operating_countries,npo_purpose,risk_rating,registered_on"
GOOD_PARTY = "P1,individual,Ana Cruz,PH,Ana Kruz;A. Cruz,1980-02-03,PH,no,,,low,2020-01-01"

ACCOUNT_HEADER = "account_id,party_id,institution_id,country,account_type,currency,opened_on,closed_on"
GOOD_ACCOUNT = "A1,P1,BANK1,PH,current,PHP,2020-01-01,2024-01-01"

TXN_HEADER = "txn_id,timestamp,channel,from_account,to_account,amount,currency,beneficiary_country,merchant_category"
GOOD_TXN = "T1,2026-01-01T10:00:00+08:00,wire,A1,X9,100.50,USD,SG,"

DECL_HEADER = "declaration_id,timestamp,traveller_name,direction,port,origin_country,destination_country,amount,currency,declared"
GOOD_DECL = "D1,2026-01-01T10:00:00Z,Ana Cruz,outbound,MNL,PH,SG,9500,USD,true"

TRADE_HEADER = "trade_id,date,exporter_party_id,importer_party_id,hs_code,quantity,unit,invoice_value,currency,origin_country,destination_country"
GOOD_TRADE = "TR1,2026-01-01,P1,P2,090111,1000,kg,4500.00,USD,VN,SG"

FX_HEADER = "date,currency,rate_to_base"
GOOD_FX = "2026-01-01,SGD,0.75"


def _load(tmp_path: Path, table: str, header: str, rows: list[str]) -> tuple[ingest.IngestResult, list[dict]]:
    f = tmp_path / f"{table}.csv"
    f.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    con = store.connect(tmp_path / "db.duckdb")
    res = ingest.ingest_file(con, f)
    q = ingest.quarantine_frame(con).to_dicts()
    con.close()
    return res, q


def _replace(row: str, header: str, column: str, value: str) -> str:
    cols = header.split(",")
    vals = row.split(",")
    vals[cols.index(column)] = value
    return ",".join(vals)


# (table, header, good row, column to change, bad value, expected reason fragment)
RULES = [
    ("parties", PARTY_HEADER, GOOD_PARTY, "party_id", "", "party_id: missing required value"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "party_type", "person", "party_type: not one of"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "name", "", "name: missing required value"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "country", "ZZ", "country: not an ISO 3166-1"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "country", "ph", "country: not an ISO 3166-1"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "nationality", "Philippines", "nationality: not an ISO 3166-1"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "date_of_birth", "03/02/1980", "date_of_birth: not a date"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "date_of_birth", "1980-02-30", "date_of_birth: not a date"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "is_pep", "maybe", "is_pep: not a boolean"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "npo_operating_countries", "SY;Syria", "npo_operating_countries: not every value"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "npo_purpose", "charity", "npo_purpose: not one of"),
    ("parties", PARTY_HEADER, GOOD_PARTY, "risk_rating", "extreme", "risk_rating: not one of"),
    ("accounts", ACCOUNT_HEADER, GOOD_ACCOUNT, "account_type", "checking", "account_type: not one of"),
    ("accounts", ACCOUNT_HEADER, GOOD_ACCOUNT, "currency", "XYZ", "currency: not an ISO 4217"),
    ("accounts", ACCOUNT_HEADER, GOOD_ACCOUNT, "institution_id", "", "institution_id: missing required value"),
    ("accounts", ACCOUNT_HEADER, GOOD_ACCOUNT, "closed_on", "2019-12-31", "closed_on is before opened_on"),
    ("transactions", TXN_HEADER, GOOD_TXN, "timestamp", "yesterday", "timestamp: not an ISO 8601"),
    ("transactions", TXN_HEADER, GOOD_TXN, "channel", "swift", "channel: not one of"),
    ("transactions", TXN_HEADER, GOOD_TXN, "amount", "0", "amount: amount must be greater than 0"),
    ("transactions", TXN_HEADER, GOOD_TXN, "amount", "-10", "amount: amount must be greater than 0"),
    ("transactions", TXN_HEADER, GOOD_TXN, "amount", "12.345", "amount: more than 2 decimals"),
    ("transactions", TXN_HEADER, GOOD_TXN, "amount", "1000.0001", "amount: more than 2 decimals"),
    ("transactions", TXN_HEADER, GOOD_TXN, "amount", "123456789.001", "amount: more than 2 decimals"),
    ("transactions", TXN_HEADER, GOOD_TXN, "amount", "ten", "amount: not a number"),
    ("transactions", TXN_HEADER, GOOD_TXN, "currency", "usd", "currency: not an ISO 4217"),
    ("transactions", TXN_HEADER, GOOD_TXN, "currency", "XAU", "no FX rate for XAU"),
    ("transactions", TXN_HEADER, GOOD_TXN, "to_account", "", "this channel needs a to_account"),
    ("transactions", TXN_HEADER, GOOD_TXN, "from_account", "", "this channel needs a from_account"),
    ("transactions", TXN_HEADER, GOOD_TXN, "to_account", "A1", "from_account and to_account must differ"),
    ("transactions", TXN_HEADER, GOOD_TXN, "merchant_category", "45", "merchant_category: not a 4-digit"),
    ("transactions", TXN_HEADER, GOOD_TXN, "beneficiary_country", "XX", "beneficiary_country: not an ISO"),
    ("cash_declarations", DECL_HEADER, GOOD_DECL, "direction", "out", "direction: not one of"),
    ("cash_declarations", DECL_HEADER, GOOD_DECL, "declared", "", "declared: missing required value"),
    ("cash_declarations", DECL_HEADER, GOOD_DECL, "port", "", "port: missing required value"),
    ("trade_documents", TRADE_HEADER, GOOD_TRADE, "hs_code", "0901", "hs_code: not a 6-digit HS code"),
    ("trade_documents", TRADE_HEADER, GOOD_TRADE, "unit", "tonne", "unit: not one of"),
    ("trade_documents", TRADE_HEADER, GOOD_TRADE, "quantity", "0", "quantity: value must be greater than 0"),
    ("trade_documents", TRADE_HEADER, GOOD_TRADE, "date", "2026-13-01", "date: not a date"),
    ("fx_rates", FX_HEADER, GOOD_FX, "rate_to_base", "-1", "rate_to_base: value must be greater than 0"),
    ("fx_rates", FX_HEADER, GOOD_FX, "currency", "ABC", "currency: not an ISO 4217"),
]


@pytest.mark.parametrize(("table", "header", "good", "column", "value", "reason"), RULES)
def test_rule_quarantines_failing_row(tmp_path, table, header, good, column, value, reason):
    bad = _replace(good, header, column, value)
    bad_id = bad.split(",")[0] or "missing-id"
    if bad.split(",")[0]:
        bad = bad_id + "_bad" + bad[len(bad_id):]
    res, q = _load(tmp_path, table, header, [good, bad])
    assert res.rows_read == 2
    assert res.rows_loaded == 1
    assert res.rows_quarantined == 1
    assert res.rows_read == res.rows_loaded + res.rows_quarantined + res.rows_duplicate
    assert len(q) == 1
    assert q[0]["row_number"] == 3  # line 3 of the file: header, good, bad
    assert reason in q[0]["reason"], q[0]["reason"]
    assert q[0]["column_name"] == column or column in q[0]["reason"]
    assert q[0]["raw"]


@pytest.mark.parametrize(
    ("channel", "from_account", "to_account", "ok"),
    [
        ("cash_deposit", "", "A1", True),
        ("cash_deposit", "A2", "A1", False),
        ("cash_deposit", "", "", False),
        ("cash_withdrawal", "A1", "", True),
        ("cash_withdrawal", "A1", "A2", False),
        ("atm_withdrawal", "A1", "", True),
        ("atm_withdrawal", "", "", False),
        ("prepaid_load", "", "C1", True),
        ("prepaid_load", "A1", "C1", True),
        ("prepaid_load", "A1", "", False),
        ("card_payment", "C1", "", True),
        ("card_payment", "", "M1", False),
        ("internal", "A1", "A2", True),
        ("remittance", "A1", "A1", False),
    ],
)
def test_channel_account_rules(tmp_path, channel, from_account, to_account, ok):
    row = f"T1,2026-01-01T10:00:00,{channel},{from_account},{to_account},50,USD,,"
    res, q = _load(tmp_path, "transactions", TXN_HEADER, [row])
    assert (res.rows_loaded, res.rows_quarantined) == ((1, 0) if ok else (0, 1)), q


def test_malformed_csv_lines_are_quarantined_with_their_line_numbers(tmp_path):
    rows = [GOOD_TXN, "T2,2026-01-01,wire,A1,X9,12,5,USD,SG,9999", "T3,2026-01-01", GOOD_TXN.replace("T1", "T4", 1)]
    res, q = _load(tmp_path, "transactions", TXN_HEADER, rows)
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (4, 2, 2)
    assert [r["row_number"] for r in q] == [3, 4]
    assert all(r["reason"].startswith("malformed CSV line") for r in q)
    assert "T2,2026-01-01" in q[0]["raw"]


def test_amounts_with_trailing_zeros_or_float_noise_are_accepted(tmp_path):
    rows = ["T1,2026-01-01,wire,A1,X9,10.500,USD,,", "T2,2026-01-01,wire,A1,X9,1e3,USD,,",
            "T3,2026-01-01,wire,A1,X9,+7.1,USD,,"]
    res, q = _load(tmp_path, "transactions", TXN_HEADER, rows)
    assert res.rows_loaded == 3, q
    f = tmp_path / "p" / "transactions.parquet"
    f.parent.mkdir()
    pl.DataFrame({"txn_id": ["F1", "F2", "F3"], "timestamp": ["2026-01-01"] * 3, "channel": ["wire"] * 3,
                  "from_account": ["A"] * 3, "to_account": ["B"] * 3, "amount": [0.1 + 0.2, 1234567.89, 1000.0001],
                  "currency": ["USD"] * 3}).write_parquet(f)
    con = store.connect(f.parent / "db.duckdb")
    res = ingest.ingest_file(con, f)
    assert (res.rows_loaded, res.rows_quarantined) == (2, 1)
    assert "more than 2 decimals" in ingest.quarantine_frame(con)["reason"][0]
    got = sorted(float(x) for (x,) in con.execute("SELECT amount FROM transactions").fetchall())
    assert got == [0.3, 1234567.89]


def test_timestamps_with_offsets_are_converted_to_utc(tmp_path):
    rows = [
        "T1,2026-01-01T10:00:00+08:00,wire,A1,X9,1,USD,,",
        "T2,2026-01-01T10:00:00Z,wire,A1,X9,1,USD,,",
        "T3,2026-01-01 10:00:00,wire,A1,X9,1,USD,,",
        "T4,2026-01-01T10:00:00.250-05:00,wire,A1,X9,1,USD,,",
        "T5,2026-01-01T10:00,wire,A1,X9,1,USD,,",
    ]
    _load(tmp_path, "transactions", TXN_HEADER, rows)
    con = store.connect(tmp_path / "db.duckdb", read_only=True)
    got = dict(con.execute("SELECT txn_id, CAST(timestamp AS VARCHAR) FROM transactions").fetchall())
    assert got == {
        "T1": "2026-01-01 02:00:00",
        "T2": "2026-01-01 10:00:00",
        "T3": "2026-01-01 10:00:00",
        "T4": "2026-01-01 15:00:00.25",
        "T5": "2026-01-01 10:00:00",
    }


def test_lists_bools_and_extra_columns(tmp_path):
    f = tmp_path / "parties.csv"
    f.write_text(
        "party_id,party_type,name,country,alt_names,is_pep,npo_operating_countries,Favourite Colour\n"
        "P1,npo,Relief,SG, Relief Org ; RO ;,YES,SY;TR,blue\n",
        encoding="utf-8",
    )
    con = store.connect(tmp_path / "db.duckdb")
    ingest.ingest_file(con, f)
    row = con.execute(
        "SELECT alt_names, is_pep, npo_operating_countries, CAST(extra AS VARCHAR) FROM parties"
    ).fetchone()
    assert row == (["Relief Org", "RO"], True, ["SY", "TR"], '{"Favourite Colour":"blue"}')


def test_base_amounts_use_rate_on_or_before_date_then_defaults(tmp_path):
    con = store.connect(tmp_path / "db.duckdb")
    fx = tmp_path / "fx_rates.csv"
    fx.write_text("date,currency,rate_to_base\n2026-01-01,SGD,0.70\n2026-02-01,SGD,0.80\n", encoding="utf-8")
    ingest.ingest_file(con, fx)
    tx = tmp_path / "transactions.csv"
    tx.write_text(
        TXN_HEADER + "\n"
        "T1,2026-01-15T00:00:00,wire,A1,X9,100,SGD,,\n"
        "T2,2026-02-01T00:00:00,wire,A1,X9,100,SGD,,\n"
        "T3,2025-12-31T00:00:00,wire,A1,X9,100,SGD,,\n"  # before the first user rate: shipped default
        "T4,2026-01-15T00:00:00,wire,A1,X9,100,USD,,\n",
        encoding="utf-8",
    )
    ingest.ingest_file(con, tx)
    got = {k: float(v) for k, v in con.execute("SELECT txn_id, amount_base FROM transactions").fetchall()}
    from engine import reference

    default = reference.fx_defaults().filter(currency="SGD")["rate_to_base"][0]
    assert got == {"T1": 70.0, "T2": 80.0, "T3": round(100 * default, 2), "T4": 100.0}


def test_missing_required_column_refuses_the_file(tmp_path):
    f = tmp_path / "transactions.csv"
    f.write_text("txn_id,timestamp,channel,amount\nT1,2026-01-01,wire,5\n", encoding="utf-8")
    con = store.connect(tmp_path / "db.duckdb")
    with pytest.raises(ingest.CtfmonError, match=r"transactions\.csv: missing required column\(s\) currency"):
        ingest.ingest_file(con, f)
    assert con.execute("SELECT count(*) FROM ingest_batches").fetchone()[0] == 0


def test_unknown_table_is_refused(tmp_path):
    f = tmp_path / "payments.csv"
    f.write_text("a\n1\n", encoding="utf-8")
    con = store.connect(tmp_path / "db.duckdb")
    with pytest.raises(ingest.CtfmonError, match="cannot tell which table"):
        ingest.ingest_file(con, f)
    with pytest.raises(ingest.CtfmonError, match="unknown table 'payments'"):
        ingest.ingest_file(con, f, "payments")


def test_table_from_stem_prefix():
    assert ingest.table_for(Path("transactions-2026-11.parquet")) == "transactions"
    assert ingest.table_for(Path("cash_declarations.csv")) == "cash_declarations"
    assert ingest.table_for(Path("labels.parquet")) is None
    assert ingest.table_for(Path("x.csv"), "parties") == "parties"


def test_fx_defaults_cover_every_circulating_currency():
    import pycountry

    from engine import reference
    from engine.reference.make_fx_defaults import NOT_CURRENCIES

    fx = reference.fx_defaults()
    circulating = {c.alpha_3 for c in pycountry.currencies} - NOT_CURRENCIES
    assert circulating <= set(fx["currency"]), sorted(circulating - set(fx["currency"]))
    assert fx["rate_to_base"].min() > 0 and fx.filter(currency="USD")["rate_to_base"][0] == 1.0
    assert fx["as_of"].is_not_null().all() and fx["source"].is_not_null().all()
    assert set(fx["currency"]) <= reference.currency_codes()
