"""TF-CASH-03 cross-border cash courier: each of the five indicators, with boundaries."""

from __future__ import annotations

from datetime import timedelta

from typo_fixtures import T0, account, days, db, decl, party, scan_alerts, txn

TID = "TF-CASH-03"


def test_three_high_risk_declarations_within_90_days():
    con = db()
    party(con, "P1")
    for i, gap in enumerate([0, 45, 90]):
        decl(con, f"H{i}", T0 + days(gap), 2000, traveller_name="Hal", party_id="P1", origin="SY", destination="TR")
    alerts = scan_alerts(con, TID)
    assert len(alerts) == 1
    assert (alerts[0]["subject_type"], alerts[0]["subject_id"]) == ("party", "P1")
    assert alerts[0]["details"]["indicators"] == ["hr_frequency"]
    assert alerts[0]["evidence"] == ["H0", "H1", "H2"]


def test_high_risk_declarations_90_days_plus_one_second_not():
    con = db()
    for i, gap in enumerate([days(0), days(45), timedelta(days=90, seconds=1)]):
        decl(con, f"H{i}", T0 + gap, 2000, traveller_name="Hal", document_number="X1", origin="SY")
    assert scan_alerts(con, TID) == []


def test_declarations_to_low_risk_countries_do_not_count():
    con = db()
    for i in range(4):
        decl(con, f"H{i}", T0 + days(i), 2000, traveller_name="Hal", origin="FR", destination="US")
    assert scan_alerts(con, TID) == []


def test_near_threshold_band_boundaries():
    con = db()
    decl(con, "N1", T0, 8000, traveller_name="Ann")
    decl(con, "N2", T0, 7999.99, traveller_name="Ben")
    decl(con, "N3", T0, 10000, traveller_name="Cid")
    decl(con, "N4", T0, 9999.99, traveller_name="Dan")
    alerts = scan_alerts(con, TID)
    assert sorted(a["subject_id"] for a in alerts) == ["traveller:ann", "traveller:dan"]
    assert all(a["details"]["indicators"] == ["near_threshold"] for a in alerts)


def test_undeclared_cash_and_document_number_identifies_known_party():
    con = db()
    party(con, "P7", id_number="PA123")
    decl(con, "U1", T0, 25000, traveller_name="Someone", document_number="PA123", declared=False)
    alerts = scan_alerts(con, TID)
    assert [(a["subject_id"], a["details"]["indicators"]) for a in alerts] == [("P7", ["undeclared"])]
    assert "undeclared cash of 25,000 USD" in alerts[0]["explanation"]


def test_declared_inbound_cash_deposited_within_3_days():
    def run(delay, amount=15000.0):
        con = db()
        party(con, "P1")
        account(con, "A1", "P1")
        decl(con, "I1", T0, 20000, traveller_name="Eve", party_id="P1", direction="inbound")
        txn(con, "C1", T0 + delay, "cash_deposit", amount, to_account="A1")
        return scan_alerts(con, TID)

    alerts = run(days(3))
    assert len(alerts) == 1 and alerts[0]["evidence"] == ["C1", "I1"]
    assert alerts[0]["details"]["indicators"] == ["deposited"]
    assert run(timedelta(days=3, seconds=1)) == []
    assert run(days(1), amount=9999.99) == []  # less than half of the declared cash
    assert len(run(days(1), amount=10000)) == 1


def test_deposit_by_name_without_party():
    con = db()
    decl(con, "I1", T0, 20000, traveller_name="Eve Doe", direction="inbound")
    txn(con, "C1", T0 + days(1), "cash_deposit", 19000, to_account="ANY", originator_name="EVE DOE")
    alerts = scan_alerts(con, TID)
    assert [a["subject_id"] for a in alerts] == ["traveller:eve doe"]


def test_outbound_declaration_then_deposit_is_not_the_indicator():
    con = db()
    decl(con, "O1", T0, 20000, traveller_name="Eve", direction="outbound")
    txn(con, "C1", T0 + days(1), "cash_deposit", 19000, to_account="ANY", originator_name="Eve")
    assert scan_alerts(con, TID) == []


def test_three_travellers_one_transport_similar_amounts():
    def run(amounts):
        con = db()
        for i, a in enumerate(amounts):
            decl(con, f"T{i}", T0 + timedelta(minutes=i), a, traveller_name=f"Tr{i}", transport_ref="TK100")
        return scan_alerts(con, TID)

    alerts = run([5000, 5250, 5500])  # 5,500 = 1.1 x 5,000
    assert len(alerts) == 3
    assert all(a["evidence"] == ["T0", "T1", "T2"] for a in alerts)
    assert run([5000, 5250, 5500.01]) == []
    assert run([5000, 5100]) == []


def test_indicators_of_one_traveller_merge_into_one_alert():
    con = db()
    party(con, "P1")
    decl(con, "A", T0, 9500, traveller_name="Al", party_id="P1")
    decl(con, "B", T0 + days(10), 30000, traveller_name="Al", party_id="P1", declared=False)
    alerts = scan_alerts(con, TID)
    assert len(alerts) == 1
    assert alerts[0]["details"]["indicators"] == ["near_threshold", "undeclared"]
    assert alerts[0]["evidence"] == ["A", "B"]


def test_one_trip_across_midnight_but_not_across_days():
    from datetime import datetime

    con = db()
    base = datetime(2026, 3, 2, 23, 50)
    for i, a in enumerate([5000, 5100, 5200]):
        decl(con, f"M{i}", base + timedelta(minutes=10 * i), a, traveller_name=f"Mid{i}", transport_ref="XY9")
    assert len(scan_alerts(con, TID)) == 3
    con = db()
    for i, a in enumerate([5000, 5100, 5200]):
        decl(con, f"D{i}", base + days(i), a, traveller_name=f"Day{i}", transport_ref="XY9")
    assert scan_alerts(con, TID) == []
