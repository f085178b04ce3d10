"""ML-NET-06 network exposure: a party within 2 hops of a designated party.

Each designated seed is a planted SAN-01 subject (labelled as a SAN-01 instance too) with
two exposed parties: one direct counterparty (1 hop: 2-4 transfers of 2,000-20,000 USD with
the seed in the last 60 days of the window) and one 2 hops away (paid 60-90% of it by the
direct counterparty).  One ML-NET-06 instance per exposed party: subject = the exposed
party, ``designated`` = the seed, ``intermediary`` = the 1-hop party for 2-hop instances.
Look-alike ``benign:counterparty_of_namesake``: a party paying someone who merely shares
one name token with a listed person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "ML-NET-06"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    made = 0
    while made < ctx.n:
        seed_inst = w.instance("SAN-01")
        dp, dacc = ctx.listed.designated_party(ctx, seed_inst)
        country = w.account_country(dacc)
        hop1, a1 = ctx.person(country=country, background=4)
        hop2, a2 = ctx.person(country=country, background=4)
        lo = max(0.0, ctx.days - 60.0)
        inst1 = ctx.instance(TYPOLOGY_ID)
        inst1.subject(hop1)
        inst1.label("party", dp, "designated")
        total = 0.0
        for _ in range(int(ctx.rng.integers(2, 5))):
            usd = ctx.money(2_000, 20_000)
            total += usd
            src, dst = (dacc, a1) if ctx.rng.random() < 0.6 else (a1, dacc)
            inst1.evidence(w.txn(w.ts(ctx.uniform(lo, max(lo + 0.5, ctx.days - 8.0))), "domestic_transfer", src, dst,
                                 usd=usd))
        made += 1
        if made >= ctx.n:
            break
        inst2 = ctx.instance(TYPOLOGY_ID)
        inst2.subject(hop2)
        inst2.label("party", dp, "designated")
        inst2.label("party", hop1, "intermediary")
        inst2.evidence(w.txn(w.ts(ctx.days - ctx.uniform(1, 7)), "domestic_transfer", a1, a2,
                             usd=round(total * ctx.uniform(0.6, 0.9), 2)))
        made += 1


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:counterparty_of_namesake")
        e = ctx.listed.individuals()[int(ctx.rng.integers(len(ctx.listed.individuals())))]
        country = ctx.resident_country()
        namesake = w.new_person(ctx.rng, country, "SG" if e.nationality != "SG" else "MY", locale="en",
                                name=ctx.listed.one_token(e, ctx.rng))
        nacc = w.new_account(namesake, "current", country)
        pk, ak = ctx.person(country=country, background=4)
        inst.subject(pk)
        inst.label("party", namesake, "counterparty")
        for _ in range(2):
            inst.evidence(w.txn(w.ts(ctx.uniform(max(0.0, ctx.days - 60), ctx.days - 1)), "domestic_transfer", ak, nacc,
                                usd=ctx.money(2_000, 20_000)))
