"""TF-TBML-02 phantom shipment or multiple invoicing (one variant per instance, in turn):
``no_shipment`` (a paid invoice with no shipment reference), ``double_invoiced`` (one bill
of lading on 2-3 invoices), ``payment_mismatch`` (payment 15-40% (hard: 11-14%) away from the
invoice value), ``third_party_payer`` (paid by a party other than the importer).
Look-alikes: ``benign:early_payment_discount`` (payment 2-8% under the invoice) and
``benign:split_shipment`` (two invoices, each with its own bill of lading).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-TBML-02"
VARIANTS = ("no_shipment", "double_invoiced", "payment_mismatch", "third_party_payer")


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        variant = VARIANTS[i % len(VARIANTS)]
        inst = ctx.instance(TYPOLOGY_ID)
        dom, forn = ctx.trading.pair(ctx)
        exporter, importer = (forn, dom) if i % 2 == 0 else (dom, forn)
        inst.subject(dom.party)
        inst.label("party", forn.party, "counterparty")
        good = ctx.trading.COMMON[int(ctx.rng.integers(len(ctx.trading.COMMON)))]
        qty = max(1.0, round(ctx.uniform(15_000, 90_000) / good[3]))
        unit = good[3] * ctx.uniform(0.85, 1.2)
        day = ctx.anchor(40)
        docs: list[tuple[int, int | None]] = []
        if variant == "no_shipment":
            docs.append(ctx.trading.invoice(ctx, exporter, importer, good, qty, unit, day, shipment_ref=None))
        elif variant == "double_invoiced":
            ref = f"BL{int(ctx.rng.integers(10**9, 10**10))}"
            for j in range(int(ctx.rng.integers(2, 4))):
                docs.append(ctx.trading.invoice(ctx, exporter, importer, good, qty, unit, day + j * ctx.uniform(1, 6), shipment_ref=ref))
        elif variant == "payment_mismatch":
            f = ctx.uniform(1.11, 1.14) if ctx.hard else ctx.uniform(1.15, 1.4)
            if ctx.rng.random() < 0.4:
                f = 2 - f
            docs.append(ctx.trading.invoice(ctx, exporter, importer, good, qty, unit, day, pay_factor=f))
        else:
            payer_party = w.new_business(ctx.rng, str(ctx.choice(("AE", "HK", "TR"))), "import and export trading")
            payer = w.new_external(w.party_row(payer_party)["name"], w.party_row(payer_party)["country"], "business",
                                   pk=payer_party)
            inst.label("party", payer_party, "intermediary")
            docs.append(ctx.trading.invoice(ctx, exporter, importer, good, qty, unit, day, payer=payer))
        for tk, pay in docs:
            inst.label("trade_document", tk, "evidence")
            if pay is not None:
                inst.evidence(pay)


def benign(ctx: PlantContext) -> None:
    for i in range(ctx.n_benign):
        dom, forn = ctx.trading.pair(ctx)
        good = ctx.trading.COMMON[int(ctx.rng.integers(len(ctx.trading.COMMON)))]
        qty = max(1.0, round(ctx.uniform(15_000, 90_000) / good[3]))
        unit = good[3] * ctx.uniform(0.85, 1.2)
        day = ctx.anchor(40)
        if i % 2 == 0:
            inst = ctx.instance("benign:early_payment_discount")
            docs = [ctx.trading.invoice(ctx, forn, dom, good, qty, unit, day, pay_factor=1 - ctx.uniform(0.02, 0.08))]
        else:
            inst = ctx.instance("benign:split_shipment")
            docs = [ctx.trading.invoice(ctx, forn, dom, good, round(qty / 2) or 1.0, unit, day + j * 5) for j in range(2)]
        inst.subject(dom.party)
        for tk, pay in docs:
            inst.label("trade_document", tk, "evidence")
            if pay is not None:
                inst.evidence(pay)
