"""Planted parties that also meet another typology's definition are labelled for it too
(datagen.crosslabel), on handcrafted tables, and on a generated population."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from datagen.crosslabel import cross_labels
from datagen.finalize import contract_schema
from datagen.generate import make_config, write
from typologies import registry

UNITS = registry.units()
READINGS = {tid: u.reading for tid, u in UNITS.items() if u.reading is not None}

T0 = datetime(2026, 3, 2, 9, 0)


class Tables:
    """Contract frames built row by row (amounts in USD, so no FX rows are needed)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, object]]] = {
            t: [] for t in ("parties", "accounts", "transactions", "labels", "trade_documents", "cash_declarations")}
        self.n = 0

    def party(self, pid: str, ptype: str = "individual", country: str = "SG", **kw: object) -> str:
        self.rows["parties"].append({"party_id": pid, "party_type": ptype, "name": f"Name {pid}",
                                     "country": country, **kw})
        self.rows["accounts"].append({"account_id": f"A-{pid}", "party_id": pid, "institution_id": "BANK",
                                      "country": country, "account_type": "npo" if ptype == "npo" else "current",
                                      "currency": "USD"})
        return f"A-{pid}"

    def txn(self, ts: datetime, src: str, dst: str, usd: float, channel: str = "wire", **kw: object) -> str:
        self.n += 1
        tid = f"T{self.n:04d}"
        self.rows["transactions"].append({"txn_id": tid, "timestamp": ts, "channel": channel, "from_account": src,
                                          "to_account": dst, "amount": usd, "currency": "USD", **kw})
        return tid

    def label(self, typology: str, inst: str, pid: str, role: str = "subject") -> None:
        self.rows["labels"].append({"typology_id": typology, "instance_id": inst, "entity_type": "party",
                                    "entity_id": pid, "role": role})

    def frames(self) -> dict[str, pl.DataFrame]:
        out = {}
        for name, rows in self.rows.items():
            schema = contract_schema(name)
            out[name] = pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)
        out["fx_rates"] = pl.DataFrame({"date": [date(2026, 3, 1)], "currency": ["EUR"], "rate_to_base": [1.1]},
                                       schema=contract_schema("fx_rates"))
        return out


def _pass_through(t: Tables, acct: str, start: datetime, share: float = 0.95) -> None:
    for i in range(3):
        t.txn(start + timedelta(days=5 * i), "EXT-IN", acct, 9000)
        t.txn(start + timedelta(days=5 * i, hours=20), acct, "EXT-OUT", round(9000 * share, 2))


def test_a_planted_party_meeting_another_definition_is_labelled_for_it() -> None:
    t = Tables()
    hop = t.party("HOP")  # a layering hop that is also a rapid pass-through account
    _pass_through(t, hop, T0)
    t.label("ML-NET-04", "ML-NET-04:0001", "HOP")
    slow = t.party("SLOW")  # planted too, but keeps the money for a week
    for i in range(3):
        t.txn(T0 + timedelta(days=8 * i), "EXT-IN", slow, 9000)
        t.txn(T0 + timedelta(days=8 * i + 5), slow, "EXT-OUT", 8900)
    t.label("ML-NET-04", "ML-NET-04:0002", "SLOW")
    plain = t.party("PLAIN")  # ordinary population: never labelled, whatever it does
    _pass_through(t, plain, T0)
    extra, report = cross_labels(t.frames(), READINGS)
    hop_txns = sorted(r["txn_id"] for r in t.rows["transactions"] if hop in (r["from_account"], r["to_account"]))
    inst = "TF-PASS-01:ML-NET-04:0001/HOP"
    assert extra.filter(pl.col("role") == "subject").to_dicts() == [
        {"typology_id": "TF-PASS-01", "instance_id": inst, "entity_type": "party", "entity_id": "HOP",
         "role": "subject"}]
    ev = extra.filter(pl.col("role") == "evidence")
    assert set(ev["instance_id"]) == {inst} and set(ev["entity_type"]) == {"transaction"}
    assert sorted(ev["entity_id"]) == hop_txns  # the three credits and the debits forwarding them
    assert report == {"cross_labelled": {"TF-PASS-01": 1}, "lookalikes_meeting": {}}


