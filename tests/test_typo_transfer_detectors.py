"""TF-XB-01, TF-PASS-01, TF-MICRO-01 and TF-REM-01 on handcrafted rows: positives,
negatives and cases just inside / just outside each threshold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from transfer_fixtures import Db

from typologies import registry
from typologies.tf_micro_01 import MicroDonationAggregation
from typologies.tf_pass_01 import RapidPassThrough
from typologies.tf_rem_01 import RemittancesToIndividuals
from typologies.tf_xb_01 import HighRiskCorridor

T0 = datetime(2025, 3, 3, 10, 0, 0)
SEC = timedelta(seconds=1)


def day(n: float) -> timedelta:
    return timedelta(days=n)


def test_registered_with_catalogue_defaults() -> None:
    found = registry.all_typologies()
    for tid in ("TF-XB-01", "TF-PASS-01", "TF-MICRO-01", "TF-REM-01"):
        assert tid in found
        assert found[tid].references
    assert HighRiskCorridor.Params().min_amount == 10_000
    assert HighRiskCorridor.Params().window_days == 30
    assert RapidPassThrough.Params().min_inflow == 20_000
    assert RapidPassThrough.Params().max_hours == 72
    assert MicroDonationAggregation.Params().min_small_transfers == 20
    assert MicroDonationAggregation.Params().min_senders == 15
    assert RemittancesToIndividuals.Params().min_individuals == 4
    assert RemittancesToIndividuals.Params().window_days == 60


# ---------------------------------------------------------------------------- TF-XB-01


def test_xb_positive_outgoing_to_syria() -> None:
    d = Db()
    a = d.customer("P1")
    d.account("X-SY", None, country="SY")
    ids = [d.txn(T0 + day(5 * i), a, "X-SY", 2900) for i in range(5)]
    d.txn(T0 + day(2), a, "X-DE", 1000, beneficiary_country="DE")
    alerts = d.run(HighRiskCorridor)
    assert len(alerts) == 1
    al = alerts[0]
    assert (al.subject_type, al.subject_id) == ("party", "P1")
    assert al.evidence == ids
    assert al.details["corridor_amount"] == 14500
    assert al.details["share_of_flows"] == pytest.approx(14500 / 15500, abs=1e-3)
    assert "Syria" in al.explanation and "14,500 USD" in al.explanation
    assert 0 < al.score <= 1
    assert al.window_start == T0 and al.window_end == T0 + day(20)


def test_xb_incoming_uses_originator_country() -> None:
    d = Db()
    a = d.customer("P1", "business")
    d.txn(T0, "EXT1", a, 6000, originator_country="IR")
    d.txn(T0 + day(3), "EXT2", a, 6000, originator_country="IR")
    alerts = d.run(HighRiskCorridor)
    assert len(alerts) == 1
    assert alerts[0].details["received_amount"] == 12000
    assert alerts[0].explanation.startswith("Received 12,000 USD in 2 transfers from Iran")


@pytest.mark.parametrize("amount,expected", [(5000.0, 1), (4999.99, 0)])
def test_xb_amount_threshold(amount: float, expected: int) -> None:
    d = Db()
    a = d.customer("P1")
    d.txn(T0, a, "E1", 5000, beneficiary_country="YE")
    d.txn(T0 + day(1), a, "E2", amount, beneficiary_country="YE")
    assert len(d.run(HighRiskCorridor)) == expected


@pytest.mark.parametrize("gap,expected", [(day(30), 1), (day(30) + SEC, 0)])
def test_xb_window_edge(gap: timedelta, expected: int) -> None:
    d = Db()
    a = d.customer("P1")
    d.txn(T0, a, "E1", 5000, beneficiary_country="SO")
    d.txn(T0 + gap, a, "E2", 5000, beneficiary_country="SO")
    assert len(d.run(HighRiskCorridor)) == expected


def test_xb_overlapping_windows_merge_and_separate_bursts_split() -> None:
    d = Db()
    a = d.customer("P1")
    for i in range(6):  # one long burst: every 20 days, any two make 10,000
        d.txn(T0 + day(20 * i), a, "E1", 5000, beneficiary_country="SO")
    d.txn(T0 + day(300), a, "E1", 10000, beneficiary_country="SO")  # a second, later burst
    alerts = d.run(HighRiskCorridor)
    assert len(alerts) == 2
    assert len(alerts[0].evidence) == 6 and len(alerts[1].evidence) == 1


def test_xb_falls_back_to_counterparty_account_country() -> None:
    d = Db()
    a = d.customer("P1")
    d.account("X-YE", None, country="YE")
    d.txn(T0, a, "X-YE", 10000)
    assert len(d.run(HighRiskCorridor)) == 1


def test_xb_trade_payment_is_excused() -> None:
    d = Db()
    a = d.customer("P1", "business")
    d.party("IMP", "business", country="SY")
    t = d.txn(T0, a, "E1", 12000, beneficiary_country="SY")
    d._insert("trade_documents", {
        "trade_id": "INV1", "date": T0.date(), "exporter_party_id": "IMP", "importer_party_id": "P1",
        "hs_code": "100199", "quantity": 10, "unit": "kg", "invoice_value": 12000, "currency": "USD",
        "invoice_value_base": 12000, "origin_country": "SY", "destination_country": "US",
        "payment_txn_id": t})
    assert d.run(HighRiskCorridor) == []


def test_xb_donation_to_npo_operating_there_is_excused_but_not_elsewhere() -> None:
    d = Db()
    a = d.customer("P1")
    d.party("NPO", "npo", country="GB", npo_operating_countries=["SO"])
    d.account("N-SO", "NPO", country="SO", atype="npo")
    d.account("N-YE", "NPO", country="YE", atype="npo")
    d.txn(T0, a, "N-SO", 12000)
    assert d.run(HighRiskCorridor) == []
    d.txn(T0 + day(1), a, "N-YE", 12000)
    alerts = d.run(HighRiskCorridor)
    assert len(alerts) == 1 and alerts[0].details["countries"] == ["YE"]


def test_xb_domestic_inside_listed_country_and_npo_subjects_ignored() -> None:
    d = Db()
    a = d.customer("P1", country="KE")
    d.account("X-KE", None, country="KE")
    d.txn(T0, a, "X-KE", 20000)
    n = d.customer("NPO", "npo")
    d.txn(T0, n, "E9", 20000, beneficiary_country="SY")
    assert d.run(HighRiskCorridor) == []


def test_xb_score_rises_with_category_and_share() -> None:
    def score(country: str, other: float) -> float:
        d = Db()
        a = d.customer("P1")
        d.txn(T0, a, "E1", 10000, beneficiary_country=country)
        if other:
            d.txn(T0, a, "E2", other, beneficiary_country="DE")
        return d.run(HighRiskCorridor)[0].score

    assert score("KP", 0) > score("TR", 0)
    assert score("TR", 0) > score("TR", 30000)


# ---------------------------------------------------------------------------- TF-PASS-01


def test_pass_positive() -> None:
    d = Db()
    a = d.customer("P1")
    ins = [d.txn(T0 + day(5 * i), "EXT1", a, 6000) for i in range(4)]
    outs = [d.txn(T0 + day(5 * i) + timedelta(hours=30), a, "EXT2", 6000) for i in range(4)]
    alerts = d.run(RapidPassThrough)
    assert len(alerts) == 1
    al = alerts[0]
    assert al.subject_id == "P1"
    assert set(al.evidence) == set(ins + outs)
    assert al.details["forwarded_share"] == 1.0
    assert "24,000 USD" in al.explanation and "72 hours" in al.explanation


@pytest.mark.parametrize("delay,expected", [(timedelta(hours=72), 1), (timedelta(hours=72) + SEC, 0)])
def test_pass_72_hour_edge(delay: timedelta, expected: int) -> None:
    d = Db()
    a = d.customer("P1")
    d.txn(T0, "EXT1", a, 20000)
    d.txn(T0 + delay, a, "EXT2", 20000)
    assert len(d.run(RapidPassThrough)) == expected


@pytest.mark.parametrize("amount,expected", [(20000.0, 1), (19999.99, 0)])
def test_pass_inflow_threshold(amount: float, expected: int) -> None:
    d = Db()
    a = d.customer("P1")
    d.txn(T0, "EXT1", a, amount)
    d.txn(T0 + day(1), a, "EXT2", amount)
    assert len(d.run(RapidPassThrough)) == expected


@pytest.mark.parametrize("out,expected", [(18000.0, 0), (18000.01, 1)])
def test_pass_residual_must_be_under_ten_percent(out: float, expected: int) -> None:
    d = Db()
    a = d.customer("P1")
    d.txn(T0, "EXT1", a, 20000)
    d.txn(T0 + day(1), a, "EXT2", out)
    assert len(d.run(RapidPassThrough)) == expected


def test_pass_forwarded_share_counts_each_credit_first_in_first_out() -> None:
    d = Db()
    a = d.customer("P1")
    d.txn(T0, "EXT1", a, 10000)
    d.txn(T0 + day(4), a, "EXT2", 10000)  # held 4 days
    d.txn(T0 + day(5), "EXT1", a, 10000)
    d.txn(T0 + day(6), a, "EXT2", 10000)
    # everything has left by the end, but only half within 72 hours of arriving
    assert d.run(RapidPassThrough) == []
    assert len(d.run(RapidPassThrough, min_forwarded_share=0.5)) == 1


def test_pass_small_leftovers_do_not_block_later_credits() -> None:
    d = Db()
    a = d.customer("P1")
    for i in range(6):  # each credit leaves 5% behind; first in first out alone would count
        d.txn(T0 + day(5 * i), "EXT1", a, 10000)  # the growing leftovers against later credits
        d.txn(T0 + day(5 * i) + timedelta(hours=40), a, "EXT2", 9500)
    alerts = d.run(RapidPassThrough)
    assert len(alerts) == 1
    assert alerts[0].details["forwarded_share"] == pytest.approx(59500 / 60000, abs=1e-4)
    assert alerts[0].details["residual_share"] == pytest.approx(0.05)
    assert d.run(RapidPassThrough, max_residual_share=0.04) == []


def test_pass_working_balance_is_not_pass_through() -> None:
    d = Db()
    a = d.customer("B1", "business")
    d.txn(T0 - day(60), "EXT1", a, 50000)
    for i in range(10):
        d.txn(T0 + day(3 * i), "EXT1", a, 5000)
        d.txn(T0 + day(3 * i) + timedelta(hours=5), a, "EXT2", 5000)
    assert d.run(RapidPassThrough) == []


def test_pass_balance_needed_before_the_history_is_spent_first() -> None:
    d = Db()
    a = d.customer("P1")
    for i in range(8):  # spending out of a balance held before the history on file
        d.txn(T0 - day(100 - 10 * i), a, "SHOP", 1000)
    d.txn(T0, "EXT1", a, 12000)
    d.txn(T0 + timedelta(hours=12), "EXT1", a, 12000)
    d.txn(T0 + day(2), a, "EXT2", 14000)
    d.txn(T0 + day(3) + timedelta(hours=6), a, "EXT2", 16000)
    # 38,000 left against 24,000 received, so the account held at least 14,000 before: first in,
    # first out that balance goes first, and the first credit is only 8,000 gone after 72 hours
    # (20,000 of 24,000 forwarded in time, 83%); an operating business spending more than the
    # credits on file is living off its balance, not passing money through
    assert d.run(RapidPassThrough) == []
    alerts = d.run(RapidPassThrough, min_forwarded_share=0.8)
    assert len(alerts) == 1
    assert alerts[0].details["forwarded_share"] == pytest.approx(20000 / 24000, abs=1e-4)


def test_pass_account_without_owner_and_excluded_types() -> None:
    d = Db()
    d.account("ORPHAN", None)
    d.txn(T0, "EXT1", "ORPHAN", 25000)
    d.txn(T0 + day(1), "ORPHAN", "EXT2", 25000)
    d.account("CORR", None, atype="correspondent")
    d.txn(T0, "EXT1", "CORR", 25000)
    d.txn(T0 + day(1), "CORR", "EXT2", 25000)
    alerts = d.run(RapidPassThrough)
    assert [(x.subject_type, x.subject_id) for x in alerts] == [("account", "ORPHAN")]


# ---------------------------------------------------------------------------- TF-MICRO-01


def _crowdfund(d: Db, n: int = 20, senders: int = 15, amount: float = 300.0, spread_days: float = 19,
               owner_type: str = "individual", country: str = "US") -> tuple[str, list[str]]:
    a = d.customer("P1", owner_type, country=country)
    ids = []
    for i in range(n):
        s = f"S{i % senders}"
        ids.append(d.txn(T0 + day(spread_days * i / max(n - 1, 1)), s, a, amount, channel="mobile_transfer"))
    return a, ids


def test_micro_positive() -> None:
    d = Db()
    a, ids = _crowdfund(d)
    out = d.txn(T0 + day(25), a, "X1", 4200, beneficiary_country="TR")
    alerts = d.run(MicroDonationAggregation)
    assert len(alerts) == 1
    al = alerts[0]
    assert al.subject_id == "P1" and al.evidence == ids + [out]
    assert al.details["sender_count"] == 15 and al.details["collected_amount"] == 6000
    assert "Türkiye" in al.explanation or "Turkey" in al.explanation


@pytest.mark.parametrize("n,senders,expected", [(20, 15, 1), (19, 15, 0), (20, 14, 0)])
def test_micro_count_and_sender_thresholds(n: int, senders: int, expected: int) -> None:
    d = Db()
    a, _ = _crowdfund(d, n=n, senders=senders)
    d.txn(T0 + day(21), a, "X1", 6000, beneficiary_country="TR")
    assert len(d.run(MicroDonationAggregation)) == expected


@pytest.mark.parametrize("amount,expected", [(500.0, 1), (500.01, 0)])
def test_micro_small_amount_edge(amount: float, expected: int) -> None:
    d = Db()
    a, _ = _crowdfund(d, amount=amount)
    d.txn(T0 + day(21), a, "X1", 20 * amount, beneficiary_country="TR")
    assert len(d.run(MicroDonationAggregation)) == expected


@pytest.mark.parametrize("spread,expected", [(30, 1), (31, 0)])
def test_micro_thirty_day_window(spread: float, expected: int) -> None:
    d = Db()
    a, _ = _crowdfund(d, spread_days=spread)
    d.txn(T0 + day(spread + 1), a, "X1", 6000, beneficiary_country="TR")
    assert len(d.run(MicroDonationAggregation)) == expected


@pytest.mark.parametrize("sent,expected", [(4200.0, 1), (4199.99, 0)])
def test_micro_share_sent_abroad(sent: float, expected: int) -> None:
    d = Db()
    a, _ = _crowdfund(d)  # 6,000 collected
    d.txn(T0 + day(21), a, "X1", sent, beneficiary_country="TR")
    assert len(d.run(MicroDonationAggregation)) == expected


def test_micro_at_most_three_transfers() -> None:
    d = Db()
    a, _ = _crowdfund(d)
    for i in range(4):  # 4 x 1,050 = 70%, but the 3 largest carry only 52.5%
        d.txn(T0 + day(20 + i), a, "X1", 1050, beneficiary_country="TR")
    assert d.run(MicroDonationAggregation) == []
    assert len(d.run(MicroDonationAggregation, max_abroad_transfers=4)) == 1


@pytest.mark.parametrize("after,expected", [(day(14), 1), (day(14) + SEC, 0)])
def test_micro_fourteen_days_to_send(after: timedelta, expected: int) -> None:
    d = Db()
    a, ids = _crowdfund(d)
    d.txn(T0 + day(19) + after, a, "X1", 5000, beneficiary_country="TR")
    assert len(d.run(MicroDonationAggregation)) == expected


def test_micro_domestic_outflow_or_business_account_do_not_count() -> None:
    d = Db()
    a, _ = _crowdfund(d)
    d.txn(T0 + day(21), a, "X1", 6000, beneficiary_country="US")
    assert d.run(MicroDonationAggregation) == []
    d2 = Db()
    b, _ = _crowdfund(d2, owner_type="business")
    d2.txn(T0 + day(21), b, "X1", 6000, beneficiary_country="TR")
    assert d2.run(MicroDonationAggregation) == []


# ---------------------------------------------------------------------------- TF-REM-01


def _remit(d: Db, a: str, i: int, ts: datetime, country: str = "SO", name: str | None = None,
           **kw: Any) -> str:
    return d.txn(ts, a, f"R{i}", 700, channel="remittance", beneficiary_country=country,
                 beneficiary_name=name or f"Person Number{i}", **kw)


def test_rem_positive() -> None:
    d = Db()
    a = d.customer("P1")
    ids = [_remit(d, a, i, T0 + day(10 * i)) for i in range(4)]
    alerts = d.run(RemittancesToIndividuals)
    assert len(alerts) == 1
    al = alerts[0]
    assert al.subject_id == "P1" and al.evidence == ids
    assert al.details["individual_count"] == 4
    assert "4 different individuals" in al.explanation and "Somalia" in al.explanation


@pytest.mark.parametrize("last,expected", [(day(60), 1), (day(60) + SEC, 0)])
def test_rem_sixty_day_window(last: timedelta, expected: int) -> None:
    d = Db()
    a = d.customer("P1")
    for i in range(3):
        _remit(d, a, i, T0 + day(i))
    _remit(d, a, 3, T0 + last)
    assert len(d.run(RemittancesToIndividuals)) == expected


def test_rem_three_individuals_and_repeated_names_are_not_enough() -> None:
    d = Db()
    a = d.customer("P1")
    for i in range(3):
        _remit(d, a, i, T0 + day(i))
    _remit(d, a, 9, T0 + day(5), name="person number0 ")  # same person as R0, another account
    assert d.run(RemittancesToIndividuals) == []


def test_rem_stated_purpose_organisations_and_low_risk_excluded() -> None:
    d = Db()
    a = d.customer("P1")
    for i in range(3):
        _remit(d, a, i, T0 + day(i))
    _remit(d, a, 3, T0 + day(4), reference="school fees")
    _remit(d, a, 4, T0 + day(4), name="Hodan Trading LLC")
    _remit(d, a, 5, T0 + day(4), country="DE")
    d.party("BIZ", "business", country="SO")
    d.account("A-BIZ", "BIZ", country="SO")
    d.txn(T0 + day(4), a, "A-BIZ", 700, channel="wire")
    assert d.run(RemittancesToIndividuals) == []
    d.party("IND", "individual", country="SO")
    d.account("A-IND", "IND", country="SO")
    d.txn(T0 + day(4), a, "A-IND", 700, channel="wire")
    alerts = d.run(RemittancesToIndividuals)
    assert len(alerts) == 1 and alerts[0].details["individual_count"] == 4


def test_rem_domestic_and_money_service_senders_excluded() -> None:
    d = Db()
    a = d.customer("P1", country="SO")
    m = d.customer("MSB", "financial_institution")
    for i in range(5):
        _remit(d, a, i, T0 + day(i))
        _remit(d, m, 10 + i, T0 + day(i))
    assert d.run(RemittancesToIndividuals) == []


def test_xb_trade_reference_words_are_opt_in() -> None:
    d = Db()
    a = d.customer("B1", "business")
    d.txn(T0, a, "E1", 12000, beneficiary_country="VN", reference="Invoice payment 2291")
    assert len(d.run(HighRiskCorridor)) == 1
    assert d.run(HighRiskCorridor, trade_reference_words=("INVOICE", "SUPPLIER")) == []
    p = d.customer("P1")  # an individual's reference is not a trade purpose
    d.txn(T0, p, "E1", 12000, beneficiary_country="VN", reference="invoice")
    assert [x.subject_id for x in d.run(HighRiskCorridor, trade_reference_words=("INVOICE",))] == ["P1"]
