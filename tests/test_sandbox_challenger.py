"""Sandbox scans keep their alerts apart; a challenger runs in shadow beside scheduled scans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typo_fixtures import T0, account, days, db, party, txn

from engine import challengers, sandbox, tuning, tuning_labels
from engine.errors import CtfmonError
from services import scans
from typologies import registry

CATALOGUE = registry.catalogue()


def _structuring_db():
    con = db()
    party(con, "P1")
    account(con, "A1", "P1")
    for i, a in enumerate([9400, 9950, 9500]):
        txn(con, f"T{i}", T0 + days(i), "cash_deposit", a, to_account="A1")
    party(con, "P2")
    account(con, "A2", "P2")
    for i, a in enumerate([9300, 9900]):
        txn(con, f"U{i}", T0 + days(i), "cash_deposit", a, to_account="A2")
    return con


def test_a_sandbox_stores_apart_opens_no_case_and_compares_with_live():
    con = _structuring_db()
    sb = scans.run_scan(con, CATALOGUE, actor="t", triggered_by="t", typology_ids=["TF-CASH-01"],
                        params={"TF-CASH-01": {"min_transactions": 2}})
    assert sb.result.mode == "sandbox" and sb.result.total_alerts == 2
    assert con.execute("SELECT count(*) FROM alerts").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 0
    live = scans.run_scan(con, CATALOGUE, actor="t", triggered_by="t", typology_ids=["TF-CASH-01"])
    assert live.result.mode == "live" and live.cases.cases_created == 1
    cmp = sandbox.compare(con, sb.result.scan_id)
    assert cmp["live_scan_id"] == live.result.scan_id
    assert (cmp["totals"]["added"], cmp["totals"]["removed"], cmp["totals"]["unchanged"]) == (1, 0, 1)
    (added,) = cmp["typologies"]["TF-CASH-01"]["ids"]["added"]
    assert con.execute("SELECT subject_id FROM sandbox_alerts WHERE alert_id = ?", [added]).fetchall() == [("P2",)]


def test_a_challenger_runs_in_shadow_on_scheduled_scans_within_its_period():
    con = _structuring_db()
    typ = CATALOGUE.typology("TF-CASH-01")
    with pytest.raises(CtfmonError, match="reason"):
        challengers.create(con, typ, {"min_transactions": 4}, reason="", starts_at=T0, ends_at=T0 + days(30), actor="a")
    ch = challengers.create(con, typ, {"min_transactions": 4}, reason="fewer alerts", starts_at=T0 - days(1),
                            ends_at=T0 + days(30), actor="a")
    old = challengers.create(con, typ, {"min_transactions": 2}, reason="over", starts_at=T0 - days(60),
                             ends_at=T0 - days(30), actor="a")
    live, _synced = scans.run_scheduled(con, CATALOGUE, lookback_days=None, typology_ids=["TF-CASH-01"],
                                        actor="schedule:S1")
    (run,) = challengers.runs(con, ch["challenger_id"])
    assert challengers.runs(con, old["challenger_id"]) == []  # outside its period
    assert run["live_scan_id"] == live.scan_id
    cmp = sandbox.compare(con, run["shadow_scan_id"], run["live_scan_id"])
    assert cmp["mode"] == "shadow" and cmp["totals"] == {"added": 0, "removed": 1, "unchanged": 0}
    removed = cmp["typologies"]["TF-CASH-01"]["ids"]["removed"]
    assert challengers.dispositions(con, removed) == {"new": 1}
    challengers.stop(con, ch["challenger_id"], actor="a")
    scans.run_scheduled(con, CATALOGUE, lookback_days=None, typology_ids=["TF-CASH-01"], actor="schedule:S1")
    assert len(challengers.runs(con, ch["challenger_id"])) == 1
    window = con.execute("SELECT DISTINCT window_start, window_end FROM scans WHERE mode <> 'sandbox'").fetchall()
    assert len(window) == 1  # the shadow scan read the live scan's window


def test_sweep_measures_each_value_and_recommends():
    con = _structuring_db()
    labels = tuning_labels.LabelSet(source="test", instances={"i1": {("party", "P1")}}, positives={("party", "P1")})
    res = tuning.sweep(con, CATALOGUE, "TF-CASH-01", "min_transactions", ["2", "4"], labels=labels)
    by = {p["value"]: p for p in res["points"]}
    assert set(by) == {2, 3, 4} and by[3]["live"]
    assert (by[2]["alerts"], by[2]["precision"], by[2]["recall"]) == (2, 0.5, 1.0)
    assert (by[3]["alerts"], by[3]["precision"], by[3]["recall"], by[3]["f1"]) == (1, 1.0, 1.0, 1.0)
    assert (by[4]["alerts"], by[4]["recall"]) == (0, 0.0)
    assert tuning.recommend(res["points"], target_recall=1.0)["value"] == 3
    assert tuning.recommend(res["points"], alert_budget=0)["value"] == 4
    assert tuning.recommend(res["points"], alert_budget=5)["value"] == 3
    assert con.execute("SELECT count(*) FROM alerts").fetchall()[0][0] == 0
    with pytest.raises(CtfmonError, match="min_transactions"):
        tuning.sweep(con, CATALOGUE, "TF-CASH-01", "min_transactions", ["lots"], labels=labels)
    assert timedelta(0) <= res["window_end"] - res["window_start"]
