"""run_scan: stable ids and idempotence, failure isolation, parameters, windows, attribution,
the typology catalogue it records."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typo_fixtures import T0, account, days, db, party, txn

from engine import scan
from engine.detect.base import Alert, Params, ScanContext
from engine.detect.catalogue import Catalogue
from engine.detect.typology import Typology
from engine.errors import CtfmonError, NotFound
from typologies import registry

CATALOGUE = registry.catalogue()
CASH_01 = CATALOGUE.typology("TF-CASH-01")


def _structuring_db():
    con = db()
    party(con, "P1")
    account(con, "A1", "P1")
    for i, a in enumerate([9400, 9950, 9500]):
        txn(con, f"T{i}", T0 + days(i), "cash_deposit", a, to_account="A1")
    return con


def test_second_run_adds_nothing_and_ids_are_stable():
    con = _structuring_db()
    r1 = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"])
    r2 = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"])
    assert r1.counts == {"TF-CASH-01": 1} and r1.new_alerts == {"TF-CASH-01": 1}
    assert r2.counts == {"TF-CASH-01": 1} and r2.new_alerts == {"TF-CASH-01": 0}
    assert con.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1
    aid = con.execute("SELECT alert_id FROM alerts").fetchone()[0]
    assert aid == scan.alert_id("TF-CASH-01", "party", "P1", ["T2", "T0", "T1"])
    assert con.execute("SELECT count(*) FROM scans WHERE status = 'completed'").fetchone()[0] == 2


def test_scan_row_records_window_params_counts_and_timings():
    con = _structuring_db()
    res = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], params={"TF-CASH-01": {"min_transactions": 3}},
                        triggered_by="test")
    row = con.sql("SELECT * FROM scans WHERE scan_id = ?", params=[res.scan_id]).pl().row(0, named=True)
    assert row["window_start"] == T0 and row["window_end"] == T0 + days(2)
    assert json.loads(row["params"])["TF-CASH-01"]["min_transactions"] == 3
    assert json.loads(row["counts"]) == {"TF-CASH-01": {"alerts": 1, "new": 1}}
    assert "TF-CASH-01" in json.loads(row["timings"])
    assert row["triggered_by"] == "test" and row["status"] == "completed"


class _Boom(Typology):
    id = "TEST-BOOM"
    name = "always fails"
    description = "raises"

    def detect(self, ctx: ScanContext) -> list[Alert]:
        raise RuntimeError("detector exploded")


class _AccountAlert(Typology):
    id = "TEST-ACCT"
    name = "account subject"
    description = "alerts on accounts"

    class Params(Params):
        pass

    def detect(self, ctx: ScanContext) -> list[Alert]:
        return [Alert("account", a, 0.5, ctx.window_start, ctx.window_end, ["T0"], "x") for a in ("A1", "EXT")]


WITH_TEST_TYPOLOGIES = Catalogue([*CATALOGUE.values(), _Boom, _AccountAlert])


def test_failing_typology_keeps_others_alerts():
    con = _structuring_db()
    res = scan.run_scan(con, WITH_TEST_TYPOLOGIES, typology_ids=["TEST-BOOM", "TF-CASH-01"])
    assert res.status == "completed_with_errors"
    assert "detector exploded" in res.errors["TEST-BOOM"]
    assert res.counts["TF-CASH-01"] == 1
    assert con.execute("SELECT count(*) FROM alerts WHERE typology_id = 'TF-CASH-01'").fetchone()[0] == 1
    status, errors = con.execute("SELECT status, errors FROM scans WHERE scan_id = ?", [res.scan_id]).fetchone()
    assert status == "completed_with_errors" and "TEST-BOOM" in json.loads(errors)
    only = scan.run_scan(con, WITH_TEST_TYPOLOGIES, typology_ids=["TEST-BOOM"])
    assert only.status == "failed"


def test_account_subject_is_reattributed_to_owner():
    con = _structuring_db()
    scan.run_scan(con, WITH_TEST_TYPOLOGIES, typology_ids=["TEST-ACCT"])
    rows = sorted(con.execute("SELECT subject_type, subject_id FROM alerts").fetchall())
    assert rows == [("account", "EXT"), ("party", "P1")]


def test_parameter_validation_names_typology_and_parameter():
    con = _structuring_db()
    with pytest.raises(CtfmonError, match=r"TF-CASH-01.*unknown parameter 'nope'"):
        scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], params={"TF-CASH-01": {"nope": 1}})
    with pytest.raises(CtfmonError, match=r"TF-CASH-01: parameter 'min_transactions'.*integer"):
        scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], params={"TF-CASH-01": {"min_transactions": "many"}})
    with pytest.raises(CtfmonError, match=r"TF-CASH-01: parameter 'low_ratio'"):
        scan.set_typology_params(con, CASH_01, {"low_ratio": 1.5})
    with pytest.raises(NotFound):
        scan.run_scan(con, CATALOGUE, typology_ids=["NO-SUCH"])
    assert con.execute("SELECT count(*) FROM scans").fetchone()[0] == 0


def test_parameter_resolution_order():
    con = _structuring_db()
    assert scan.get_typology_params(con, CASH_01)["min_transactions"] == 3
    eff = scan.set_typology_params(con, CASH_01, {"min_transactions": "4"})
    assert eff["min_transactions"] == 4 and scan.get_typology_params(con, CASH_01)["min_transactions"] == 4
    assert scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"]).counts["TF-CASH-01"] == 0  # stored override
    res = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], params={"TF-CASH-01": {"min_transactions": 3}})
    assert res.counts["TF-CASH-01"] == 1  # per-scan beats stored
    scan.set_typology_params(con, CASH_01, {"min_transactions": None})
    assert scan.get_typology_overrides(con, CASH_01) == {}


def test_as_of_and_lookback_limit_the_window():
    con = _structuring_db()
    res = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], as_of=T0 + days(1), lookback_days=5)
    assert res.window_end == T0 + days(1) and res.counts["TF-CASH-01"] == 0
    res = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], as_of=datetime(2026, 3, 10), lookback_days=30)
    assert res.counts["TF-CASH-01"] == 1
    with pytest.raises(CtfmonError):
        scan.run_scan(con, CATALOGUE, lookback_days=0)


def test_param_assignment_parsing():
    assert scan.parse_param_assignments(["TF-CASH-01.threshold=12000", "TF-CASH-02.min_cities=3"]) == {
        "TF-CASH-01": {"threshold": "12000"}, "TF-CASH-02": {"min_cities": "3"}}
    with pytest.raises(CtfmonError, match="expected TYPOLOGY_ID.parameter=value"):
        scan.parse_param_assignments(["threshold=1"])


def test_list_parameters_take_a_comma_separated_value():
    con = _structuring_db()
    pass_01 = CATALOGUE.typology("TF-PASS-01")
    eff = scan.set_typology_params(con, pass_01, {"excluded_account_types": "correspondent, money_service"})
    assert tuple(eff["excluded_account_types"]) == ("correspondent", "money_service")
    eff = scan.set_typology_params(con, pass_01, {"excluded_account_types": '["wallet"]'})
    assert tuple(eff["excluded_account_types"]) == ("wallet",)


def test_scan_records_the_metadata_of_the_typologies_it_ran():
    con = _structuring_db()
    scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], params={"TF-CASH-01": {"threshold": 12_000}})
    rows = con.execute("SELECT typology_id, name, case_weight, goaml_indicators, description "
                       "FROM typology_catalogue").fetchall()
    assert [r[:4] for r in rows] == [("TF-CASH-01", CASH_01.name, 0.9, ["STRUC", "ML002"])]
    assert "reporting threshold (12,000)" in rows[0][4]  # the description filled with the scan's parameters


def test_description_follows_the_parameters_in_force():
    con = _structuring_db()
    assert "at least 3 cash deposits" in CASH_01.description_for().lower()
    scan.set_typology_params(con, CASH_01, {"min_transactions": 5, "threshold": 15_000})
    text = CASH_01.describe(scan.effective_params(con, CASH_01))["description"]
    assert text.startswith("At least 5 cash deposits") and "(15,000)" in text
