"""TF-CARD-01 prepaid card loading and cash-out abroad: positive, negative and boundary cases."""

from __future__ import annotations

from datetime import timedelta

from typo_fixtures import T0, account, days, db, party, scan_alerts, txn

TID = "TF-CARD-01"


def _cards(n_cards=3, amount=500.0, load_gap=days(1), cash_country="TR", cash_delay=days(10), cash_funded=False):
    con = db()
    party(con, "C")
    account(con, "CA", "C")
    for k in range(n_cards):
        account(con, f"CARD{k}", "C", account_type="prepaid_card")
        txn(con, f"L{k}", T0 + load_gap * k, "prepaid_load", amount,
            from_account=None if cash_funded else "CA", to_account=f"CARD{k}")
    last = T0 + load_gap * (n_cards - 1)
    txn(con, "ATM1", last + cash_delay, "atm_withdrawal", 400, from_account=f"CARD{n_cards - 1}",
        location_country=cash_country)
    return con


def test_three_cards_drawn_in_border_jurisdiction():
    alerts = scan_alerts(_cards(), TID)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a["subject_type"], a["subject_id"]) == ("party", "C")
    assert a["evidence"] == ["ATM1", "L0", "L1", "L2"]
    assert a["details"]["cards"] == 3 and a["details"]["countries"] == ["TR"]
    assert "3 prepaid cards" in a["explanation"]


def test_two_cards_small_amount_do_not_qualify_but_5000_on_one_card_does():
    assert scan_alerts(_cards(n_cards=2, amount=1000), TID) == []
    assert len(scan_alerts(_cards(n_cards=2, amount=2500), TID)) == 1  # 5,000 loaded
    assert scan_alerts(_cards(n_cards=2, amount=2499.99), TID) == []


def test_cash_out_outside_risky_jurisdictions_does_not_count():
    assert scan_alerts(_cards(cash_country="FR"), TID) == []


def test_cash_out_30_day_boundary():
    assert len(scan_alerts(_cards(cash_delay=days(30)), TID)) == 1
    assert scan_alerts(_cards(cash_delay=timedelta(days=30, seconds=1)), TID) == []


def test_load_window_30_day_boundary():
    # three cards loaded over exactly 30 days qualify; over 30 days + 1 s (2 loads each window) do not
    assert len(scan_alerts(_cards(load_gap=days(15)), TID)) == 1
    assert scan_alerts(_cards(load_gap=timedelta(days=15, seconds=1)), TID) == []


def test_cash_funded_loads_are_attributed_to_card_owner():
    alerts = scan_alerts(_cards(cash_funded=True), TID)
    assert [(a["subject_type"], a["subject_id"]) for a in alerts] == [("party", "C")]
