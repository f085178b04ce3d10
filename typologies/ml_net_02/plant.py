"""ML-NET-02 scatter-gather / gather-scatter.

Positives: ``scatter_gather`` (3 of 4 instances) - a source sends to 3-6 intermediaries, each
forwards 85-98% to one common sink, all within 1-6 days (hard: up to 6.8); subjects: the
source and the sink, intermediaries labelled ``intermediary``.  ``gather_scatter`` - 3-5
sources pay one hub that forwards to 3-5 sinks within 7 days; subject: the hub, with the
sources and sinks as ``counterparty``.
Look-alike ``benign:family_support_split``: a parent sends to 3 children who each spend it
on their own (no common sink).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "ML-NET-02"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        span = ctx.uniform(5.5, 6.8) if ctx.hard else ctx.uniform(1, 6)
        day0 = ctx.anchor(span + 1)
        if i % 4 != 3:
            sp, sacc = ctx.person(background=4)
            country = w._party_country(sp)
            tp, tacc = ctx.person(country=country, background=4)
            inst.subject(sp)
            inst.subject(tp)
            for _ in range(int(ctx.rng.integers(3, 7))):
                ip, iacc = ctx.person(country=country, background=3)
                inst.label("party", ip, "intermediary")
                usd = ctx.money(3_000, 15_000)
                d1 = day0 + ctx.uniform(0, span * 0.4)
                inst.evidence(w.txn(w.ts(d1), "domestic_transfer", sacc, iacc, usd=usd))
                d2 = d1 + ctx.uniform(0.2, span * 0.6)
                inst.evidence(w.txn(w.ts(d2), "mobile_transfer" if ctx.rng.random() < 0.3 else "domestic_transfer",
                                    iacc, tacc, usd=round(usd * ctx.uniform(0.85, 0.98), 2)))
        else:
            hp, hacc = ctx.business(background=3)
            inst.subject(hp)
            country = w._party_country(hp)
            total = 0.0
            for _ in range(int(ctx.rng.integers(3, 6))):
                cp, cacc = ctx.person(country=country, background=2)
                inst.label("party", cp, "counterparty")
                usd = ctx.money(3_000, 12_000)
                total += usd
                inst.evidence(w.txn(w.ts(day0 + ctx.uniform(0, span * 0.4)), "domestic_transfer", cacc, hacc, usd=usd))
            k = int(ctx.rng.integers(3, 6))
            for _ in range(k):
                cp, cacc = ctx.person(country=country, background=2)
                inst.label("party", cp, "counterparty")
                inst.evidence(w.txn(w.ts(day0 + span * ctx.uniform(0.6, 1.0)), "domestic_transfer", hacc, cacc,
                                    usd=round(total * 0.95 / k, 2)))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:family_support_split")
        pp, pacc = ctx.person(background=4)
        inst.subject(pp)
        country = w._party_country(pp)
        day = ctx.anchor(10)
        for _ in range(3):
            cp, cacc = ctx.person(country=country, background=0)
            inst.label("party", cp, "counterparty")
            usd = ctx.money(500, 2_000)
            inst.evidence(w.txn(w.ts(day), "mobile_transfer", pacc, cacc, usd=usd, reference="ALLOWANCE"))
            for _ in range(3):
                inst.evidence(w.txn(w.ts(day + ctx.uniform(0.5, 8)), "card_payment", cacc, None,
                                    usd=round(usd * ctx.uniform(0.1, 0.3), 2), merchant_category="5411"))
