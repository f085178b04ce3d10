"""TF-TBML-01 over/under-invoicing: unit price >= 3x away from the HS code's median.

Positives: 1-3 invoices of a common good (one with >= 10 comparable documents in normal
trade) priced 4-9x (hard: 3.3-3.9x) above, or 1/4-1/9 (hard: 1/3.3-1/3.9) of, the
reference unit price, paid in full.  Subject: the domestic trader.
Look-alike ``benign:premium_goods_importer``: 1.8-2.5x the reference price (premium goods).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-TBML-01"


def plant(ctx: PlantContext) -> None:
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        dom, forn = ctx.trading.pair(ctx)
        inst.subject(dom.party)
        inst.label("party", forn.party, "counterparty")
        good = ctx.trading.COMMON[int(ctx.rng.integers(len(ctx.trading.COMMON)))]
        factor = ctx.uniform(3.3, 3.9) if ctx.hard else ctx.uniform(4, 9)
        over = i % 2 == 0
        unit = good[3] * (factor if over else 1 / factor)
        exporter, importer = (forn, dom) if i % 4 < 2 else (dom, forn)
        for _ in range(int(ctx.rng.integers(1, 4))):
            qty = max(1.0, round(ctx.uniform(20_000, 80_000) / good[3]))
            tk, pay = ctx.trading.invoice(ctx, exporter, importer, good, qty, unit, ctx.anchor(35))
            inst.label("trade_document", tk, "evidence")
            if pay is not None:
                inst.evidence(pay)


def benign(ctx: PlantContext) -> None:
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:premium_goods_importer")
        dom, forn = ctx.trading.pair(ctx)
        inst.subject(dom.party)
        good = ctx.trading.COMMON[int(ctx.rng.integers(len(ctx.trading.COMMON)))]
        unit = good[3] * ctx.uniform(1.8, 2.5)
        qty = max(1.0, round(ctx.uniform(20_000, 80_000) / good[3]))
        tk, pay = ctx.trading.invoice(ctx, forn, dom, good, qty, unit, ctx.anchor(35))
        inst.label("trade_document", tk, "evidence")
        if pay is not None:
            inst.evidence(pay)
