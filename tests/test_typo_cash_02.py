"""TF-CASH-02 funnel account: positive, negative and boundary cases on handmade rows."""

from __future__ import annotations

from datetime import timedelta

from typo_fixtures import T0, account, days, db, party, scan_alerts, txn

TID = "TF-CASH-02"


def _funnel(n_depositors=5, cities=2, span=timedelta(days=4), out_amount=10_500.0, out_delay=days(3),
            out_channel="wire", out_country="TR", same_name=False):
    con = db()
    party(con, "F")
    account(con, "FA", "F", country="US")
    step = span / max(1, n_depositors - 1)
    for i in range(n_depositors):
        txn(con, f"D{i}", T0 + step * i, "cash_deposit", 3000, to_account="FA",
            originator_name="Same Person" if same_name else f"Depositor {i}",
            location_city=f"City{i % cities}", location_country="US")
    last = T0 + span
    if out_channel == "wire":
        txn(con, "O1", last + out_delay, "wire", out_amount, from_account="FA", to_account="EXT1",
            beneficiary_country=out_country)
    else:
        txn(con, "O1", last + out_delay, out_channel, out_amount, from_account="FA", location_country=out_country)
    return con


def test_funnel_alerts_owner_with_deposits_and_outflow_as_evidence():
    alerts = scan_alerts(_funnel(), TID)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a["subject_type"], a["subject_id"]) == ("party", "F")
    assert a["evidence"] == ["D0", "D1", "D2", "D3", "D4", "O1"]
    assert a["details"]["depositors"] == 5 and a["details"]["cities"] == 2
    assert a["details"]["outflow_share"] == 0.7
    assert "5 depositors" in a["explanation"] and "70%" in a["explanation"]


def test_cash_withdrawal_abroad_counts():
    assert len(scan_alerts(_funnel(out_channel="cash_withdrawal", out_amount=12_000), TID)) == 1


def test_four_depositors_or_one_city_do_not_qualify():
    assert scan_alerts(_funnel(n_depositors=4), TID) == []
    assert scan_alerts(_funnel(cities=1), TID) == []
    assert scan_alerts(_funnel(same_name=True), TID) == []


def test_outflow_share_boundary_70_percent():
    assert len(scan_alerts(_funnel(out_amount=10_500.0), TID)) == 1  # 70% of 15,000
    assert scan_alerts(_funnel(out_amount=10_499.99), TID) == []


def test_domestic_outflow_does_not_count():
    assert scan_alerts(_funnel(out_country="US"), TID) == []


def test_deposit_window_14_days_boundary():
    assert len(scan_alerts(_funnel(span=days(14)), TID)) == 1
    assert scan_alerts(_funnel(span=timedelta(days=14, seconds=1)), TID) == []


def test_outflow_within_7_days_boundary():
    assert len(scan_alerts(_funnel(out_delay=days(7)), TID)) == 1
    assert scan_alerts(_funnel(out_delay=timedelta(days=7, seconds=1)), TID) == []
