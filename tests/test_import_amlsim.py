"""AMLSim importer: the current output layout (handmade files) and the sample layout (shared fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from datagen.importers.amlsim import import_amlsim
from datagen.importers.common import pattern_roles
from engine.errors import CtfmonError

DATA = Path(__file__).parent / "data" / "graph" / "amlsim"
FIXTURE = Path(__file__).parents[2] / "shared" / "fixtures" / "amlsim" / "20K_fanin200cycle200.tgz"


def test_current_layout(tmp_path: Path) -> None:
    out = tmp_path / "out"
    m = import_amlsim(DATA, out)
    assert m["format"] == "amlsim" and m["rows"]["transactions"] == 7
    tx = pl.read_csv(out / "transactions.csv", infer_schema=False)
    by = {r["txn_id"]: r for r in tx.iter_rows(named=True)}
    assert by["101"]["channel"] == "wire" and by["104"]["channel"] == "cheque"
    assert by["100"]["channel"] == "domestic_transfer" and by["100"]["timestamp"] == "2017-01-02T00:00:00"
    acc = pl.read_csv(out / "accounts.csv", infer_schema=False)
    dave = acc.filter(pl.col("account_id") == "4").row(0, named=True)
    assert dave["account_type"] == "business" and dave["opened_on"] == "2017-01-11"
    assert dave["institution_id"] == "bank_b" and dave["closed_on"] is None
    parties = pl.read_csv(out / "parties.csv", infer_schema=False)
    assert parties.filter(pl.col("party_id") == "P-4")["party_type"].to_list() == ["business"]
    assert parties.filter(pl.col("party_id") == "P-1")["name"].to_list() == ["Alice"]
    lab = pl.read_csv(out / "labels.csv", infer_schema=False)
    cyc = lab.filter((pl.col("typology_id") == "ML-NET-03") & (pl.col("role") == "subject"))
    assert set(cyc["entity_id"]) == {"P-1", "P-2", "P-3"} and set(cyc["instance_id"]) == {"amlsim-10"}
    fan = lab.filter(pl.col("typology_id") == "ML-NET-01")
    assert fan.filter(pl.col("role") == "subject")["entity_id"].to_list() == ["P-4"]
    assert set(fan.filter(pl.col("role") == "evidence")["entity_id"]) == {"103", "104", "105"}


def test_pattern_roles() -> None:
    assert pattern_roles("fan_out", [("H", "a"), ("H", "b"), ("H", "c")]) == {
        "H": "subject", "a": "counterparty", "b": "counterparty", "c": "counterparty"}
    sg = pattern_roles("scatter_gather", [("S", "m1"), ("S", "m2"), ("m1", "T"), ("m2", "T")])
    assert sg == {"S": "subject", "m1": "intermediary", "m2": "intermediary", "T": "subject"}
    gs = pattern_roles("GATHER-SCATTER", [("a", "H"), ("b", "H"), ("H", "x"), ("H", "y")])
    assert gs["H"] == "subject" and gs["a"] == "source" and gs["x"] == "sink"
    assert set(pattern_roles("stack", [("a", "b"), ("b", "c")]).values()) == {"subject"}


def test_bipartite_labelled_at_account_level(tmp_path: Path) -> None:
    src = tmp_path / "bp"
    src.mkdir()
    for f in ("accounts.csv", "transactions.csv"):
        (src / f).write_text((DATA / f).read_text())
    (src / "alert_transactions.csv").write_text(
        "alert_id,alert_type,is_sar,tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp\n"
        "12,bipartite,True,103,5,4,TRANSFER,300.0,2017-01-05T00:00:00Z\n"
        "12,bipartite,True,104,6,4,CHECK,310.0,2017-01-05T00:00:00Z\n")
    import_amlsim(src, tmp_path / "out")
    lab = pl.read_csv(tmp_path / "out" / "labels.csv", infer_schema=False)
    members = lab.filter(pl.col("role") == "subject")
    assert set(members["entity_type"]) == {"account"} and set(members["entity_id"]) == {"4", "5", "6"}


def test_missing_input_and_columns(tmp_path: Path) -> None:
    with pytest.raises(CtfmonError, match="does not exist"):
        import_amlsim(tmp_path / "nope", tmp_path / "out")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "transactions.csv").write_text("tran_id,orig_acct\n1,2\n")
    (tmp_path / "d" / "accounts.csv").write_text("acct_id\n2\n")
    with pytest.raises(CtfmonError, match="missing column"):
        import_amlsim(tmp_path / "d", tmp_path / "out")


@pytest.mark.skipif(not FIXTURE.exists(), reason="shared AMLSim fixture not available")
def test_sample_layout_fixture(tmp_path: Path) -> None:
    out = tmp_path / "out"
    m = import_amlsim(FIXTURE, out)
    assert m["format"] == "amlsim-sample"
    assert m["rows"] == {"parties": 20000, "accounts": 20000, "transactions": 120558, "labels": 1804}
    tx = pl.read_csv(out / "transactions.csv", infer_schema=False, n_rows=3)
    assert tx.row(0) == ("T0", "2017-01-02T00:00:00", "domestic_transfer", "216", "14730", "163.3", "USD")
    assert tx.row(1)[1] == "2017-01-02T00:00:01"  # second transaction of step 1: one second later
    lab = pl.read_csv(out / "labels.csv", infer_schema=False)
    assert set(lab["typology_id"]) == {"amlsim:fraud"} and lab.height == 1804
    assert json.loads((out / "manifest.json").read_text())["start_date"] == "2017-01-01"