@pytest.mark.parametrize("share,expected", [(0.905, 1), (0.895, 0)])
def test_the_pass_through_reading_follows_the_catalogue_threshold(share: float, expected: int) -> None:
    t = Tables()
    t.label("TF-CASH-02", "TF-CASH-02:0001", "M1", "mule")
    acct = t.party("M1")
    t.txn(T0, "EXT-IN", acct, 22000)
    t.txn(T0 + timedelta(hours=20), acct, "EXT-OUT", round(22000 * share, 2))
    extra, _ = cross_labels(t.frames(), READINGS)
    assert extra.filter(pl.col("role") == "subject").height == expected


def test_the_pass_through_reading_lets_money_arrived_first_leave_first() -> None:
    t = Tables()
    t.label("ML-NET-05", "ML-NET-05:0001", "H1")
    acct = t.party("H1")
    for i in range(8):  # spending before the burst, out of a balance not on file
        t.txn(T0 - timedelta(days=100 - 10 * i), acct, "SHOP", 1000, channel="card_payment")
    t.txn(T0, "EXT-IN", acct, 12000)
    t.txn(T0 + timedelta(hours=12), "EXT-IN", acct, 12000)
    t.txn(T0 + timedelta(days=2), acct, "EXT-OUT", 14000)
    t.txn(T0 + timedelta(days=3, hours=6), acct, "EXT-OUT", 16000)
    # both credits left within 72 hours; the last 6,000 came out of the earlier balance
    extra, _ = cross_labels(t.frames(), READINGS)
    assert extra.filter(pl.col("role") == "subject")["entity_id"].to_list() == ["H1"]
    late = Tables()
    late.label("ML-NET-05", "ML-NET-05:0001", "H1")
    acct = late.party("H1")
    late.txn(T0, "EXT-IN", acct, 24000)
    late.txn(T0 + timedelta(days=3, hours=1), acct, "EXT-OUT", 24000)  # one hour too late
    assert cross_labels(late.frames(), READINGS)[0].height == 0


def test_corridor_npo_diversion_and_listed_names() -> None:
    t = Tables()
    # a funnel account wiring 12,000 to a high-risk jurisdiction within 30 days
    funnel = t.party("F1")
    t.txn(T0, funnel, "EXT-IR", 7000, beneficiary_country="IR", originator_country="SG")
    t.txn(T0 + timedelta(days=20), funnel, "EXT-IR", 5000, beneficiary_country="IR", originator_country="SG")
    t.label("TF-CASH-02", "TF-CASH-02:0001", "F1")
    # a pass-through NPO forwarding its donations to one individual
    npo = t.party("N1", "npo", npo_operating_countries=["SG"])
    person = t.party("B1")
    t.txn(T0, "EXT-DONOR", npo, 15000, channel="domestic_transfer")
    t.txn(T0 + timedelta(days=2), npo, person, 14000, channel="domestic_transfer")
    t.label("TF-NPO-02", "TF-NPO-02:0001", "N1")
    # a party paying a listed name (the first entry of the shipped excerpt of the UN list)
    from datagen.planters._names import listed

    payer = t.party("S1")
    t.txn(T0, payer, "EXT-X", 900, beneficiary_name=listed()[0].full.title())
    t.label("ML-NET-06", "ML-NET-06:0001", "S1")
    extra, report = cross_labels(t.frames(), READINGS)
    got = {(r["typology_id"], r["entity_id"]) for r in extra.filter(pl.col("role") == "subject").to_dicts()}
    assert got == {("TF-XB-01", "F1"), ("TF-NPO-01", "N1"), ("SAN-02", "S1")}
    evidence = {(r["typology_id"], r["entity_id"]) for r in extra.filter(pl.col("role") == "evidence").to_dicts()}
    assert evidence == {("TF-XB-01", "T0001"), ("TF-XB-01", "T0002"), ("TF-NPO-01", "T0004"), ("SAN-02", "T0005")}
    assert report["cross_labelled"] == {"SAN-02": 1, "TF-NPO-01": 1, "TF-XB-01": 1}


def _doc(t: Tables, trade_id: str, exporter: str, importer: str, payment: str | None, **kw: object) -> None:
    t.rows["trade_documents"].append({
        "trade_id": trade_id, "date": T0.date(), "exporter_party_id": exporter, "importer_party_id": importer,
        "hs_code": "845811", "quantity": 1.0, "invoice_value": 100_000.0, "currency": "USD",
        "origin_country": "DE", "destination_country": "SG", "shipment_ref": f"BL-{trade_id}",
        "payment_txn_id": payment, **kw})


