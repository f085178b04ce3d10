"""TF-DORM-01 dormant account reactivation: positive, negative and boundary cases."""

from __future__ import annotations

from datetime import timedelta

from typo_fixtures import T0, account, days, db, party, scan_alerts, txn

TID = "TF-DORM-01"


def _dormant(idle=timedelta(days=200), amount_in=12_000.0, amount_out=11_000.0, out_after=days(5),
             opened_only=False):
    con = db()
    party(con, "D")
    account(con, "DA", "D", opened_on=(T0 - idle).date() if opened_only else (T0 - days(900)).date())
    if opened_only:
        # opened at midnight of T0 - idle; T0 is 09:00 that day
        pass
    else:
        txn(con, "H0", T0 - idle, "domestic_transfer", 50, from_account="EXT", to_account="DA")
    txn(con, "R1", T0, "wire", amount_in, from_account="EXT", to_account="DA")
    txn(con, "R2", T0 + out_after, "wire", amount_out, from_account="DA", to_account="EXT2")
    return con


def test_reactivated_account_alerts_owner():
    alerts = scan_alerts(_dormant(), TID)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a["subject_type"], a["subject_id"]) == ("party", "D")
    assert a["evidence"] == ["R1", "R2"]
    assert a["details"]["dormant_days"] == 200.0
    assert "dormant for 200 days" in a["explanation"]


def test_dormancy_boundary_180_days():
    assert len(scan_alerts(_dormant(idle=days(180)), TID)) == 1
    assert scan_alerts(_dormant(idle=timedelta(days=180) - timedelta(seconds=1)), TID) == []


def test_dormancy_from_opening_date_when_no_history():
    assert len(scan_alerts(_dormant(idle=days(200), opened_only=True), TID)) == 1
    assert scan_alerts(_dormant(idle=days(100), opened_only=True), TID) == []


def test_amount_boundaries():
    assert len(scan_alerts(_dormant(amount_in=10_000, amount_out=10_000), TID)) == 1
    assert scan_alerts(_dormant(amount_in=10_000, amount_out=9_999.99), TID) == []
    assert scan_alerts(_dormant(amount_in=9_999.99, amount_out=10_000), TID) == []


def test_fourteen_day_window_boundary():
    assert len(scan_alerts(_dormant(out_after=days(14)), TID)) == 1
    assert scan_alerts(_dormant(out_after=timedelta(days=14, seconds=1)), TID) == []


def test_no_history_and_no_opening_date_is_not_dormant():
    con = db()
    account(con, "NA", None)
    txn(con, "R1", T0, "wire", 20_000, from_account="EXT", to_account="NA")
    txn(con, "R2", T0 + days(1), "wire", 20_000, from_account="NA", to_account="EXT2")
    assert scan_alerts(con, TID) == []


def test_lower_dormancy_parameter():
    assert len(scan_alerts(_dormant(idle=days(100)), TID, dormant_days=90)) == 1
