"""TF-NPO-01 and TF-NPO-02 on handcrafted rows: positives, negatives and threshold edges."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import transfer_fixtures

from typologies import registry
from typologies.tf_npo_01 import NpoFundsDiverted
from typologies.tf_npo_02 import NpoPassThrough

T0 = datetime(2025, 3, 3, 10, 0, 0)
SEC = timedelta(seconds=1)


def day(n: float) -> timedelta:
    return timedelta(days=n)


class Db(transfer_fixtures.Db):
    """The ledger, with parties and accounts in Great Britain by default."""

    country = "GB"


def test_registered_with_catalogue_defaults() -> None:
    found = registry.all_typologies()
    assert "TF-NPO-01" in found and "TF-NPO-02" in found
    p1, p2 = NpoFundsDiverted.Params(), NpoPassThrough.Params()
    assert (p1.min_diverted_share, p1.min_outflows, p1.window_days) == (0.2, 10_000, 90)
    assert (p2.min_donors, p2.forward_days, p2.min_forward_share, p2.max_beneficiaries) == (10, 7, 0.7, 2)


# ---------------------------------------------------------------------------- TF-NPO-01


def _npo(d: Db, ops: list[str] | None = None) -> tuple[str, str]:
    """An NPO registered in GB operating in KE and UG, and a Kenyan partner organisation."""
    n = d.customer("NPO", "npo", npo_operating_countries=ops if ops is not None else ["KE", "UG"])
    org = d.customer("ORG", "business", country="KE")
    return n, org


def test_npo01_positive_outside_operations() -> None:
    d = Db()
    n, org = _npo(d)
    for i in range(8):
        d.txn(T0 + day(10 * i), n, org, 5000)
    bad = d.txn(T0 + day(20), n, "X1", 12000, beneficiary_country="SY", beneficiary_name="Relief Supplies Co")
    alerts = d.run(NpoFundsDiverted)
    assert len(alerts) == 1
    al = alerts[0]
    assert al.subject_id == "NPO" and al.evidence == [bad]
    assert al.details["outside_operations_amount"] == 12000
    assert al.details["to_individuals_amount"] == 0
    assert "Syria" in al.explanation and "high-risk" in al.explanation


@pytest.mark.parametrize("diverted,expected", [(3000.0, 1), (2999.99, 0)])
def test_npo01_share_edge(diverted: float, expected: int) -> None:
    d = Db()
    n, org = _npo(d)
    d.txn(T0, n, org, 12000)
    d.txn(T0 + day(1), n, None, diverted, channel="cash_withdrawal", location_country="GB")
    assert len(d.run(NpoFundsDiverted)) == expected


@pytest.mark.parametrize("total,expected", [(10000.0, 1), (9999.99, 0)])
def test_npo01_outflow_edge(total: float, expected: int) -> None:
    d = Db()
    n, org = _npo(d)
    d.txn(T0, n, org, total - 5000)
    d.txn(T0 + day(1), n, None, 5000, channel="atm_withdrawal", location_country="GB")
    assert len(d.run(NpoFundsDiverted)) == expected


@pytest.mark.parametrize("gap,expected", [(day(90), 1), (day(90) + SEC, 0)])
def test_npo01_ninety_day_window(gap: timedelta, expected: int) -> None:
    d = Db()
    n, org = _npo(d)
    d.txn(T0, n, "X1", 3000, beneficiary_country="DE", beneficiary_name="Weber Logistik GmbH")
    d.txn(T0 + gap, n, org, 7000)
    assert len(d.run(NpoFundsDiverted)) == expected


def test_npo01_declared_operations_and_home_country_are_not_diverted() -> None:
    d = Db()
    n, org = _npo(d)
    d.txn(T0, n, org, 9000)
    d.txn(T0 + day(1), n, "X-UG", 9000, beneficiary_country="UG", beneficiary_name="Kampala Clinic")
    d.txn(T0 + day(2), n, "X-GB", 9000, beneficiary_country="GB", beneficiary_name="Office Supplies Ltd")
    assert d.run(NpoFundsDiverted) == []


def test_npo01_individuals_count_on_file_or_by_name() -> None:
    d = Db()
    n, org = _npo(d)
    person = d.customer("PERS", "individual", country="KE")
    d.txn(T0, n, org, 7000)
    d.txn(T0 + day(1), n, person, 1500)
    d.txn(T0 + day(2), n, "X-KE", 1500, beneficiary_country="KE", beneficiary_name="Amina Yusuf")
    alerts = d.run(NpoFundsDiverted)
    assert len(alerts) == 1 and alerts[0].details["to_individuals_amount"] == 3000
    assert "to individuals" in alerts[0].explanation


def test_npo01_high_risk_destination_raises_score() -> None:
    def score(country: str) -> float:
        d = Db()
        n, org = _npo(d)
        d.txn(T0, n, org, 8000)
        d.txn(T0 + day(1), n, "X1", 4000, beneficiary_country=country, beneficiary_name="Partner Agency")
        return d.run(NpoFundsDiverted)[0].score

    assert score("SO") > score("FR")


def test_npo01_other_party_types_ignored() -> None:
    d = Db()
    b = d.customer("BIZ", "business")
    d.txn(T0, b, None, 20000, channel="cash_withdrawal", location_country="GB")
    assert d.run(NpoFundsDiverted) == []


# ---------------------------------------------------------------------------- TF-NPO-02


def _donations(d: Db, npo: str, donors: int = 10, amount: float = 1000.0) -> list[str]:
    return [d.txn(T0 + day(i), f"DONOR{i}", npo, amount, channel="mobile_transfer") for i in range(donors)]


def _npo2(d: Db, **kw: Any) -> str:
    return d.customer("NPO", "npo", address="1 High Street, London", npo_operating_countries=["KE"], **kw)


@pytest.mark.parametrize("donors,expected", [(10, 1), (9, 0)])
def test_npo02_concentration_positive_and_donor_edge(donors: int, expected: int) -> None:
    d = Db()
    n = _npo2(d)
    dons = _donations(d, n, donors)
    total = 1000.0 * donors
    f1 = d.txn(T0 + day(donors), n, "B1", 0.5 * total, beneficiary_country="LB")
    f2 = d.txn(T0 + day(donors + 1), n, "B2", 0.3 * total, beneficiary_country="LB")
    alerts = d.run(NpoPassThrough)
    assert len(alerts) == expected
    if expected:
        al = alerts[0]
        assert al.subject_id == "NPO" and al.evidence == dons + [f1, f2]
        assert al.details["concentration"] and al.details["forwarded_share"] == 0.8
        assert "10 donors" in al.explanation and "2 beneficiaries" in al.explanation


@pytest.mark.parametrize("second,expected", [(2000.0, 1), (1999.99, 0)])
def test_npo02_forward_share_edge(second: float, expected: int) -> None:
    d = Db()
    n = _npo2(d)
    _donations(d, n)  # 10,000
    d.txn(T0 + day(10), n, "B1", 5000, beneficiary_country="LB")
    d.txn(T0 + day(10), n, "B2", second, beneficiary_country="LB")
    d.txn(T0 + day(10), n, "B3", 1000, beneficiary_country="LB")  # the third beneficiary does not count
    assert len(d.run(NpoPassThrough)) == expected


@pytest.mark.parametrize("after,expected", [(day(7), 1), (day(7) + SEC, 0)])
def test_npo02_seven_days_to_forward(after: timedelta, expected: int) -> None:
    d = Db()
    n = _npo2(d)
    _donations(d, n)  # last donation at T0 + 9 days
    d.txn(T0 + day(9) + after, n, "B1", 8000, beneficiary_country="LB")
    assert len(d.run(NpoPassThrough)) == expected


def test_npo02_concentration_needs_no_foreign_leg() -> None:
    d = Db()
    n = _npo2(d)
    _donations(d, n)
    d.account("B1-ACC", None, country="GB")
    d.txn(T0 + day(10), n, "B1-ACC", 8000)  # a domestic beneficiary
    alerts = d.run(NpoPassThrough)
    assert len(alerts) == 1 and alerts[0].details["abroad_amount"] == 0
    assert "abroad" not in alerts[0].explanation


def test_npo02_disbursing_more_than_donated_to_many_partners_is_not_concentrated() -> None:
    d = Db()
    n = _npo2(d)
    _donations(d, n)  # 10,000
    for i, c in enumerate(["KE", "UG", "KE", "TZ"]):  # 18,000 to 4 partners; the top 2 carry 90% of donations
        d.txn(T0 + day(10), n, f"B{i}", 4500, beneficiary_country=c)
    assert d.run(NpoPassThrough) == []


def test_npo02_spread_to_many_beneficiaries_is_not_pass_through() -> None:
    d = Db()
    n = _npo2(d)
    _donations(d, n)
    for i in range(5):
        d.txn(T0 + day(10), n, f"B{i}", 1800, beneficiary_country="LB")
    assert d.run(NpoPassThrough) == []


def _related_case(d: Db, onward: float, link: str) -> list[str]:
    """Three beneficiaries get 30% each (so no two carry 70%); they are related to the NPO
    through ``link`` and send ``onward`` of what they got abroad."""
    n = _npo2(d, id_number="NPO-REG-1")
    # an officer: same address as the NPO, and a passport number shared with the beneficiaries
    d.party("OFFICER", "individual", address="1 high street, london ", id_number="P1234567")
    ids = _donations(d, n)
    for i in range(3):
        kw: dict[str, Any] = {"address": f"{i} Other Road"}
        if link == "officer_id":
            kw["id_number"] = "p1234567"
        elif link == "npo_address":
            kw["address"] = "1 High Street, London"
        acct = d.customer(f"REL{i}", "individual", **kw)
        ids.append(d.txn(T0 + day(10), n, acct, 3000))
        ids.append(d.txn(T0 + day(12), acct, f"X{i}", 3000 * onward, beneficiary_country="TR"))
    return ids


@pytest.mark.parametrize("link", ["officer_id", "npo_address"])
def test_npo02_related_parties_that_send_abroad(link: str) -> None:
    d = Db()
    ids = _related_case(d, 0.9, link)
    alerts = d.run(NpoPassThrough)
    assert len(alerts) == 1
    al = alerts[0]
    assert not al.details["concentration"]
    assert al.details["related_parties"] == ["REL0", "REL1", "REL2"]
    assert al.details["abroad_amount"] == pytest.approx(8100)
    assert sorted(al.evidence) == sorted(ids)
    assert "related parties" in al.explanation and "Türkiye" in al.explanation


@pytest.mark.parametrize("onward,expected", [(0.7, 1), (0.69, 0)])
def test_npo02_related_parties_must_send_it_abroad(onward: float, expected: int) -> None:
    d = Db()
    _related_case(d, onward, "officer_id")
    assert len(d.run(NpoPassThrough)) == expected


def test_npo02_unrelated_beneficiaries_or_common_identifiers_do_not_link() -> None:
    d = Db()
    _related_case(d, 0.9, "none")
    assert d.run(NpoPassThrough) == []
    d2 = Db()
    _related_case(d2, 0.9, "officer_id")
    assert len(d2.run(NpoPassThrough)) == 1
    # the same passport number on many more parties is a placeholder, not a link
    for i in range(25):
        d2.party(f"FILLER{i}", "individual", id_number="P1234567")
    assert d2.run(NpoPassThrough) == []


def test_npo02_own_account_abroad_counts_as_related() -> None:
    d = Db()
    n = _npo2(d)
    d.account("NPO-TR", "NPO", country="TR", atype="npo")
    _donations(d, n)
    for i in range(3):  # spread so that the concentration branch alone would not hold
        d.txn(T0 + day(10), n, f"B{i}", 1000)
    d.txn(T0 + day(10), n, "NPO-TR", 7000)
    d.txn(T0 + day(11), "NPO-TR", "X1", 6500, beneficiary_country="SY")
    alerts = d.run(NpoPassThrough)
    assert len(alerts) == 1 and alerts[0].details["related_parties"] == ["NPO"]


def test_npo02_partner_organisations_in_declared_countries_are_programme_delivery() -> None:
    d = Db()
    n = d.customer("NPO", "npo", npo_operating_countries=["GB", "SO"])
    _donations(d, n)
    d.txn(T0 + day(10), n, "P1", 8000, beneficiary_country="SO", beneficiary_name="Dawn Relief Partners Ltd")
    assert d.run(NpoPassThrough) == []
    assert len(d.run(NpoPassThrough, excuse_declared_partners=False)) == 1
    d2 = Db()
    n2 = d2.customer("NPO", "npo", npo_operating_countries=["GB", "SO"])
    _donations(d2, n2)
    d2.txn(T0 + day(10), n2, "P1", 8000, beneficiary_country="SO", beneficiary_name="Abdi Hassan")
    assert len(d2.run(NpoPassThrough)) == 1