def test_strategic_goods_paid_by_a_third_party_are_also_a_phantom_shipment_payment() -> None:
    """TF-TBML-04's "paid by a party other than the declared importer" is TF-TBML-02's "comes
    from a party other than the importer": both traders of such a document are labelled for
    TF-TBML-02 too, with the document and its payment; a document paid by its importer (on
    file, or not on file under its own name) is not."""
    t = Tables()
    exp, imp = t.party("EXP", "business", "DE"), t.party("IMP", "business")
    t.rows["parties"].append({"party_id": "FOR", "party_type": "business", "name": "Far Traders Ltd",
                              "country": "DE"})  # a foreign trader: on file, its account not
    pay1 = t.txn(T0, "EXT-HK", exp, 100_000, originator_name="Harbour Trading Ltd")  # a third party pays
    _doc(t, "INV1", "EXP", "IMP", pay1)
    t.label("TF-TBML-04", "TF-TBML-04:0001", "IMP")
    t.label("TF-TBML-04", "TF-TBML-04:0001", "EXP", "counterparty")
    pay2 = t.txn(T0, "EXT-FOR", exp, 100_000, originator_name=" far traders LTD")  # the importer pays
    _doc(t, "INV2", "EXP", "FOR", pay2)
    pay3 = t.txn(T0, imp, exp, 100_000)
    _doc(t, "INV3", "EXP", "IMP", pay3)
    t.label("TF-TBML-04", "TF-TBML-04:0002", "FOR")
    extra, report = cross_labels(t.frames(), READINGS)
    assert report["cross_labelled"] == {"TF-TBML-02": 2}
    got = {(r["instance_id"], r["entity_type"], r["entity_id"]) for r in extra.to_dicts()}
    for party in ("IMP", "EXP"):
        inst = f"TF-TBML-02:TF-TBML-04:0001/{party}"
        assert {(inst, "party", party), (inst, "trade_document", "INV1"), (inst, "transaction", pay1)} <= got
    assert not any("FOR" in r[0] or r[2] in ("INV2", "INV3", pay2, pay3) for r in got)


def test_a_party_already_labelled_for_the_typology_gets_no_second_label() -> None:
    t = Tables()
    _pass_through(t, t.party("P1"), T0)
    t.label("TF-PASS-01", "TF-PASS-01:0001", "P1")
    t.label("ML-NET-04", "ML-NET-04:0001", "P1")
    extra, _ = cross_labels(t.frames(), READINGS)
    assert extra.height == 0


def test_a_lookalike_meeting_a_definition_is_reported_not_labelled() -> None:
    t = Tables()
    _pass_through(t, t.party("L1"), T0)
    t.label("benign:chain_with_retention", "benign:chain_with_retention:0001", "L1")
    extra, report = cross_labels(t.frames(), READINGS)
    assert extra.height == 0
    assert report["lookalikes_meeting"] == {"benign:chain_with_retention": ["TF-PASS-01"]}


@pytest.mark.parametrize("profile", ["realistic", "clean", "hard"])
def test_generated_lookalikes_meet_no_definition(tmp_path: Path, profile: str) -> None:
    m = write(tmp_path, make_config(UNITS, seed=5, transactions=60_000, profile=profile), UNITS)
    assert m["lookalikes_meeting_other_definitions"] == {}
    assert m["cross_labelled"].get("TF-PASS-01", 0) > 0  # layering hops and cycle members pass money on
    lab = pl.read_parquet(tmp_path / "labels.parquet")
    cross = lab.filter(pl.col("instance_id").str.contains("/") & (pl.col("role") == "subject"))
    assert cross.height == sum(m["cross_labelled"].values())
    assert set(cross["entity_type"]) == {"party"}
    evidence = lab.filter(pl.col("instance_id").str.contains("/") & (pl.col("role") == "evidence"))
    assert set(evidence["instance_id"]) == set(cross["instance_id"])  # each instance shows its transactions
    # evidence is transactions, and the trade documents of trade typologies (TF-TBML-02)
    assert set(evidence["entity_type"]) <= {"transaction", "trade_document"}
    for kind, table, key in (("transaction", "transactions", "txn_id"), ("trade_document", "trade_documents", "trade_id")):
        ids = set(evidence.filter(pl.col("entity_type") == kind)["entity_id"])
        assert ids <= set(pl.read_parquet(tmp_path / f"{table}.parquet")[key])
    # each one names a planted instance the party takes part in, of another typology
    for row in cross.iter_rows(named=True):
        tid, rest = row["instance_id"].split(":", 1)
        inst, party = rest.rsplit("/", 1)
        assert tid == row["typology_id"] and party == row["entity_id"]
        assert not inst.startswith(tid) and not inst.startswith("benign:")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["cross_labelled"] == m["cross_labelled"]
