"""Trade-based laundering detectors TF-TBML-01..03 on handmade trade documents."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from test_graph_detectors import World

from typologies.tf_tbml_01 import OverUnderInvoicing
from typologies.tf_tbml_02 import PhantomShipment
from typologies.tf_tbml_03 import IllogicalTradeRoute, region_of


class Trade(World):
    def __init__(self) -> None:
        super().__init__()
        self.k = 0

    def doc(self, exp: str, imp: str, hs: str, qty: float, value: float, d: date, *, ship: str | None = "auto",
            pay: str | None = None, orig: str = "DE", dest: str = "FR", trans: str | None = None,
            unit: str = "kg") -> str:
        self.k += 1
        tid = f"INV{self.k:03d}"
        for x in (exp, imp):
            self.party(x, ptype="business")
        self.con.execute(
            "INSERT INTO trade_documents (trade_id, date, exporter_party_id, importer_party_id, hs_code, quantity, "
            "unit, invoice_value, currency, origin_country, destination_country, transshipment_country, "
            "shipment_ref, payment_txn_id, invoice_value_base, _batch_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?, ?, ?, ?, ?, 1)",
            [tid, d, exp, imp, hs, qty, unit, value, orig, dest, trans, f"BL-{tid}" if ship == "auto" else ship,
             pay, value],
        )
        return tid

    def market(self, n: int = 12, hs: str = "850110") -> None:
        for i in range(n):
            self.doc(f"E{i}", f"I{i}", hs, 100, 1000 + 10 * i, date(2026, 3, 1 + i))


@pytest.fixture
def trade() -> Trade:
    return Trade()


def test_over_and_under_invoicing(trade: Trade) -> None:
    trade.market()
    over = trade.doc("EX", "IM", "850110", 100, 5000, date(2026, 4, 1))  # ~4.7x the median
    trade.doc("EX2", "IM2", "850110", 100, 300, date(2026, 4, 1))  # ~3.5x below
    trade.doc("EX3", "IM3", "850110", 100, 2500, date(2026, 4, 1))  # 2.4x: premium, not alerted
    alerts = trade.detect(OverUnderInvoicing)
    assert {a.subject_id for a in alerts} == {"EX", "IM", "EX2", "IM2"}
    a = next(a for a in alerts if a.subject_id == "EX")
    assert a.evidence == [over] and a.details["direction"] == "over-invoicing"
    assert a.details["factor"] == pytest.approx(5000 / 100 / a.details["reference_price"], rel=1e-3)
    only = trade.detect(OverUnderInvoicing, subject="beneficiary")
    assert {a.subject_id for a in only} == {"EX", "IM2"}


def test_invoicing_needs_enough_comparables(trade: Trade) -> None:
    trade.market(n=8)
    trade.doc("EX", "IM", "850110", 100, 9000, date(2026, 4, 1))
    assert trade.detect(OverUnderInvoicing) == []  # 9 documents < 10
    assert trade.detect(OverUnderInvoicing, min_comparables=5) != []


def test_phantom_shipment_checks(trade: Trade) -> None:
    trade.account("IMP-ACC", "IMP")
    trade.account("OTHER-ACC", "OTHER")
    paid = trade.tx("IMP-ACC", "X", 1000, datetime(2026, 5, 2))
    mismatch = trade.tx("IMP-ACC", "X", 1200, datetime(2026, 5, 3))
    third = trade.tx("OTHER-ACC", "X", 1000, datetime(2026, 5, 4))
    ok = trade.tx("IMP-ACC", "X", 1050, datetime(2026, 5, 5))
    d1 = trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), ship=None, pay=paid)
    d2 = trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), pay=mismatch)
    d3 = trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), pay=third)
    d4 = trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), ship="BL-SAME")
    d5 = trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 2), ship="BL-SAME")
    trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), pay=ok)  # 5% off: early payment discount
    trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), ship=None)  # unpaid, no shipment yet
    alerts = [a for a in trade.detect(PhantomShipment) if a.subject_id == "IMP"]
    checks = {a.details["trade_id"]: a.details["checks"] for a in alerts}
    assert checks == {
        d1: ["no_shipment"], d2: ["payment_mismatch"], d3: ["third_party_payment"],
        d4: ["multiple_invoicing"], d5: ["multiple_invoicing"],
    }
    assert {a.subject_id for a in trade.detect(PhantomShipment)} == {"IMP", "EXP"}
    d4_alert = next(a for a in alerts if a.details["trade_id"] == d4)
    assert d5 in d4_alert.evidence


def test_third_party_payer_by_originator_name(trade: Trade) -> None:
    trade.party("IMP", "Acme Imports Ltd", ptype="business")
    t1 = trade.tx("EXT-1", "X", 1000, datetime(2026, 5, 2))
    t2 = trade.tx("EXT-2", "X", 1000, datetime(2026, 5, 2))
    trade.con.execute("UPDATE transactions SET originator_name = 'ACME IMPORTS LTD ' WHERE txn_id = ?", [t1])
    trade.con.execute("UPDATE transactions SET originator_name = 'Shell Co SA' WHERE txn_id = ?", [t2])
    trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), pay=t1)
    d2 = trade.doc("EXP", "IMP", "620000", 10, 1000, date(2026, 5, 1), pay=t2)
    alerts = trade.detect(PhantomShipment, subject="importer")
    assert [a.details["trade_id"] for a in alerts] == [d2]


def test_circular_trade(trade: Trade) -> None:
    a1 = trade.doc("CA", "CB", "271000", 10, 10000, date(2026, 5, 1))
    a2 = trade.doc("CB", "CC", "271099", 10, 9500, date(2026, 5, 20))
    a3 = trade.doc("CC", "CA", "271011", 10, 9000, date(2026, 6, 20))
    # processing trade: cotton out, garments back (different headings) is not circular
    trade.doc("PA", "PB", "520100", 10, 10000, date(2026, 5, 1))
    trade.doc("PB", "PA", "620300", 10, 30000, date(2026, 6, 1))
    # goods back after more than 180 days
    trade.doc("LA", "LB", "300400", 10, 10000, date(2026, 1, 2))
    trade.doc("LB", "LA", "300400", 10, 9000, date(2026, 7, 15))
    alerts = [a for a in trade.detect(IllogicalTradeRoute) if a.details["pattern"] == "circular_trade"]
    assert {a.subject_id for a in alerts} == {"CA"}
    assert alerts[0].evidence == [a1, a2, a3] and alerts[0].details["route"] == ["CA", "CB", "CC", "CA"]


def test_circular_trade_through_a_party_group(trade: Trade) -> None:
    trade.party("GA1", ptype="business")
    trade.party("GA2", ptype="business")
    trade.con.execute("UPDATE parties SET address = '1 Harbour Road,  Lagos' WHERE party_id = 'GA1'")
    trade.con.execute("UPDATE parties SET address = '1 harbour road, lagos' WHERE party_id = 'GA2'")
    trade.doc("GA1", "GB", "710800", 1, 50000, date(2026, 3, 1))
    trade.doc("GB", "GA2", "710812", 1, 48000, date(2026, 4, 1))
    alerts = [a for a in trade.detect(IllogicalTradeRoute) if a.details["pattern"] == "circular_trade"]
    assert {a.subject_id for a in alerts} == {"GA1", "GA2"}


def test_illogical_transshipment(trade: Trade) -> None:
    bad = trade.doc("TA", "TB", "620000", 10, 10000, date(2026, 5, 1), orig="DE", dest="FR", trans="IR")
    trade.doc("UA", "UB", "620000", 10, 10000, date(2026, 5, 1), orig="DE", dest="FR", trans="SG")  # not high-risk
    trade.doc("VA", "VB", "620000", 10, 10000, date(2026, 5, 1), orig="CN", dest="FR", trans="IR")  # long haul
    alerts = [a for a in trade.detect(IllogicalTradeRoute) if a.details["pattern"] == "illogical_transshipment"]
    assert {a.subject_id for a in alerts} == {"TA", "TB"}
    assert alerts[0].evidence == [bad] and "both in Europe" in alerts[0].explanation


def test_region_lookup() -> None:
    assert region_of("DE") == region_of("FR") == "Europe"
    assert region_of("SG") == "Asia"
    assert region_of("QQ") is None
