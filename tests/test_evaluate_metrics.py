"""Evaluation maths on a tiny handmade labels/alerts set."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest
from typo_fixtures import account, db, party

from engine import evaluate as ev
from engine.errors import CtfmonError


def _alert(con, aid, tid, stype, sid, evidence):
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, ?, ?, 0.5, NULL, NULL, ?, 'x', '{}', 'S1', ?)",
        [aid, tid, stype, sid, evidence, datetime(2026, 1, 1)],
    )


LABELS = pl.DataFrame(
    [
        # TF-CASH-01: two planted instances; I1 subject P1 (mule P9), I2 subject P2
        ("TF-CASH-01", "I1", "party", "P1", "subject"),
        ("TF-CASH-01", "I1", "party", "P9", "mule"),
        ("TF-CASH-01", "I1", "transaction", "T1", "evidence"),
        ("TF-CASH-01", "I1", "transaction", "T2", "evidence"),
        ("TF-CASH-01", "I2", "party", "P2", "subject"),
        ("TF-CASH-01", "I2", "transaction", "T3", "evidence"),
        # a benign look-alike: alerting on P3 is a false positive
        ("benign:payroll_cash", "B1", "party", "P3", "subject"),
        # TF-DORM-01: subject labelled by party, alert raised on its account (owner on file)
        ("TF-DORM-01", "I3", "party", "P4", "subject"),
        ("TF-DORM-01", "I3", "transaction", "T9", "evidence"),
        # account subject whose owner is not on file
        ("TF-DORM-01", "I4", "account", "EXT1", "subject"),
    ],
    schema=list(ev.LABEL_COLUMNS),
    orient="row",
)


def _db(con=None):
    con = con if con is not None else db()
    for p in ("P1", "P2", "P3", "P4", "P9"):
        party(con, p)
    account(con, "A4", "P4")
    _alert(con, "a1", "TF-CASH-01", "party", "P1", ["T1", "T5"])
    _alert(con, "a2", "TF-CASH-01", "party", "P9", ["T2"])
    _alert(con, "a3", "TF-CASH-01", "party", "P3", ["T7"])
    _alert(con, "a4", "TF-DORM-01", "account", "A4", ["T9"])
    return con


def test_subject_and_evidence_precision_recall():
    res = ev.evaluate(_db(), LABELS)
    cash = res["typologies"]["TF-CASH-01"]
    # instances: I1 recalled via subject P1, I2 missed
    assert (cash["instances"], cash["instances_recalled"]) == (2, 1)
    # alerted subjects P1, P9 (participant: mule), P3 (benign) -> 2 of 3
    assert (cash["alerted_subjects"], cash["true_subjects"]) == (3, 2)
    assert cash["subject"] == {"precision": 0.6667, "recall": 0.5, "f1": round(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), 4)}
    # evidence: alerted {T1, T2, T5, T7}; labelled {T1, T2, T3} -> hits 2
    assert cash["evidence"]["precision"] == 0.5 and cash["evidence"]["recall"] == 0.6667
    dorm = res["typologies"]["TF-DORM-01"]
    # account alert on A4 counts for owner P4; EXT1 instance is missed
    assert (dorm["instances"], dorm["instances_recalled"], dorm["true_subjects"]) == (2, 1, 1)
    assert dorm["subject"]["precision"] == 1.0 and dorm["subject"]["recall"] == 0.5
    assert "benign:payroll_cash" not in res["typologies"]
    # micro-average over both typologies
    tot = res["all"]
    assert (tot["instances"], tot["instances_recalled"], tot["alerted_subjects"], tot["true_subjects"]) == (4, 2, 4, 3)
    assert tot["subject"]["precision"] == 0.75 and tot["subject"]["recall"] == 0.5
    assert tot["evidence"]["precision"] == 0.6 and tot["evidence"]["recall"] == 0.75


def test_subjects_planted_for_another_typology_are_reported_apart():
    con = _db()
    # P4 is TF-DORM-01's subject; a TF-CASH-01 alert on it is "other planted", not innocent
    _alert(con, "a5", "TF-CASH-01", "party", "P4", ["T8"])
    cash = ev.evaluate(con, LABELS)["typologies"]["TF-CASH-01"]
    assert (cash["alerted_subjects"], cash["true_subjects"], cash["other_planted_subjects"]) == (4, 2, 1)
    assert cash["subject"]["precision"] == 0.5
    # leaving P4 out: 2 true of 3 (P3, a benign look-alike, still counts against)
    assert cash["subject_excluding_other_planted"]["precision"] == 0.6667
    assert cash["subject_excluding_other_planted"]["recall"] == cash["subject"]["recall"]


def test_typology_filter_and_missing_alerts():
    res = ev.evaluate(_db(), LABELS, typology_ids=["TF-DORM-01"])
    assert list(res["typologies"]) == ["TF-DORM-01"]
    empty = ev.evaluate(db(), LABELS)
    assert empty["typologies"]["TF-CASH-01"]["subject"]["recall"] == 0.0
    assert empty["typologies"]["TF-CASH-01"]["subject"]["precision"] is None


def test_load_labels_formats_and_directory(tmp_path):
    LABELS.write_csv(tmp_path / "labels.csv")
    LABELS.write_parquet(tmp_path / "l.parquet")
    LABELS.write_ndjson(tmp_path / "l.jsonl")
    assert ev.load_labels(tmp_path / "labels.csv").height == LABELS.height
    assert ev.load_labels(tmp_path / "l.parquet").height == LABELS.height
    assert ev.load_labels(tmp_path / "l.jsonl").height == LABELS.height
    d = tmp_path / "gen"
    d.mkdir()
    LABELS.write_parquet(d / "labels.parquet")
    assert ev.load_labels(d).height == LABELS.height
    (tmp_path / "empty").mkdir()
    with pytest.raises(CtfmonError, match="no labels"):
        ev.load_labels(tmp_path / "empty")
    with pytest.raises(CtfmonError, match="does not exist"):
        ev.load_labels(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CtfmonError, match="lacks column"):
        ev.load_labels(tmp_path / "bad.csv")


def test_json_written(tmp_path):
    res = ev.evaluate(_db(), LABELS)
    out = ev.write_json(res, tmp_path / "out" / "eval.json")
    assert '"TF-CASH-01"' in out.read_text()


BACKGROUND = pl.DataFrame({"party_id": ["P5", "P6", "P7"], "kind": ["payroll_employer", "biller", "payroll_employer"]})


def _budget_db(con=None):
    """P1-P4, P9 take part in labels; P5-P8 are background (P8 has no kind)."""
    con = _db(con)
    for p in ("P5", "P6", "P7", "P8"):
        party(con, p)
    account(con, "A6", "P6")
    _alert(con, "b1", "TF-CASH-01", "party", "P5", ["T20"])
    _alert(con, "b2", "TF-CASH-01", "party", "P5", ["T21"])  # a second row on the same party
    _alert(con, "b3", "TF-CASH-01", "account", "A6", ["T22"])  # counts for its owner P6
    _alert(con, "b4", "TF-DORM-01", "party", "P7", ["T23"])
    _alert(con, "b5", "TF-DORM-01", "party", "P5", ["T24"])  # P5 again, other typology
    _alert(con, "b6", "TF-DORM-01", "party", "P8", ["T25"])
    _alert(con, "b7", "TF-DORM-01", "account", "EXT9", ["T26"])  # unowned, unlabelled account
    _alert(con, "b8", "TF-DORM-01", "account", "EXT1", ["T27"])  # unowned but labelled: not background
    return con


def test_alert_budget_counts_background_parties_and_their_kinds():
    res = ev.evaluate(_budget_db(), LABELS, background=BACKGROUND)
    # parties on file: P1-P9 except none missing = 9; labelled participants P1, P2, P3, P4, P9 -> 4 background
    assert res["population"] == {"parties": 9, "background_parties": 4, "background_kinds_known": True}
    cash = res["typologies"]["TF-CASH-01"]
    assert cash["alert_rows"] == 6  # a1-a3 and b1-b3
    assert cash["background_parties_alerted"] == 2  # P5, P6 (via A6); P3 is a look-alike, not background
    assert cash["background_per_1000"] == 500.0 and cash["background_share"] == 0.5
    assert cash["background_accounts_alerted"] == 0
    assert cash["false_positive_kinds"] == [{"kind": "biller", "parties": 1}, {"kind": "payroll_employer", "parties": 1}]
    dorm = res["typologies"]["TF-DORM-01"]
    assert dorm["alert_rows"] == 6  # a4 and b4-b8
    assert dorm["background_parties_alerted"] == 3  # P5, P7, P8
    assert dorm["background_accounts_alerted"] == 1  # EXT9 only
    assert dorm["false_positive_kinds"] == [{"kind": "payroll_employer", "parties": 2}, {"kind": "unknown", "parties": 1}]
    tot = res["all"]
    # each background party counted once over all typologies: P5, P6, P7, P8
    assert tot["background_parties_alerted"] == 4 and tot["background_per_1000"] == 1000.0
    assert tot["alert_rows"] == 12
    assert tot["false_positive_kinds"][0] == {"kind": "payroll_employer", "parties": 2}
    # restricted to one typology, the overall figures follow
    only = ev.evaluate(_budget_db(), LABELS, typology_ids=["TF-CASH-01"], background=BACKGROUND)
    assert only["all"]["background_parties_alerted"] == 2 and only["all"]["alert_rows"] == 6


def test_alert_budget_without_background_file(tmp_path):
    res = ev.evaluate(_budget_db(), LABELS)
    assert res["population"]["background_kinds_known"] is False
    assert res["all"]["false_positive_kinds"] == [{"kind": "unknown", "parties": 4}]
    assert ev.load_background(tmp_path) is None
    LABELS.write_parquet(tmp_path / "labels.parquet")
    BACKGROUND.write_csv(tmp_path / "background.csv")
    assert ev.load_background(tmp_path / "labels.parquet").height == 3
    assert ev.load_background(tmp_path).height == 3
    (tmp_path / "background.csv").write_text("who,what\n1,2\n")
    with pytest.raises(CtfmonError, match="background file .* lacks column"):
        ev.load_background(tmp_path)


def test_cli_prints_and_writes_the_budget_with_kinds_from_the_labels_directory(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app
    from engine import store

    path = tmp_path / "x.duckdb"
    con = store.connect(str(path))
    _budget_db(con)
    con.close()
    labels = tmp_path / "gen"
    labels.mkdir()
    LABELS.write_parquet(labels / "labels.parquet")
    BACKGROUND.write_parquet(labels / "background.parquet")
    out = tmp_path / "eval.json"
    r = CliRunner().invoke(app, ["evaluate", "--labels", str(labels), "--db", str(path), "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "false positives by everyday kind" in r.output and "payroll_employer 2" in r.output
    res = json.loads(out.read_text())
    assert res["all"]["background_parties_alerted"] == 4
    assert res["typologies"]["TF-CASH-01"]["false_positive_kinds"][0] == {"kind": "biller", "parties": 1}
