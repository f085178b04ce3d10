"""ML-NET-04 layering chain: >= 4 time-ordered hops, each forwarding 80-100% within 48 hours.

Positives: an origin and 4-7 hops (hard: exactly 4), each forwarding 85-98% (hard:
80.5-84%) after 2-40 hours (hard: 38-47).  Subjects: the origin and every hop.
Look-alike ``benign:chain_with_retention``: the same 4-hop shape where one hop keeps 35-50%
and the others forward 80-88% (a chain of ordinary payments, so none of its accounts is a
>= 90% rapid pass-through either).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "ML-NET-04"


def _chain(ctx: PlantContext, inst: object, hops: int, weak_hop: int | None) -> None:
    w = ctx.w
    country = ctx.resident_country()
    accts = []
    for j in range(hops + 1):
        p, a = ctx.person(country=country, background=3) if j % 2 else ctx.business(country=country, background=2)
        inst.label("party", p, "subject")  # type: ignore[attr-defined]
        accts.append(a)
    day = ctx.anchor(hops * 2 + 1)
    amt = ctx.money(10_000, 80_000)
    for j in range(hops):
        inst.evidence(w.txn(w.ts(day), "wire" if j % 2 == 0 else "domestic_transfer", accts[j], accts[j + 1],  # type: ignore[attr-defined]
                            usd=round(amt, 2)))
        if weak_hop is not None and j == weak_hop:
            share = ctx.uniform(0.5, 0.65)
        elif weak_hop is not None:
            share = ctx.uniform(0.80, 0.88)
        else:
            share = ctx.uniform(0.805, 0.84) if ctx.hard else ctx.uniform(0.85, 0.98)
        amt *= share
        day += (ctx.uniform(38, 47) if ctx.hard else ctx.uniform(2, 40)) / 24


def plant(ctx: PlantContext) -> None:
    for _ in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        _chain(ctx, inst, 4 if ctx.hard else int(ctx.rng.integers(4, 8)), None)


def benign(ctx: PlantContext) -> None:
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:chain_with_retention")
        _chain(ctx, inst, 4, int(ctx.rng.integers(1, 3)))
