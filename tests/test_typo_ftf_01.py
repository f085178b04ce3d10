"""TF-FTF-01 foreign terrorist fighter profile: positive, negative and boundary cases."""

from __future__ import annotations

from datetime import timedelta

from typo_fixtures import T0, account, days, db, party, scan_alerts, txn

TID = "TF-FTF-01"


def _profile(balance=5000.0, withdrawn=4000.0, air_mcc="4511", abroad_country="SY", abroad_delay=days(5),
             party_type="individual", drain_before=days(2), closed=False):
    con = db()
    party(con, "Z", party_type=party_type)
    account(con, "ZA", "Z", closed_on=(T0 + days(3)).date() if closed else None)
    txn(con, "S1", T0 - days(100), "domestic_transfer", balance, from_account="EMP", to_account="ZA")
    if withdrawn:
        txn(con, "Z1", T0 - drain_before, "cash_withdrawal", withdrawn, from_account="ZA")
    txn(con, "Z2", T0, "card_payment", 450, from_account="ZA", merchant_category=air_mcc)
    txn(con, "Z3", T0 + abroad_delay, "atm_withdrawal", 60, from_account="ZA", location_country=abroad_country)
    return con


def test_drain_ticket_and_atm_abroad():
    alerts = scan_alerts(_profile(), TID)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a["subject_type"], a["subject_id"]) == ("party", "Z")
    assert a["evidence"] == ["Z1", "Z2", "Z3"]
    assert a["details"]["countries"] == ["SY"]
    assert "bought air travel" in a["explanation"]


def test_drain_share_boundary_80_percent():
    # available 5,000; drained = withdrawal + ATM abroad (60)
    assert len(scan_alerts(_profile(withdrawn=3940.0), TID)) == 1  # 4,000 = 80%
    assert scan_alerts(_profile(withdrawn=3939.0), TID) == []


def test_needs_air_travel_mcc_and_risky_country():
    assert scan_alerts(_profile(air_mcc="5411"), TID) == []
    assert len(scan_alerts(_profile(air_mcc="3100"), TID)) == 1
    assert len(scan_alerts(_profile(air_mcc="4722"), TID)) == 1
    assert scan_alerts(_profile(abroad_country="FR"), TID) == []


def test_use_abroad_must_follow_ticket_within_30_days():
    # drain a day after the ticket so that everything lies within the 30 days
    assert len(scan_alerts(_profile(abroad_delay=days(30), drain_before=-days(1)), TID)) == 1
    assert scan_alerts(_profile(abroad_delay=timedelta(days=30, seconds=1), drain_before=-days(1)), TID) == []
    assert scan_alerts(_profile(abroad_delay=-days(1)), TID) == []


def test_drain_outside_the_30_day_window_does_not_count():
    assert scan_alerts(_profile(drain_before=days(26)), TID) == []  # 26 + 5 > 30 days before the use


def test_only_individuals():
    assert scan_alerts(_profile(party_type="business"), TID) == []


def test_account_closure_counts_as_drain():
    alerts = scan_alerts(_profile(withdrawn=0.0, closed=True), TID)
    assert len(alerts) == 1 and alerts[0]["details"]["accounts_closed"] == 1


def test_small_drain_or_unknown_balance_is_not_a_drain():
    # 100% of a 500 balance, but not "large" (under min_drained_amount = 1,000)
    assert scan_alerts(_profile(balance=500.0, withdrawn=450.0), TID) == []
    assert len(scan_alerts(_profile(balance=500.0, withdrawn=450.0), TID, min_drained_amount=400)) == 1
    # no inflow on file at all: the balance is unknown, so the share cannot be measured
    con = db()
    party(con, "Q")
    account(con, "QA", "Q")
    txn(con, "Q1", T0, "cash_withdrawal", 5000, from_account="QA")
    txn(con, "Q2", T0 + days(1), "card_payment", 500, from_account="QA", merchant_category="4511")
    txn(con, "Q3", T0 + days(3), "atm_withdrawal", 100, from_account="QA", location_country="IQ")
    assert scan_alerts(con, TID) == []


def test_loan_drawdown_is_available_money_and_evidence():
    con = db()
    party(con, "L")
    account(con, "LA", "L")
    account(con, "LOAN", "L", account_type="loan")
    txn(con, "S1", T0 - days(60), "domestic_transfer", 1000, from_account="EMP", to_account="LA")
    txn(con, "D1", T0 - days(3), "internal", 8000, from_account="LOAN", to_account="LA")
    txn(con, "W1", T0 - days(2), "cash_withdrawal", 8500, from_account="LA")
    txn(con, "F1", T0, "card_payment", 600, from_account="LA", merchant_category="4511")
    txn(con, "H1", T0 + days(4), "atm_withdrawal", 100, from_account="LA", location_country="PK")
    alerts = scan_alerts(con, TID)
    assert len(alerts) == 1
    assert alerts[0]["evidence"] == ["D1", "F1", "H1", "W1"]
    assert alerts[0]["details"]["loan_drawdown"] == 8000
    assert "drew 8,000 USD on a loan" in alerts[0]["explanation"]
