"""SAN-02 payment to or from a designated name: a transaction's originator or beneficiary name
matches a UN-listed entry.

Positives: a fresh customer sends (2 of 3) or receives 1-2 wires/remittances naming a listed
individual or entity (with a realistic variation) as beneficiary or originator, on an
account whose owner is not on file; the name is in the payment message only (never a name
made of common given and family names only, which is no match by itself).  Subject: the
customer; the external account is labelled ``counterparty``.
Look-alike ``benign:beneficiary_shares_one_token``: a payment to a person sharing one token
with a listed name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "SAN-02"
FALLBACK = ("TR", "AE", "PK", "AF", "SO", "IQ", "SY", "LB")


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        pk, ak = ctx.person(background=6)
        inst.subject(pk)
        use_entity = i % 4 == 3 and ctx.listed.entities()
        e = ctx.listed.entities()[int(ctx.rng.integers(len(ctx.listed.entities())))] if use_entity else \
            ctx.listed.individuals()[int(ctx.rng.integers(len(ctx.listed.individuals())))]
        name, _ = ctx.listed.vary(e, ctx.rng)
        while not use_entity and ctx.listed.common_only(name):  # common names alone are no match
            e = ctx.listed.individuals()[int(ctx.rng.integers(len(ctx.listed.individuals())))]
            name, _ = ctx.listed.vary(e, ctx.rng)
        country = e.nationality if e.nationality in ctx.geo.BY_CODE else str(ctx.choice(FALLBACK))
        ext = w.new_external(name, country, "current")
        inst.label("account", ext, "counterparty")
        day = ctx.anchor(20)
        outgoing = i % 3 != 2
        for j in range(int(ctx.rng.integers(1, 3))):
            ch = "wire" if ctx.rng.random() < 0.6 else "remittance"
            usd = ctx.money(300, 9_000)
            if outgoing:
                t = w.txn(w.ts(day + 7 * j), ch, ak, ext, usd=usd, beneficiary_name=name, beneficiary_country=country)
            else:
                t = w.txn(w.ts(day + 7 * j), ch, ext, ak, usd=usd, originator_name=name, originator_country=country)
            inst.evidence(t)


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:beneficiary_shares_one_token")
        pk, ak = ctx.person(background=6)
        inst.subject(pk)
        e = ctx.listed.individuals()[int(ctx.rng.integers(len(ctx.listed.individuals())))]
        name = ctx.listed.one_token(e, ctx.rng)
        country = str(ctx.choice(("AE", "SG", "MY", "GB")))
        ext = w.new_external(name, country, "current")
        inst.label("account", ext, "counterparty")
        inst.evidence(w.txn(w.ts(ctx.anchor(2)), "wire", ak, ext, usd=ctx.money(300, 5_000),
                            beneficiary_name=name, beneficiary_country=country))
