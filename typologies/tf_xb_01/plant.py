"""TF-XB-01 high-risk corridor: >= 10,000 USD in 30 days to/from high-risk jurisdictions.

Positives: an individual (or, every fourth, a business with no trade documents) sends (or,
every third, receives) 2-3 wires/remittances totalling 12,000-30,000 USD (hard:
10,200-12,500) within 5-25 days (hard: 22-29) to/from individuals in conflict zones or
FATF-listed countries, with no NPO or trade purpose.
Look-alikes: ``benign:family_remittances_high_risk`` (monthly support under 1,600 USD to
relatives in a high-risk country) and ``benign:trade_payment_high_risk`` (an importer paying
a supplier in a listed country >= 10,000 USD against an invoice and bill of lading).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-XB-01"
CATS = ("conflict_zone", "fatf_call_for_action", "conflict_border_or_transit")


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        if i % 4 == 3:
            pk, ak = ctx.business(line="import and export trading")
        else:
            pk, ak = ctx.person(background=6)
        inst.subject(pk)
        dest = ctx.high_risk(CATS)
        total = ctx.money(10_200, 12_500) if ctx.hard else ctx.money(12_000, 30_000)
        span = ctx.uniform(22, 29) if ctx.hard else ctx.uniform(5, 25)
        day0 = ctx.anchor(span + 1)
        k = int(ctx.rng.integers(2, 4))  # 2-3 counterparties (more would also read as TF-REM-01)
        inbound = i % 3 == 2
        for j in range(k):
            name, ext = ctx.external_person(dest)
            d = day0 + (span * j / (k - 1) if k > 1 else 0)
            ch = "wire" if ctx.rng.random() < 0.6 else "remittance"
            src, dst = (ext, ak) if inbound else (ak, ext)
            inst.evidence(w.txn(w.ts(d), ch, src, dst, usd=round(total / k, 2)))
            inst.label("account", ext, "counterparty")


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n_benign):
        if i % 2 == 0:
            inst = ctx.instance("benign:family_remittances_high_risk")
            home = ctx.high_risk(("conflict_zone",))
            host = str(ctx.choice(("US", "CA", "AU", "SG", "NZ")))
            pk, ak = ctx.person(country=host, nationality=home if home in ctx.geo.BY_CODE else None,
                                background=6, bg_kinds=("card", "atm", "salary"))
            inst.subject(pk)
            name, ext = ctx.external_person(home)
            day0 = ctx.anchor(120)
            for m in range(4):
                inst.evidence(w.txn(w.ts(day0 + 30 * m + ctx.uniform(0, 3)), "remittance", ak, ext,
                                    usd=ctx.money(400, 800), reference="FAMILY SUPPORT"))
        else:
            inst = ctx.instance("benign:trade_payment_high_risk")
            pk, ak = ctx.business(line="import and export trading")
            inst.subject(pk)
            dest = str(ctx.choice(("VN", "KE", "NG", "LA", "BG")))
            sup = w.new_business(ctx.rng, dest if dest in ctx.geo.BY_CODE else "VN", "garment manufacturing")
            sacc = w.new_external(w.p_parties[-1]["name"], w.p_parties[-1]["country"], "business", pk=sup)
            g = ctx.goods.GOODS[2]
            usd = ctx.money(12_000, 40_000)
            day = ctx.anchor(40)
            t = w.txn(w.ts(day + 20), "wire", ak, sacc, usd=usd, currency="USD", amount=usd, reference="INVOICE PAYMENT")
            tr = w.trade(w.day_date(day), sup, pk, hs_code=g[0], goods_description=g[1], quantity=float(round(usd / g[3])),
                         unit=g[2], _usd=usd, invoice_value=usd, currency="USD",
                         origin_country=w.p_parties[-1]["country"], destination_country=w._party_country(pk),
                         shipment_ref=f"BL{int(ctx.rng.integers(10**8, 10**9))}", payment=t)
            inst.evidence(t)
            inst.label("trade_document", tr, "evidence")
