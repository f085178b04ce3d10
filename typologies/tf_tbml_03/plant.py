"""TF-TBML-03 illogical route / circular trade.

Positives (alternating): ``circular`` - goods of one HS heading leave a domestic trader and
come back to it within 20-150 days (hard: 150-175), A -> B -> A or A -> B -> C -> A;
``high_risk_transshipment`` - goods shipped between two countries of the same region via a
high-risk jurisdiction.
Look-alikes: ``benign:processing_trade`` (cotton out, garments back: different HS headings)
and ``benign:transshipment_via_hub`` (same region via SG/HK, or a long haul via TR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-TBML-03"
#: (origin, destination, high-risk transshipment) within one region
SAME_REGION = (("MY", "TH", "MM"), ("SG", "ID", "MM"), ("AE", "SA", "IR"), ("TH", "VN", "LA"), ("CN", "KR", "KP"),
               ("AE", "QA", "YE"), ("JO", "SA", "SY"), ("KE", "ET", "SO"), ("PH", "MY", "MM"))


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        g = ctx.trading.COMMON[int(ctx.rng.integers(len(ctx.trading.COMMON)))]
        qty = max(1.0, round(ctx.uniform(20_000, 70_000) / g[3]))
        unit = g[3] * ctx.uniform(0.9, 1.15)
        if i % 2 == 0:
            dom, b = ctx.trading.pair(ctx)
            inst.subject(dom.party)
            chain = [dom, b]
            if ctx.rng.random() < 0.4:
                cp = w.new_business(ctx.rng, "AE" if b.country != "AE" else "HK", "import and export trading")
                chain.append(ctx.trading.Trader(cp, w.new_external(w.party_row(cp)["name"], w.party_row(cp)["country"], "business",
                                                       pk=cp), w.party_row(cp)["country"]))
            span = ctx.uniform(150, 175) if ctx.hard else ctx.uniform(20, 150)
            day0 = ctx.anchor(span + 35)
            hops = len(chain)
            for h in range(hops):
                exp, imp = chain[h], chain[(h + 1) % hops]
                tk, pay = ctx.trading.invoice(ctx, exp, imp, g, qty, unit * (1 + 0.03 * h), day0 + span * h / (hops - 1))
                inst.label("trade_document", tk, "evidence")
                if pay is not None:
                    inst.evidence(pay)
            for t in chain[1:]:
                inst.label("party", t.party, "counterparty")
        else:
            o, d, via = SAME_REGION[int(ctx.rng.integers(len(SAME_REGION)))]
            home_is_origin = o in ctx.geo.APEC or d not in ctx.geo.APEC
            dom, forn = ctx.trading.pair(ctx, foreign_country=d if home_is_origin else o, home=o if home_is_origin else d)
            inst.subject(dom.party)
            inst.label("party", forn.party, "counterparty")
            exp, imp = (dom, forn) if home_is_origin else (forn, dom)
            for _ in range(int(ctx.rng.integers(1, 3))):
                tk, pay = ctx.trading.invoice(ctx, exp, imp, g, qty, unit, ctx.anchor(35), transship=via)
                inst.label("trade_document", tk, "evidence")
                if pay is not None:
                    inst.evidence(pay)


def benign(ctx: PlantContext) -> None:
    for i in range(ctx.n_benign):
        if i % 2 == 0:
            inst = ctx.instance("benign:processing_trade")
            dom, b = ctx.trading.pair(ctx, line="garment manufacturing")
            inst.subject(dom.party)
            day = ctx.anchor(90)
            cotton, shirts = ctx.goods.good("520100"), ctx.goods.good("610910")
            docs = [ctx.trading.invoice(ctx, dom, b, cotton, 20_000.0, cotton[3], day),
                    ctx.trading.invoice(ctx, b, dom, shirts, 12_000.0, shirts[3] * ctx.uniform(0.9, 1.1), day + 60)]
        else:
            inst = ctx.instance("benign:transshipment_via_hub")
            g = ctx.trading.COMMON[int(ctx.rng.integers(len(ctx.trading.COMMON)))]
            if ctx.rng.random() < 0.5:
                dom, forn = ctx.trading.pair(ctx, foreign_country="TH")
                via = "SG" if dom.country != "SG" else "HK"
            else:
                dom, forn = ctx.trading.pair(ctx, foreign_country="DE")
                via = "TR"
            inst.subject(dom.party)
            docs = [ctx.trading.invoice(ctx, dom, forn, g, max(1.0, round(30_000 / g[3])), g[3], ctx.anchor(35), transship=via)]
        for tk, pay in docs:
            inst.label("trade_document", tk, "evidence")
            if pay is not None:
                inst.evidence(pay)
