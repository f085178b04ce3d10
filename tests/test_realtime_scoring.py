"""Real-time scoring (POST /score/...): verdicts equal to a batch scan's for the same rules,
bad input refused with the field named and nothing written, who may score, the decision
record, live parameters, and the fast validation path agreeing with the ingest."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api_support import Clients

from engine import ingest, scan, schema
from engine.realtime.fastcheck import FastCheck
from engine.realtime.records import check
from engine.screening import lists
from engine.typology_params import set_typology_params

SCREENING = Path(__file__).parent / "data" / "screening"
RULES = ("SAN-02", "TF-XB-01", "TF-CASH-01")

PARTIES = [{"party_id": f"P{i}", "party_type": t, "name": n, "country": "SG"} for i, t, n in (
    (1, "individual", "Lim Wei Ming"), (2, "individual", "Tan Ah Kow"), (3, "business", "Harbour Textiles Pte Ltd"),
    (4, "individual", "Ayesha Siddiqui"), (5, "individual", "Chen Mei Ling"), (6, "individual", "Rajesh Kumar"),
    (7, "individual", "Nurul Huda"), (8, "individual", "Goh Boon Hock"), (9, "individual", "Farid Rahman"))]
ACCOUNTS = [{"account_id": f"A{i}", "party_id": f"P{i}", "institution_id": "BANKSG", "country": "SG",
             "account_type": "current", "currency": "USD"} for i in range(1, 10)]


def _t(txn_id: str, ts: str, channel: str, amount: float, src: str | None = None, dst: str | None = None,
       **kw: Any) -> dict[str, Any]:
    row = {"txn_id": txn_id, "timestamp": ts, "channel": channel, "amount": str(amount), "currency": "USD"}
    if src:
        row["from_account"] = src
    if dst:
        row["to_account"] = dst
    return {**row, **kw}


#: On file before the stream: relationships of three months (a supplier in Pakistan, a
#: student's parents), an individual's small monthly transfers to Syria.
HISTORY = [
    *[_t(f"H3-{m}", f"2026-0{m}-05T10:00:00", "wire", 4000, "A3", "SUP-PK", beneficiary_country="PK")
      for m in (1, 2, 3)],
    *[_t(f"H4-{m}", f"2026-0{m}-06T10:00:00", "remittance", 1500, "PARENT-PK", "A4", originator_country="PK")
      for m in (1, 2, 3)],
    *[_t(f"H9-{m}", f"2026-0{m}-25T10:00:00", "remittance", 1000, "A9", "FAM-SY", beneficiary_country="SY")
      for m in (1, 2, 3)],
    _t("H6-1", "2026-02-10T10:00:00", "wire", 300, "A6", "EXT-J", beneficiary_name="John Smith"),
]

#: Scored live, in this order, each recorded.
STREAM = [
    _t("S1-1", "2026-04-01T09:00:00", "cash_deposit", 9500, dst="A1"),
    _t("S2-1", "2026-04-02T09:00:00", "wire", 6000, "A2", "X-SY1", beneficiary_country="SY"),
    _t("S1-2", "2026-04-03T09:00:00", "cash_deposit", 9600, dst="A1"),
    _t("S1-3", "2026-04-05T09:00:00", "cash_deposit", 9700, dst="A1"),
    _t("S7-1", "2026-04-05T11:00:00", "cash_deposit", 9100, dst="A7"),
    _t("S8-1", "2026-04-06T09:00:00", "cash_withdrawal", 8800, "A8"),
    _t("S3-1", "2026-04-10T09:00:00", "wire", 12000, "A3", "SUP-PK", beneficiary_country="PK"),
    _t("S4-1", "2026-04-12T09:00:00", "remittance", 15000, "PARENT-PK", "A4", originator_country="PK"),
    _t("S5-1", "2026-04-13T09:00:00", "wire", 500, "EXT-K", "A5", originator_name="Karim Abdelrazzaq Haddadin"),
    _t("S6-1", "2026-04-14T09:00:00", "wire", 700, "A6", "EXT-J", beneficiary_name="John Smith"),
    _t("S7-2", "2026-04-15T11:00:00", "cash_deposit", 9200, dst="A7"),
    _t("S8-2", "2026-04-16T09:00:00", "cash_withdrawal", 8900, "A8"),
    _t("S9-1", "2026-04-18T09:00:00", "remittance", 9000, "A9", "FAM-SY", beneficiary_country="SY"),
    _t("S2-2", "2026-04-20T09:00:00", "wire", 5000, "A2", "X-SY2", beneficiary_country="SY"),
    _t("S8-3", "2026-04-26T09:00:00", "cash_withdrawal", 8700, "A8"),
]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Clients]:
    c = Clients(seed=False)
    d = tmp_path / "data"
    d.mkdir()
    _write(d / "parties.csv", PARTIES)
    _write(d / "accounts.csv", ACCOUNTS)
    _write(d / "transactions.csv", HISTORY)
    doc = tmp_path / "lost.csv"
    doc.write_text("document_number,issuing_country,document_type,status,reported_on,source\n"
                   "AB 1234567,TH,passport,stolen,2026-01-10,police\n")
    with c.db.writing() as con:
        results, failed, _ = ingest.ingest_paths(con, [d])
        assert not failed and all(r.rows_quarantined == 0 for r in results)
        lists.load_list(con, SCREENING / "national_v1.csv", list_name="NAT")
        lists.load_list(con, doc)
    yield c
    c.app.state.scorer.stop()


def _score(c: Clients, t: dict[str, Any], role: str = "admin", record: bool = True) -> dict[str, Any]:
    r = c[role].post("/score/transaction", json={"transaction": t, "record": record})
    assert r.status_code == 200, r.text
    return r.json()


def test_realtime_verdicts_are_the_batch_scans(world: Clients) -> None:
    live = {t["txn_id"]: _score(world, t) for t in STREAM}
    flagged: dict[str, set[tuple[str, str]]] = {tid: set() for tid in RULES}
    for txn_id, dec in live.items():
        for h in dec["hits"]:
            flagged[h["typology_id"]].add((h["subject_id"], txn_id))
    # what fired, and why not elsewhere: the everyday relationships are excused
    assert {tid: sorted({s for s, _ in v}) for tid, v in flagged.items()} == {
        "SAN-02": ["P5"], "TF-XB-01": ["P2", "P9"], "TF-CASH-01": ["P1"]}
    assert live["S5-1"]["verdict"] == "block" and live["S1-3"]["verdict"] == "review"
    assert live["S3-1"]["verdict"] == live["S4-1"]["verdict"] == live["S6-1"]["verdict"] == "allow"
    with world.db.writing() as con:
        assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] == len(HISTORY) + len(STREAM)
        scan.run_scan(con, world.app.state.catalogue, typology_ids=list(RULES))
        alerts = con.execute("SELECT typology_id, subject_id, evidence FROM alerts").fetchall()
    batch: dict[str, dict[str, set[str]]] = {tid: {} for tid in RULES}
    for tid, subject, evidence in alerts:
        batch[tid].setdefault(subject, set()).update(evidence)
    streamed = {t["txn_id"] for t in STREAM}
    for tid in RULES:
        # the same parties ...
        assert {s for s, _ in flagged[tid]} == set(batch[tid]), tid
        # ... for the same transactions: each one fired is in the batch evidence, and each batch
        # alert's stream transactions include one that fired (the one completing the window)
        for subject, txn_id in flagged[tid]:
            assert txn_id in batch[tid][subject], (tid, subject, txn_id)
        for subject, evidence in batch[tid].items():
            assert {t for s, t in flagged[tid] if s == subject} & evidence & streamed, (tid, subject)


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(world: Clients) -> None:
    adm = world["admin"]
    base = STREAM[0]
    cases = [
        ({k: v for k, v in base.items() if k != "amount"}, "transaction: amount: missing required value"),
        ({**base, "amount": "12,5"}, "transaction: amount: not a number"),
        ({**base, "amount": "10.005"}, "transaction: amount: more than 2 decimals"),
        ({**base, "channel": "telepathy"}, "transaction: channel: not one of"),
        ({**base, "currency": "usd"}, "transaction: currency: not an ISO 4217"),
        ({**base, "timestamp": "yesterday"}, "transaction: timestamp: not an ISO 8601 timestamp"),
        ({**base, "from_account": "A2"}, "transaction: from_account: a cash_deposit has no from_account"),
        ({**base, "currency": "XAU"}, "transaction: currency: no FX rate for XAU"),
    ]
    for t, message in cases:
        r = adm.post("/score/transaction", json={"transaction": t, "record": True})
        assert r.status_code == 422, (t, r.text)
        assert r.json()["detail"].startswith(message), (message, r.json())
    r = adm.post("/score/transactions", json={"transactions": [STREAM[1], {**STREAM[2], "amount": "-3"}],
                                              "record": True})
    assert r.status_code == 422 and r.json()["detail"] == "transactions[1]: amount: amount must be greater than 0"
    assert adm.post("/score/transaction", json={"transaction": "S1"}).status_code == 422
    assert adm.post("/score/transactions", json={"transactions": []}).status_code == 422
    assert adm.get("/score/decisions").json() == []
    with world.db.reading() as con:
        assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] == len(HISTORY)
        assert con.execute("SELECT count(*) FROM ingest_batches WHERE file LIKE 'score:%'").fetchone()[0] == 0


def test_who_may_score_and_who_may_record(world: Clients) -> None:
    body = {"transaction": STREAM[0]}
    assert world.anon.post("/score/transaction", json=body).status_code == 401
    for role in ("analyst", "auditor"):
        r = world[role].post("/score/transaction", json=body)
        assert r.status_code == 403 and "allowed: supervisor, admin" in r.json()["detail"]
    assert world["supervisor"].post("/score/transaction", json=body).status_code == 200
    r = world["supervisor"].post("/score/transaction", json={**body, "record": True})
    assert r.status_code == 403 and "recording needs: admin" in r.json()["detail"]
    assert world["admin"].post("/score/transaction", json={**body, "record": True}).status_code == 200
    assert world["auditor"].get("/score/decisions").status_code == 200
    assert world.anon.get("/score/decisions").status_code == 401


def test_the_decision_record_and_the_recorded_transaction(world: Clients) -> None:
    for t in STREAM[:3]:
        _score(world, t, record=False)
    dec = _score(world, STREAM[3], role="supervisor", record=False)
    assert dec["verdict"] == "review" and dec["fired"] == ["TF-CASH-01"] and not dec["recorded"]
    stored = world["auditor"].get(f"/score/decisions/{dec['decision_id']}").json()
    assert stored["actor"] == "supervisor" and stored["inputs"] == STREAM[3] and stored["verdict"] == "review"
    assert stored["reasons"] == dec["reasons"] and stored["hits"][0]["evidence"] == ["S1-1", "S1-2", "S1-3"]
    assert set(stored["rule_versions"]) >= {*RULES, "TF-DOC-01", "lists", "risk_run"}
    assert stored["latency_ms"] > 0 and stored["kind"] == "transaction" and stored["record_id"] == "S1-3"
    assert world["admin"].get("/score/decisions/nope").status_code == 404
    with world.db.reading() as con:  # scored without record: nothing stored but the decisions
        assert con.execute("SELECT count(*) FROM transactions WHERE txn_id LIKE 'S%'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM score_decisions").fetchone()[0] == 4
    # recorded the way ingest stores it: base twin, batch row, external account; once
    t = {**STREAM[1], "currency": "EUR", "amount": "6000.10"}
    first = _score(world, t)
    again = _score(world, t)
    assert first["recorded"] and not first["already_on_file"]
    assert not again["recorded"] and again["already_on_file"]
    clash = world["admin"].post("/score/transaction", json={"transaction": {**t, "amount": "7000"}, "record": True})
    assert clash.status_code == 409 and "conflicting duplicate" in clash.json()["detail"]
    with world.db.reading() as con:
        rows = con.execute("SELECT t.amount, t.amount_base, b.file, b.rows_loaded FROM transactions t "
                           "JOIN ingest_batches b ON b.batch_id = t._batch_id WHERE t.txn_id = 'S2-1'").fetchall()
        assert len(rows) == 1 and str(rows[0][0]) == "6000.10" and rows[0][2:] == ("score:/score/transaction", 1)
        checked = check(con, "transactions", [t]).rows[0]
        assert checked is not None and rows[0][1] == checked["amount_base"]
        assert con.execute("SELECT count(*) FROM external_accounts WHERE account_id = 'X-SY1'").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM score_decisions WHERE record_id = 'S2-1'").fetchone()[0] == 3


def test_parameters_and_risk_tiers_are_the_live_ones(world: Clients) -> None:
    scorer = world.app.state.scorer
    assert _score(world, STREAM[4], record=False)["verdict"] == "allow"  # S7-1: one deposit in the band
    with world.db.writing() as con:
        set_typology_params(con, world.app.state.catalogue.typology("TF-CASH-01"), {"min_transactions": 2})
        con.execute("INSERT INTO party_risk_runs (run_id, rated_at, weights_version, weights_as_of, parties, "
                    "changed, tiers, seconds, triggered_by) VALUES ('R1', now(), 'w1', DATE '2026-01-01', 1, 1, '{}', 0, 'test')")
        con.execute("INSERT INTO party_risk_current VALUES ('P6', now(), 80, 'high', 'w1', 'score', 'R1', 'x')")
    scorer.refresh_now()
    dec = _score(world, STREAM[10], record=False)  # S7-2: the second, ten days later: still outside 7 days
    assert dec["verdict"] == "allow"
    dec = _score(world, {**STREAM[10], "txn_id": "S7-3", "timestamp": "2026-04-06T10:00:00"}, record=False)
    assert dec["fired"] == ["TF-CASH-01"] and len(dec["hits"][0]["evidence"]) == 2
    dec = _score(world, STREAM[9], record=False)
    assert dec["verdict"] == "review" and dec["fired"] == [] and dec["risk_tiers"] == {"P6": "high"}
    assert dec["reasons"] == ["party P6 is rated high risk"]


def test_declarations_listed_and_shared_documents(world: Clients) -> None:
    d = {"declaration_id": "D1", "timestamp": "2026-04-02T08:00:00", "traveller_name": "Somchai Prasert",
         "document_number": "ab1234567", "nationality": "TH", "direction": "outbound", "port": "SIN",
         "origin_country": "SG", "destination_country": "TH", "amount": "12000", "currency": "USD", "declared": True}
    r = world["admin"].post("/score/declaration", json={"declaration": d, "record": True}).json()
    assert r["verdict"] == "block" and r["fired"] == ["TF-DOC-01"] and r["recorded"]
    a = {**d, "declaration_id": "D2", "document_number": "ZX9876543", "traveller_name": "Ali Hassan"}
    assert world["admin"].post("/score/declaration", json={"declaration": a}).json()["verdict"] == "allow"
    b = {**a, "declaration_id": "D3", "traveller_name": "Maria Lopez", "timestamp": "2026-04-09T08:00:00"}
    r = world["admin"].post("/score/declaration", json={"declaration": b}).json()
    assert r["verdict"] == "review" and "2 different travellers" in r["reasons"][0]
    bad = world["admin"].post("/score/declaration", json={"declaration": {**d, "declared": "maybe"}})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("declaration: declared: not a boolean")


def test_the_fast_path_types_records_exactly_as_the_ingest_does(world: Clients) -> None:
    rng = random.Random(3)
    values = {
        "timestamp": ["2026-04-01T09:00:00", "2026-04-01 09:00:00.5", "2026-04-01T09:00:00Z", "2026-04-01T09:00:00+08:00",
                      "2026-04-01T09:00", "2026-04-01", "2026-04-01T23:59:60", "1800-01-01T00:00:00", " 2026-04-01T09:00:00 "],
        "channel": ["wire", "cash_deposit", "card_payment", "prepaid_load", "atm_withdrawal", "Wire", ""],
        "amount": ["9500", "9500.5", "0.01", "0", "1e3", "-5", "12.345", "007.10", 9500, 12.5, "9999999999999999.99",
                   " 100 "],
        "currency": ["USD", "EUR", "JPY", "GBP", "usd", "XAU", "BGN"],
        "from_account": ["A1", "X9", None, "", "A\x01"],
        "to_account": ["A2", "A1", None],
        "beneficiary_country": [None, "SY", "sy", "XK", "ZZ"],
        "originator_name": [None, "Karim Haddadin", "bad\x00name", "  padded  "],
        "merchant_category": [None, "4511", "451"],
        "reference": [None, "INVOICE 7"],
    }
    fc = FastCheck(world.db.con)
    fast_taken = 0
    with world.db.reading() as con:
        for i in range(400):
            rec = {"txn_id": f"R{i}"}
            plain = i % 2 == 0  # every other record from the first, plain values only
            for k, opts in values.items():
                v = rng.choice(opts[:2] if plain and k != "to_account" else opts)
                if v is not None:
                    rec[k] = v
            if not plain and rng.random() < 0.05:
                rec["extra_field"] = "x"
            fast = fc.row("transactions", rec)
            slow = check(con, "transactions", [rec])
            if fast is not None:
                fast_taken += 1
                assert slow.errors[0] is None and slow.rows[0] == fast, (rec, fast, slow)
    assert fast_taken > 50  # the fast path is taken for plain records
    # declarations too
    d = {"declaration_id": "D9", "timestamp": "2026-04-02T08:00:00Z", "traveller_name": "X", "direction": "inbound",
         "port": "SIN", "origin_country": "MY", "destination_country": "SG", "amount": "500.5", "currency": "MYR",
         "declared": "yes"}
    with world.db.reading() as con:
        assert fc.row("cash_declarations", d) == check(con, "cash_declarations", [d]).rows[0]
    assert set(schema.TABLES) >= {"transactions", "cash_declarations"}
