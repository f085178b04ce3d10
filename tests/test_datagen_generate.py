"""ctfmon generate: determinism, labels, coverage of the catalogue, population shape, errors.

Population shape ranges checked here (clean profile, 20k transactions) are the ones
documented in the README's generator section.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from datagen.generate import make_config, write
from datagen.verify import verify
from engine.errors import CtfmonError
from engine.schema import ACCOUNT_TYPES, CHANNELS, LABELS, PARTY_TYPES, TABLES
from typologies import registry

UNITS = registry.units()
READINGS = {tid: u.reading for tid, u in UNITS.items() if u.reading is not None}
N = 20_000


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    write(out, make_config(UNITS, seed=42, transactions=N, profile="clean"), UNITS)
    return out


def _read(d: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(d / f"{table}.parquet")


def test_files_and_columns_follow_the_contract(data: Path) -> None:
    for name, table in TABLES.items():
        df = _read(data, name)
        assert df.columns == table.column_names, name
        for col in table.required:
            assert df[col].null_count() == 0, f"{name}.{col} has nulls"
    assert _read(data, "labels").columns == LABELS.column_names
    assert _read(data, "transactions").height == N
    manifest = json.loads((data / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["arguments"]["transactions"] == N
    assert manifest["row_counts"]["transactions"] == N
    assert manifest["arguments"]["parties"] == 500


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    args = dict(transactions=5_000, days=120, fmt="csv")
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write(a, make_config(UNITS, seed=9, **args), UNITS)
    write(b, make_config(UNITS, seed=9, **args), UNITS)
    write(c, make_config(UNITS, seed=10, **args), UNITS)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n
    assert (a / "transactions.csv").read_bytes() != (c / "transactions.csv").read_bytes()


def test_parquet_is_byte_identical(tmp_path: Path, data: Path) -> None:
    again = tmp_path / "again"
    write(again, make_config(UNITS, seed=42, transactions=N, profile="clean"), UNITS)
    for p in sorted(data.iterdir()):
        assert p.read_bytes() == (again / p.name).read_bytes(), p.name


def test_labels_reference_existing_rows(data: Path) -> None:
    labels = _read(data, "labels")
    parties = set(_read(data, "parties")["party_id"])
    txns = _read(data, "transactions")
    accounts = set(_read(data, "accounts")["account_id"]) | set(txns["from_account"].drop_nulls()) | set(
        txns["to_account"].drop_nulls())
    ids = {
        "party": parties, "account": accounts, "transaction": set(txns["txn_id"]),
        "cash_declaration": set(_read(data, "cash_declarations")["declaration_id"]),
        "trade_document": set(_read(data, "trade_documents")["trade_id"]),
    }
    assert labels.height > 0
    for (etype,), grp in labels.group_by(["entity_type"]):
        missing = set(grp["entity_id"]) - ids[str(etype)]
        assert not missing, f"{etype}: {sorted(missing)[:5]}"
    # evidence rows are transactions / declarations / trade documents; every instance has a subject
    ev = labels.filter(pl.col("role") == "evidence")
    assert set(ev["entity_type"]) <= {"transaction", "cash_declaration", "trade_document"}
    per = labels.group_by("instance_id").agg(pl.col("role").eq("subject").any().alias("has_subject"))
    assert per["has_subject"].all()
    # instance ids are unique to one typology
    assert labels.group_by("instance_id").agg(pl.col("typology_id").n_unique())["typology_id"].max() == 1


def test_every_catalogue_typology_is_planted_with_a_lookalike(data: Path) -> None:
    # the registered typologies: tests/test_catalogue.py checks them against docs/catalogue.md
    ids = sorted(UNITS)
    assert len(ids) == 25
    manifest = json.loads((data / "manifest.json").read_text())
    labels = _read(data, "labels")
    for tid in ids:
        assert manifest["planted"].get(tid, 0) >= 3, tid
        assert labels.filter((pl.col("typology_id") == tid) & (pl.col("role") == "subject")).height >= 3, tid
        benign = manifest["benign_for"][tid]
        assert benign and all(b.startswith("benign:") for b in benign), tid
        assert labels.filter(pl.col("typology_id").is_in(benign)).height > 0, tid


def test_planted_instances_satisfy_and_lookalikes_do_not(data: Path) -> None:
    res = verify(data, READINGS)
    assert len(res) >= 15
    for tid, r in res.items():
        assert r["positives"] >= 3 and r["positives_ok"] == r["positives"], (tid, r)
        assert r["lookalikes"] >= 1 and r["lookalikes_ok"] == 0, (tid, r)


def test_population_shape(data: Path) -> None:
    parties = _read(data, "parties")
    share = parties["party_type"].value_counts(normalize=True)
    share_of = dict(zip(share["party_type"], share["proportion"], strict=True))
    assert set(share_of) == set(PARTY_TYPES)
    assert 0.65 <= share_of["individual"] <= 0.90
    assert 0.08 <= share_of["business"] <= 0.25
    apec = {"AU", "BN", "CA", "CL", "CN", "HK", "ID", "JP", "KR", "MY", "MX", "NZ", "PG", "PE", "PH", "RU", "SG",
            "TW", "TH", "US", "VN"}
    assert parties["country"].is_in(list(apec)).mean() >= 0.75
    assert len(set(parties["country"]) & apec) >= 18
    inds = parties.filter(pl.col("party_type") == "individual")
    # non-Latin scripts with Latin transliterations
    nonlatin = inds.filter(pl.col("name").str.contains(r"[\p{Han}\p{Cyrillic}\p{Arabic}\p{Thai}\p{Hangul}]"))
    assert nonlatin.height >= 0.1 * inds.height
    assert nonlatin["alt_names"].null_count() == 0
    npos = parties.filter(pl.col("party_type") == "npo")
    assert npos["npo_purpose"].null_count() == 0 and npos["npo_operating_countries"].list.len().min() >= 1
    accounts = _read(data, "accounts")
    assert set(accounts["account_type"]) == set(ACCOUNT_TYPES)
    txns = _read(data, "transactions")
    assert set(txns["channel"]) == set(CHANNELS)
    ch = dict(zip(*txns["channel"].value_counts(normalize=True).select("channel", "proportion").to_dict().values(),
                  strict=True))
    ranges = {"card_payment": (0.30, 0.55), "atm_withdrawal": (0.05, 0.12), "domestic_transfer": (0.08, 0.25),
              "cash_deposit": (0.02, 0.08), "wire": (0.02, 0.10), "remittance": (0.01, 0.06)}
    for c, (lo, hi) in ranges.items():
        assert lo <= ch[c] <= hi, (c, ch[c])
    # external counterparties: account ids not in accounts
    known = set(accounts["account_id"])
    ext = set(txns["to_account"].drop_nulls()) - known
    assert len(ext) >= 50
    # amounts in USD: heavy tailed, card payments small, few cash movements in the structuring band
    fx = _read(data, "fx_rates").with_columns(pl.col("date").alias("month"))
    usd = txns.with_columns(month=pl.col("timestamp").dt.truncate("1mo").cast(pl.Date)).join(
        fx.select("month", "currency", "rate_to_base"), on=["month", "currency"], how="left"
    ).with_columns(usd=pl.col("amount").cast(pl.Float64) * pl.col("rate_to_base").fill_null(1.0))
    q = usd["usd"].quantile
    assert 10 <= q(0.5) <= 150
    assert q(0.99) >= 20 * q(0.5)
    card = usd.filter(pl.col("channel") == "card_payment")["usd"]
    assert 10 <= card.median() <= 80
    assert card.filter(card.is_not_null()).to_numpy().max() < 30_000
    cash = usd.filter(pl.col("channel").is_in(["cash_deposit", "cash_withdrawal", "atm_withdrawal"]))
    assert cash.filter(pl.col("usd").is_between(8000, 10000)).height <= 0.02 * cash.height
    # weekly seasonality: card spending busier on Saturday than on Tuesday
    dow = txns.filter(pl.col("channel") == "card_payment")["timestamp"].dt.weekday().value_counts()
    by = dict(zip(dow["timestamp"], dow["count"], strict=True))
    assert by[6] > by[2]


def test_mcc_and_timestamps_are_well_formed(data: Path) -> None:
    txns = _read(data, "transactions")
    card = txns.filter(pl.col("channel") == "card_payment")
    assert card["merchant_category"].str.contains(r"^[0-9]{4}$").all()
    assert card["merchant_category"].is_in(["4511", "3005", "3026", "4722"]).any()
    ts = txns["timestamp"].to_numpy()
    assert ts.min() >= np.datetime64("2026-01-01") and ts.max() < np.datetime64("2027-01-01")


def test_inject_errors_counts_match_the_rows_written(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    write(clean, make_config(UNITS, seed=4, transactions=5_000, fmt="csv"), UNITS)
    m = write(dirty, make_config(UNITS, seed=4, transactions=5_000, fmt="csv", inject_errors=0.03), UNITS)
    inj = m["injected_errors"]
    assert set(inj) == {"parties", "accounts", "transactions", "cash_declarations", "trade_documents"}
    for table, kinds in inj.items():
        a = pl.read_csv(clean / f"{table}.csv", infer_schema=False)
        b = pl.read_csv(dirty / f"{table}.csv", infer_schema=False)
        assert b.height - a.height == sum(kinds.values()), table
        assert m["row_counts"][table] == b.height
        assert kinds.get("conflicting_duplicate", 0) >= 1
    t = pl.read_csv(dirty / "transactions.csv", infer_schema=False)
    k = inj["transactions"]
    assert (~t["channel"].is_in(list(CHANNELS))).sum() == k["unknown_enum"]
    assert t["amount"].is_null().sum() == k["missing_required"]
    assert t["txn_id"].is_duplicated().sum() == 2 * k["conflicting_duplicate"]
    # labels stay valid: no labelled row was changed or duplicated
    lab = pl.read_csv(dirty / "labels.csv")
    ev = set(lab.filter(pl.col("entity_type") == "transaction")["entity_id"])
    dup = set(t.filter(t["txn_id"].is_duplicated())["txn_id"])
    assert not ev & dup


def test_bad_arguments_raise_a_user_error() -> None:
    with pytest.raises(CtfmonError, match="--typologies"):
        make_config(UNITS, seed=1, transactions=5000, typologies="TF-NOPE-01")
    with pytest.raises(CtfmonError, match="--format"):
        make_config(UNITS, seed=1, transactions=5000, fmt="xlsx")
    with pytest.raises(CtfmonError, match="--profile"):
        make_config(UNITS, seed=1, transactions=5000, profile="extreme")
    cfg = make_config(UNITS, seed=1, transactions=5000, typologies="tf-cash-01, SAN-01")
    assert cfg.typologies == ("SAN-01", "TF-CASH-01")


def test_selected_typologies_only(tmp_path: Path) -> None:
    m = write(tmp_path, make_config(UNITS, seed=3, transactions=5_000, typologies="TF-CASH-01,ML-NET-03", fmt="jsonl"),
              UNITS)
    assert set(m["planted"]) == {"TF-CASH-01", "ML-NET-03"}
    lab = pl.read_ndjson(tmp_path / "labels.jsonl")
    # plus TF-PASS-01: cycle members pass the money straight on
    assert set(lab["typology_id"]) == {"TF-CASH-01", "ML-NET-03", "TF-PASS-01", *m["benign_for"]["TF-CASH-01"],
                                       *m["benign_for"]["ML-NET-03"]}
    assert set(m["cross_labelled"]) == {"TF-PASS-01"}
    also = lab.filter(pl.col("typology_id") == "TF-PASS-01")["instance_id"]
    assert also.str.starts_with("TF-PASS-01:ML-NET-03:").all()


def test_hard_profile_is_subtler_and_has_more_lookalikes(tmp_path: Path, data: Path) -> None:
    m = write(tmp_path, make_config(UNITS, seed=42, transactions=N, profile="hard"), UNITS)
    base = json.loads((data / "manifest.json").read_text())
    assert m["arguments"]["profile"] == "hard"
    assert sum(m["benign"].values()) == 2 * sum(base["benign"].values())
    res = verify(tmp_path, READINGS)
    pos = sum(int(r["positives"]) for r in res.values())  # type: ignore[call-overload]
    ok = sum(int(r["positives_ok"]) for r in res.values())  # type: ignore[call-overload]
    assert ok == pos  # near the thresholds, but meeting them
    assert sum(int(r["lookalikes_ok"]) for r in res.values()) == 0  # type: ignore[call-overload]
    # the hard world is the realistic one, and planted accounts also do ordinary business:
    # a bill to the same biller every month
    assert m["files"]["background"] == "background.parquet"
    lab = pl.read_parquet(tmp_path / "labels.parquet")
    subj = lab.filter((pl.col("role") == "subject") & ~pl.col("typology_id").str.starts_with("benign:"))["entity_id"]
    acc = pl.read_parquet(tmp_path / "accounts.parquet").filter(pl.col("party_id").is_in(subj.implode()))
    bills = (pl.read_parquet(tmp_path / "transactions.parquet")
             .filter(pl.col("from_account").is_in(acc["account_id"].implode())
                     & pl.col("reference").is_in(["UTILITY BILL", "PHONE BILL"]))
             .group_by("from_account", "to_account").agg(pl.col("timestamp").dt.month().n_unique().alias("months")))
    assert bills.filter(pl.col("months") >= 6).height >= 0.3 * subj.n_unique()
    # structuring amounts reach closer to the band edges than in the default profile
    def band(d: Path) -> float:
        lab = pl.read_parquet(d / "labels.parquet").filter(pl.col("typology_id") == "TF-CASH-01")
        t = pl.read_parquet(d / "transactions.parquet").filter(pl.col("txn_id").is_in(lab["entity_id"].to_list()))
        return float(t.filter(pl.col("currency") == "USD")["amount"].cast(pl.Float64).min() or 9000.0)
    assert band(tmp_path) <= band(data) + 1e-9 or band(tmp_path) < 8600
