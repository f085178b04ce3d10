"""TF-CASH-01 structuring: positive, negative and boundary cases on handmade rows."""

from __future__ import annotations

from datetime import timedelta

from typo_fixtures import T0, account, days, db, party, scan_alerts, txn

TID = "TF-CASH-01"


def _setup(amounts, gaps_days, channel="cash_deposit"):
    con = db()
    party(con, "P1")
    account(con, "A1", "P1")
    account(con, "A2", "P1")
    ts = T0
    for i, (amt, gap) in enumerate(zip(amounts, gaps_days, strict=True)):
        ts = ts + (gap if isinstance(gap, timedelta) else days(gap))
        acct = "A1" if i % 2 == 0 else "A2"
        if channel == "cash_deposit":
            txn(con, f"T{i}", ts, channel, amt, to_account=acct, location_city=f"City{i}")
        else:
            txn(con, f"T{i}", ts, channel, amt, from_account=acct)
    return con


def test_three_deposits_over_two_accounts_alert_the_party():
    con = _setup([9400, 9950, 9500, 9800], [0, 1, 2, 2])
    alerts = scan_alerts(con, TID)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a["subject_type"], a["subject_id"]) == ("party", "P1")
    assert a["evidence"] == ["T0", "T1", "T2", "T3"]
    assert a["details"]["accounts"] == 2 and a["details"]["total"] == 38650
    assert "4 cash deposits of 9,400–9,950 USD (total 38,650) into 2 accounts" in a["explanation"]
    assert 0.5 <= a["score"] <= 1


def test_withdrawals_count_too():
    con = _setup([9000, 9100, 9200], [0, 1, 1], channel="cash_withdrawal")
    alerts = scan_alerts(con, TID)
    assert len(alerts) == 1 and alerts[0]["details"]["withdrawals"] == 3


def test_amount_exactly_80_percent_counts_just_below_does_not():
    assert len(scan_alerts(_setup([8000, 8000, 8000], [0, 1, 1]), TID)) == 1
    assert scan_alerts(_setup([8000, 8000, 7999.99], [0, 1, 1]), TID) == []


def test_amount_at_threshold_is_not_structuring():
    assert scan_alerts(_setup([9999.99, 9999.99, 9999.99], [0, 1, 1]), TID) != []
    assert scan_alerts(_setup([9999.99, 9999.99, 10000], [0, 1, 1]), TID) == []


def test_seven_days_inclusive_seven_days_plus_one_second_not():
    assert len(scan_alerts(_setup([9000, 9000, 9000], [0, 3, 4]), TID)) == 1
    assert scan_alerts(_setup([9000, 9000, 9000], [0, 3, timedelta(days=4, seconds=1)]), TID) == []


def test_two_deposits_are_not_enough():
    assert scan_alerts(_setup([9500, 9600], [0, 1]), TID) == []


def test_sliding_window_not_calendar_weeks_and_bursts_merge():
    # Sun/Mon/Tue straddle a calendar week boundary; a later overlapping window extends the burst.
    con = _setup([9100, 9200, 9300, 9400, 9500], [0, 1, 1, 5, 1])
    alerts = scan_alerts(con, TID)
    assert len(alerts) == 1
    assert alerts[0]["evidence"] == ["T0", "T1", "T2", "T3", "T4"]


def test_separate_bursts_give_separate_alerts():
    con = _setup([9100, 9200, 9300, 9400, 9500, 9600], [0, 1, 1, 30, 1, 1])
    alerts = scan_alerts(con, TID)
    assert [a["evidence"] for a in alerts] == [["T0", "T1", "T2"], ["T3", "T4", "T5"]]


def test_unowned_account_is_its_own_subject_and_parameters_apply():
    con = db()
    for i in range(3):
        txn(con, f"X{i}", T0 + days(i), "cash_deposit", 11_500, to_account="EXT9")
    assert scan_alerts(con, TID) == []
    alerts = scan_alerts(con, TID, threshold=12_000)
    assert [(a["subject_type"], a["subject_id"]) for a in alerts] == [("account", "EXT9")]


def test_more_and_closer_deposits_score_higher():
    low = scan_alerts(_setup([8100, 8200, 8300], [0, 1, 1]), TID)[0]["score"]
    high = scan_alerts(_setup([9900, 9950, 9900, 9950, 9900, 9990], [0, 1, 1, 1, 1, 1]), TID)[0]["score"]
    assert high > low
