"""The realistic profile's everyday world: structural facts of each everyday kind.

One generated world (150k transactions, seed 5) is checked for what issue 14 lists: billers
paid monthly, payroll runs of 5-500 payees on fixed days, supplier networks with popular
suppliers and varying invoices, shared pools of trade customers, collectors paying out to
many, government payers, long-standing accounts whose history starts large, seasonal
businesses, namesakes whose qualifiers disagree, grey-list trade with and without documents,
congregations, students and remittance families; ``background.parquet`` names every
background party's kind and no labelled party.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from datagen.everyday import KINDS
from datagen.everyday.build import COMMON_TOKENS, _name_tokens, common_namesake
from datagen.everyday.params import XB_TRADE_COUNTRIES
from datagen.generate import make_config, write
from datagen.planters._names import individuals
from datagen.verify import verify
from typologies import registry

UNITS = registry.units()
READINGS = {tid: u.reading for tid, u in UNITS.items() if u.reading is not None}
N = 150_000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("everyday")
    write(out, make_config(UNITS, seed=5, transactions=N), UNITS)
    return out


def _t(d: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(d / f"{name}.parquet")


def _owned(d: Path, kind: str) -> pl.DataFrame:
    """Accounts of the background parties of ``kind``."""
    bg = _t(d, "background").filter(pl.col("kind") == kind)
    return _t(d, "accounts").join(bg, on="party_id", how="semi")


def _txns(d: Path) -> pl.DataFrame:
    return _t(d, "transactions").with_columns(month=pl.col("timestamp").dt.month(), day=pl.col("timestamp").dt.date())


def test_realistic_is_the_default_and_background_is_complete(world: Path) -> None:
    manifest = json.loads((world / "manifest.json").read_text())
    assert manifest["arguments"]["profile"] == "realistic"
    assert manifest["files"]["background"] == "background.parquet"
    bg = _t(world, "background")
    assert bg.columns == ["party_id", "kind"] and bg["party_id"].is_unique().all()
    defaults = {"business", "cash_business", "foreign_business", "npo", "bank", "money_service_business", "government"}
    assert set(KINDS) - defaults <= set(bg["kind"].unique()) <= set(KINDS)
    assert bg.join(_t(world, "parties"), on="party_id", how="anti").height == 0
    # labels stay clean: no labelled party, and no owner of a labelled account, is background
    lab = _t(world, "labels")
    owners = _t(world, "accounts").join(lab.filter(pl.col("entity_type") == "account"),
                                        left_on="account_id", right_on="entity_id")["party_id"]
    labelled = set(lab.filter(pl.col("entity_type") == "party")["entity_id"]) | set(owners.drop_nulls())
    assert not labelled & set(bg["party_id"])
    # the parties neither labelled nor background are none: every party is one or the other
    assert _t(world, "parties").height == bg.height + len(labelled & set(_t(world, "parties")["party_id"]))


def test_planted_labels_still_meet_their_readings(world: Path) -> None:
    res = verify(world, READINGS)
    for tid, r in res.items():
        assert r["positives_ok"] == r["positives"], (tid, r["failing"])
        assert r["lookalikes_ok"] == 0, tid


def test_billers_are_paid_monthly_by_most_households(world: Path) -> None:
    tx = _txns(world)
    households = _t(world, "background").filter(pl.col("kind") == "household").height
    for kind, ref in (("utility", "UTILITY BILL"), ("telco", "PHONE BILL"), ("insurer", "INSURANCE PREMIUM")):
        acc = _owned(world, kind)["account_id"]
        bills = tx.filter(pl.col("to_account").is_in(acc.implode()) & (pl.col("reference") == ref)
                          & pl.col("from_account").is_in(_owned(world, "household")["account_id"].implode()))
        per_pair = bills.group_by("from_account", "to_account").agg(pl.col("month").n_unique().alias("months"))
        assert per_pair.height > 50, kind
        assert (per_pair["months"] >= 3).mean() > 0.9, kind  # recurring, not one-off
        # a biller serves many households (heavy tail: the busiest serves the most)
        served = per_pair.group_by("to_account").len()["len"]
        assert served.max() >= 30, kind
    payers = tx.filter(pl.col("reference").is_in(["UTILITY BILL", "PHONE BILL"]))["from_account"].n_unique()
    assert payers > 0.4 * households


def test_payroll_runs_of_5_to_500_payees_on_fixed_days(world: Path) -> None:
    tx = _txns(world)
    emp = _owned(world, "payroll_employer")["account_id"]
    staff = _t(world, "accounts").join(_t(world, "background").filter(pl.col("kind") != "instance_context"),
                                       on="party_id")["account_id"]
    pay = tx.filter(pl.col("from_account").is_in(emp.implode()) & (pl.col("reference") == "SALARY")
                    & pl.col("to_account").is_in(staff.implode()))
    runs = pay.group_by("from_account", "day").agg(
        pl.len().alias("payees"),
        ((pl.col("timestamp").max() - pl.col("timestamp").min()).dt.total_seconds()).alias("spread"))
    assert runs.height > 100
    assert runs["payees"].min() >= 5 and runs["payees"].max() <= 500
    assert runs["spread"].max() <= 900  # a whole run within 15 minutes
    # fixed days: each employer runs payroll in (nearly) every month, on at most a few days of month
    per = runs.with_columns(dom=pl.col("day").dt.day()).group_by("from_account").agg(
        pl.len().alias("runs"), pl.col("dom").n_unique().alias("doms"))
    assert (per["runs"] >= 11).mean() > 0.9  # monthly (12) or semi-monthly (24)
    assert (per["doms"] <= 8).all()  # the scheduled day(s) (15th and last), moved back before weekends
    # a payee gets the same salary every month; most payees of a run nearly the same (pay grades)
    same = pay.group_by("from_account", "to_account").agg(pl.col("amount").n_unique().alias("k"), pl.len().alias("n"))
    assert (same.filter(pl.col("n") >= 6)["k"] <= 2).mean() > 0.95  # semi-monthly halves differ by a cent at most
    spread = pay.group_by("from_account", "day").agg((pl.col("amount").cast(pl.Float64).median()).alias("m"),
                                                       pl.col("amount").cast(pl.Float64).alias("a"))
    near = spread.explode("a").select(((pl.col("a") / pl.col("m") - 1).abs() < 0.2).mean()).item()
    assert near > 0.5


def test_supplier_networks_are_heavy_tailed_repeat_and_vary(world: Path) -> None:
    tx = _txns(world)
    b2b = tx.filter(pl.col("reference").is_in(["SUPPLIER PAYMENT", "INVOICE PAYMENT"])
                    & (pl.col("channel") != "wire"))
    buyers_per_supplier = b2b.group_by("to_account").agg(pl.col("from_account").n_unique().alias("buyers"))
    buyers = buyers_per_supplier["buyers"]
    assert buyers.max() >= 4 * buyers.median()  # heavy tail: a few suppliers serve many
    wholesale = _owned(world, "wholesaler")["account_id"]
    top = buyers_per_supplier.filter(pl.col("to_account").is_in(wholesale.implode()))["buyers"]
    assert top.max() >= buyers.quantile(0.9)
    rel = b2b.group_by("from_account", "to_account").agg(
        pl.len().alias("n"), (pl.col("amount").cast(pl.Float64).std() / pl.col("amount").cast(pl.Float64).mean()).alias("cv"))
    repeat = rel.filter(pl.col("n") >= 4)
    assert repeat.height > 50
    assert repeat["cv"].median() > 0.15  # invoices vary by +-30-100%
    # shared pools: trade customers pay several of the same suppliers
    cust = _owned(world, "trade_customer")["account_id"]
    pool = b2b.filter(pl.col("from_account").is_in(cust.implode()))
    n_sup = pool.group_by("from_account").agg(pl.col("to_account").n_unique().alias("s"))["s"]
    assert n_sup.median() >= 3
    shared = pool.group_by("to_account").agg(pl.col("from_account").n_unique().alias("c"))["c"]
    assert shared.max() >= 10


def test_collectors_pay_out_to_many_and_government_pays_fixed_rates(world: Path) -> None:
    tx = _txns(world)
    for kind in ("acquirer", "marketplace", "payment_processor"):
        acc = _owned(world, kind)["account_id"]
        out = tx.filter(pl.col("from_account").is_in(acc.implode()))["to_account"].n_unique()
        inn = tx.filter(pl.col("to_account").is_in(acc.implode()))
        assert out >= 10, kind
        assert inn.height >= 50, kind
    gov = _owned(world, "government_payer")["account_id"]
    ben = tx.filter(pl.col("from_account").is_in(gov.implode()) & (pl.col("reference") == "BENEFIT"))
    per = ben.group_by("to_account").agg(pl.col("amount").n_unique().alias("amounts"), pl.len().alias("n"))
    assert per.height >= 20
    assert (per.filter(pl.col("n") >= 6)["amounts"] == 1).all()  # the same amount every month
    # taxes go to the government
    assert tx.filter(pl.col("reference") == "TAX PAYMENT").height > 100


def test_long_standing_accounts_start_large_years_after_opening(world: Path) -> None:
    tx = _t(world, "transactions")
    acc = _t(world, "accounts")
    start = tx["timestamp"].min().date()
    legacy = acc.filter(pl.col("opened_on") < date(start.year - 2, start.month, start.day))
    assert legacy.height > 0.2 * acc.height
    first = (pl.concat([tx.select(pl.col("from_account").alias("a"), "timestamp", "amount"),
                        tx.select(pl.col("to_account").alias("a"), "timestamp", "amount")])
             .drop_nulls("a").sort("timestamp").group_by("a").first())
    ls = _owned(world, "long_standing_account").join(first, left_on="account_id", right_on="a")
    ls = ls.filter(pl.col("opened_on") < date(start.year - 2, start.month, start.day))
    assert ls.height >= 5
    assert (ls["amount"].cast(pl.Float64) > 5_000).sum() >= 5  # history on file starts large


def test_seasonal_businesses_are_quiet_off_season(world: Path) -> None:
    tx = _txns(world)
    for acc in _owned(world, "seasonal_business")["account_id"]:
        mine = tx.filter((pl.col("from_account") == acc) | (pl.col("to_account") == acc)).sort("timestamp")
        days = mine["day"]
        span = days.max() - days.min()
        busiest = mine.group_by_dynamic("timestamp", every="1d", period="130d").agg(pl.len())["len"].max()
        assert busiest >= 0.85 * mine.height, acc
        assert span.days > 130 or mine.height > 20


def test_namesakes_resemble_listed_names_but_qualifiers_disagree(world: Path) -> None:
    names = _t(world, "parties").join(_t(world, "background").filter(pl.col("kind") == "namesake_customer"),
                                      on="party_id")
    assert names.height >= 1
    listed = individuals()
    full = {" ".join(e.parts).upper() for e in listed} | {a.upper() for e in listed for a in e.aliases}
    tokens = {t for e in listed for p in e.parts for t in p.upper().split()}
    for row in names.iter_rows(named=True):
        up = row["name"].upper()
        assert up not in full
        assert set(up.split()) & tokens or any(len(t) > 3 and t[:3] in up for t in tokens)
        for e in listed:
            fam = e.parts[-1].split()[-1].upper()
            if fam in up.split():  # a near namesake: its qualifiers must not agree
                same_nat = e.nationality == row["nationality"]
                close_dob = e.dob[:4].isdigit() and abs(int(e.dob[:4]) - row["date_of_birth"].year) < 10
                assert not (same_nat and close_dob), (row["name"], e.full)


def test_counterparties_named_near_listed_names(world: Path) -> None:
    """Customers paid by or paying an external individual whose name agrees with a listed one
    on common name tokens only (never the listed name) are background."""
    cust = _t(world, "background").filter(pl.col("kind") == "namesake_counterparty")
    assert cust.height >= 3
    acc = _t(world, "accounts").join(cust, on="party_id", how="semi")["account_id"]
    on_file = _t(world, "accounts")["account_id"]
    tx = _t(world, "transactions").filter(pl.col("channel").is_in(["remittance", "wire"]))
    names = pl.concat([
        tx.filter(pl.col("to_account").is_in(acc.implode()) & ~pl.col("from_account").is_in(on_file.implode()))
        .select(pl.col("originator_name").alias("name"), pl.col("originator_country").alias("country")),
        tx.filter(pl.col("from_account").is_in(acc.implode()) & ~pl.col("to_account").is_in(on_file.implode()))
        .select(pl.col("beneficiary_name").alias("name"), pl.col("beneficiary_country").alias("country")),
    ]).unique()
    listed = individuals()
    full = {" ".join(e.parts).upper() for e in listed} | {a.upper() for e in listed for a in e.aliases}
    listed_tokens = {t for e in listed for t in _name_tokens(e.full)}
    near = [r for r in names.iter_rows(named=True)
            if set(_name_tokens(r["name"])) & listed_tokens & COMMON_TOKENS]
    assert len(near) >= 0.7 * cust.height  # (small runs thin some of the streams)
    for r in near:
        assert r["name"].upper() not in full, r
    # the names are made to agree with a listed name on common tokens only
    rng = np.random.default_rng(0)
    for e in listed:
        for _ in range(3):
            n = common_namesake(e.full, rng)
            if n is not None:
                agree = set(_name_tokens(n)) & set(_name_tokens(e.full))
                assert agree and agree <= COMMON_TOKENS, (n, e.full)


def test_grey_list_trade_with_and_without_documents(world: Path) -> None:
    tx = _txns(world)
    docs = _t(world, "trade_documents")
    parties = _t(world, "parties")
    for kind, want_docs in (("xb_trader_documented", True), ("xb_trader_undocumented", False)):
        acc = _owned(world, kind)["account_id"]
        wires = tx.filter((pl.col("from_account").is_in(acc.implode()) & pl.col("beneficiary_country").is_in(XB_TRADE_COUNTRIES))
                          | (pl.col("to_account").is_in(acc.implode()) & pl.col("originator_country").is_in(XB_TRADE_COUNTRIES)))
        assert wires.height >= 5, kind
        assert wires["month"].n_unique() >= 3, kind  # recurring
        traders = _owned(world, kind)["party_id"]
        theirs = docs.filter(pl.col("importer_party_id").is_in(traders.implode())
                             | pl.col("exporter_party_id").is_in(traders.implode()))
        if want_docs:
            assert theirs.height >= 3
            paid = theirs.join(tx, left_on="payment_txn_id", right_on="txn_id")
            assert (paid["invoice_value"] == paid["amount"]).all()
            other = theirs.select(pl.concat_list("importer_party_id", "exporter_party_id")).explode("importer_party_id")
            countries = parties.filter(pl.col("party_id").is_in(other["importer_party_id"].implode()))["country"]
            assert set(countries) & set(XB_TRADE_COUNTRIES)
        else:
            assert theirs.height == 0


def test_congregations_students_and_remittance_families(world: Path) -> None:
    tx = _txns(world)
    for acc in _owned(world, "npo_congregation")["account_id"]:
        gifts = tx.filter((pl.col("to_account") == acc) & (pl.col("reference") == "DONATION"))
        assert gifts["timestamp"].dt.week().n_unique() >= 40  # every week
        assert gifts["timestamp"].dt.weekday().n_unique() == 1  # on the day of worship
        assert gifts["from_account"].n_unique() >= 6
        assert tx.filter((pl.col("from_account") == acc) & (pl.col("reference") == "SALARY")).height >= 12
    students = _owned(world, "student")["account_id"]
    inbound = tx.filter(pl.col("to_account").is_in(students.implode()) & pl.col("channel").is_in(["remittance", "wire"]))
    assert inbound["to_account"].n_unique() >= 5
    tuition = tx.filter(pl.col("from_account").is_in(students.implode()) & (pl.col("reference") == "TUITION"))
    assert tuition.height >= 5
    fam = _owned(world, "remittance_family")["account_id"]
    rem = tx.filter(pl.col("to_account").is_in(fam.implode()) & (pl.col("reference") == "FAMILY SUPPORT"))
    assert rem.group_by("to_account").agg(pl.col("month").n_unique().alias("m"))["m"].median() >= 10


def test_clean_profile_has_no_everyday_world(tmp_path: Path) -> None:
    m = write(tmp_path, make_config(UNITS, seed=5, transactions=5_000, profile="clean"), UNITS)
    assert "background" not in m["files"] and not (tmp_path / "background.parquet").exists()
    tx = _t(tmp_path, "transactions")
    assert tx.filter(pl.col("reference").is_in(["UTILITY BILL", "PHONE BILL", "BENEFIT"])).height == 0
