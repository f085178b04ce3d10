"""TF-PASS-01 rapid pass-through: >= 90% of inflows (>= 20,000 USD in 30 days) out within 72 hours.

Positives: 3-6 inflows totalling 25,000-60,000 USD (hard: 20,500-24,000) within 25 days,
each forwarded 92-99% (hard: 90.5-93%) within 6-60 hours (hard: 55-70) to other accounts.
The account has no other inflows in the window; background is small card spending.
Look-alike ``benign:bonus_then_large_purchase``: a 20,000-26,000 USD inflow of which only
55-75% (hard: 80-88%) is spent within 72 hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-PASS-01"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        if i % 3 == 2:
            pk, ak = ctx.business(line="import and export trading", background=0)
        else:
            pk, ak = ctx.person(background=0)
        inst.subject(pk)
        country = w._party_country(pk)
        k = int(ctx.rng.integers(3, 7))
        total = ctx.money(20_500, 24_000) if ctx.hard else ctx.money(25_000, 60_000)
        day0 = ctx.anchor(30)
        w.background(ctx.rng, pk, ak, 0, max(0.0, day0 - 5), 4, ("card",))
        w.background(ctx.rng, pk, ak, min(ctx.days - 1.0, day0 + 40), ctx.days, 3, ("card",))
        outs = [ctx.external_org(str(ctx.choice(("AE", "HK", "TR", "SG", "CN"))))[1] for _ in range(2)]
        for j in range(k):
            d = day0 + 25 * j / (k - 1)
            # hard: inflows close to equal, so that their sum stays above 20,000
            usd = round(total / k * (ctx.uniform(0.99, 1.03) if ctx.hard else ctx.uniform(0.85, 1.15)), 2)
            _, src = ctx.external_org(country, "Holdings")
            inst.evidence(w.txn(w.ts(d), "wire" if ctx.rng.random() < 0.5 else "domestic_transfer", src, ak, usd=usd))
            share = ctx.uniform(0.905, 0.93) if ctx.hard else ctx.uniform(0.92, 0.99)
            lag = ctx.uniform(55, 70) / 24 if ctx.hard else ctx.uniform(6, 60) / 24
            dst = outs[j % 2]
            inst.evidence(w.txn(w.ts(d + lag), "wire", ak, dst, usd=round(usd * share, 2)))
        for o in outs:
            inst.label("account", o, "beneficiary")


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:bonus_then_large_purchase")
        pk, ak = ctx.person(background=6)
        inst.subject(pk)
        country = w._party_country(pk)
        _, employer = ctx.external_org(country, "Industries")
        day = ctx.anchor(10)
        usd = ctx.money(20_000, 26_000)
        inst.evidence(w.txn(w.ts(day), "domestic_transfer", employer, ak, usd=usd, reference="BONUS"))
        dealer = w.new_business(ctx.rng, country, "used car dealer")
        dacc = w.new_account(dealer, "business", country)
        inst.evidence(w.txn(w.ts(day + ctx.uniform(0.5, 2.5)), "domestic_transfer", ak, dacc,
                            usd=round(usd * (ctx.uniform(0.80, 0.88) if ctx.hard else ctx.uniform(0.55, 0.75)), 2),
                            reference="CAR PURCHASE"))
