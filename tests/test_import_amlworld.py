"""AMLworld importer on small handmade files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from datagen.importers.amlworld import import_amlworld
from engine.errors import CtfmonError

DATA = Path(__file__).parent / "data" / "graph"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    import_amlworld(DATA / "aw_trans.csv", tmp_path / "out", patterns=DATA / "aw_patterns.txt")
    return tmp_path / "out"


def test_transactions_mapping(out: Path) -> None:
    tx = pl.read_csv(out / "transactions.csv", infer_schema=False)
    by = {r["txn_id"]: r for r in tx.iter_rows(named=True)}
    # file line 7: a Euro wire between banks with leading zeros
    assert by["AW7"]["from_account"] == "0070:800AAA001" and by["AW7"]["to_account"] == "0011:800BBB001"
    assert (by["AW7"]["channel"], by["AW7"]["currency"], by["AW7"]["amount"]) == ("wire", "EUR", "1000.0")
    assert by["AW8"]["channel"] == "domestic_transfer"  # ACH
    assert by["AW3"]["channel"] == "cheque"
    # Bitcoin format paid in US dollars keeps the paid side; channel mobile_transfer, reference bitcoin
    assert (by["AW9"]["channel"], by["AW9"]["currency"], by["AW9"]["reference"]) == ("mobile_transfer", "USD", "bitcoin")
    # cash: a deposit into the receiving account, the payer kept in originator_name
    assert by["AW15"]["channel"] == "cash_deposit" and by["AW15"]["from_account"] is None
    assert by["AW15"]["originator_name"] == "cash from account 0402:800F00002"
    assert by["AW16"]["channel"] == "card_payment" and by["AW16"]["currency"] == "CNY"
    assert by["AW11"]["timestamp"] == "2022-09-01T08:00:00"
    # self transfers (reinvestment) and Bitcoin on both sides are dropped
    assert not {"AW2", "AW4", "AW5", "AW6", "AW10"} & set(by)


def test_accounts_parties_fx_and_manifest(out: Path) -> None:
    import json

    acc = pl.read_csv(out / "accounts.csv", infer_schema=False)
    row = acc.filter(pl.col("account_id") == "0070:800AAA001").row(0, named=True)
    assert row["institution_id"] == "0070" and row["party_id"] == "P-0070:800AAA001" and row["currency"] == "EUR"
    parties = pl.read_csv(out / "parties.csv", infer_schema=False)
    assert set(parties["party_id"]) == set(acc["party_id"])
    fx = pl.read_csv(out / "fx_rates.csv")
    assert fx.row(0, named=True) == {"date": "2022-09-01", "currency": "EUR", "rate_to_base": 1.1}
    m = json.loads((out / "manifest.json").read_text())
    assert m["dropped_self_transfers"] == 4 and m["dropped_no_iso_currency"] == 1
    assert m["unmapped_currency_names"] == ["Bitcoin"] and m["unmapped_patterns"] == {"random": 1}


def test_labels_from_patterns(out: Path) -> None:
    lab = pl.read_csv(out / "labels.csv")
    cyc = lab.filter(pl.col("typology_id") == "ML-NET-03")
    assert set(cyc.filter(pl.col("role") == "subject")["entity_id"]) == {
        "P-0100:800C00001", "P-0200:800C00002", "P-0300:800C00003"}
    assert set(cyc.filter(pl.col("role") == "evidence")["entity_id"]) == {"AW11", "AW12", "AW13"}
    fan = lab.filter(pl.col("typology_id") == "ML-NET-01")
    assert fan.filter(pl.col("role") == "subject")["entity_id"].to_list() == ["P-0400:800F0000H"]
    assert fan.filter(pl.col("role") == "counterparty").height == 3
    # the RANDOM attempt is not mapped: its laundering row is unattributed evidence
    rest = lab.filter(pl.col("typology_id") == "amlworld:laundering")
    assert rest["entity_id"].to_list() == ["AW17"]


def test_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Timestamp,From Bank,Account\n2022/09/01 00:20,010,8000EBD30\n")
    with pytest.raises(CtfmonError, match="header must be"):
        import_amlworld(bad, tmp_path / "o")
    text = (DATA / "aw_trans.csv").read_text().splitlines()
    (tmp_path / "ts.csv").write_text("\n".join([text[0], text[1].replace("2022/09/01 00:20", "01-09-2022")]) + "\n")
    with pytest.raises(CtfmonError, match="row 2: Timestamp"):
        import_amlworld(tmp_path / "ts.csv", tmp_path / "o")
    pat = tmp_path / "p.txt"
    pat.write_text(text[1] + "\n")
    with pytest.raises(CtfmonError, match="outside a BEGIN/END"):
        import_amlworld(DATA / "aw_trans.csv", tmp_path / "o", patterns=pat)


def test_cli_import_then_ingest(tmp_path: Path) -> None:
    from cli.main import app
    from engine import store

    out = tmp_path / "aw"
    res = CliRunner().invoke(app, ["import", "amlworld", str(DATA / "aw_trans.csv"), "--patterns",
                                   str(DATA / "aw_patterns.txt"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    db = tmp_path / "aw.duckdb"
    res = CliRunner().invoke(app, ["ingest", str(out), "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = store.connect(db, read_only=True)
    assert con.sql("SELECT count(*) FROM transactions").fetchall()[0][0] == 11
    assert con.sql("SELECT count(*) FROM quarantine").fetchall()[0][0] == 0
    eur = con.sql("SELECT CAST(amount_base AS DOUBLE) FROM transactions WHERE txn_id = 'AW7'").fetchall()[0][0]
    assert eur == pytest.approx(1100.0)


def test_every_currency_gets_a_rate_so_no_row_is_lost(tmp_path: Path) -> None:
    """Brazil Real paired only with Euro, Euro with US Dollar, Saudi Riyal never paired."""
    from engine import reference, store
    from engine.ingest import ingest_paths

    header = (DATA / "aw_trans.csv").read_text().splitlines()[0]
    rows = [
        "2022/09/01 00:10,0070,800BR0001,0011,800BR0002,500.00,Brazil Real,500.00,Brazil Real,Wire,0",
        "2022/09/01 00:11,0070,800BR0001,0011,800EU0001,90.00,Euro,500.00,Brazil Real,Wire,0",
        "2022/09/01 00:12,0070,800BR0003,0011,800EU0002,180.00,Euro,1000.00,Brazil Real,Wire,0",
        "2022/09/01 00:13,0070,800EU0001,0011,800US0001,110.00,US Dollar,100.00,Euro,Wire,0",
        "2022/09/01 00:14,0070,800SA0001,0011,800SA0002,750.00,Saudi Riyal,750.00,Saudi Riyal,ACH,0",
        "2022/09/01 00:15,0070,800BR0002,0011,800BR0004,100.00,Brazil Real,100.00,Brazil Real,Cash,0",
    ]
    src = tmp_path / "aw.csv"
    src.write_text("\n".join([header, *rows]) + "\n")
    out = tmp_path / "out"
    import_amlworld(src, out)
    with store.connect(tmp_path / "db.duckdb") as con:
        results, failed, _ = ingest_paths(con, [out])
        assert not failed
        tx = next(r for r in results if r.table == "transactions")
        assert (tx.rows_read, tx.rows_loaded, tx.rows_quarantined) == (6, 6, 0)
        brl = con.sql("SELECT CAST(amount_base AS DOUBLE) FROM transactions WHERE currency = 'BRL' "
                      "AND amount = 500 AND to_account LIKE '%BR0002'").fetchall()[0][0]
    # BRL is never received in US dollars: BRL -> EUR (median 0.18) chained with EUR -> USD (1.1)
    assert brl == pytest.approx(500 * 0.18 * 1.1)
    fx = dict(pl.read_csv(out / "fx_rates.csv").select("currency", "rate_to_base").iter_rows())
    assert fx["EUR"] == pytest.approx(1.1) and fx["BRL"] == pytest.approx(0.198)
    assert "SAR" not in fx
    m = __import__("json").loads((out / "manifest.json").read_text())
    assert m["fx_rates_from_defaults"] == ["SAR"]
    assert "SAR" in set(reference.fx_defaults()["currency"])
