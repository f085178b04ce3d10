"""ML-NET-05 bipartite / stacked layering: >= 2 layers of >= 3 accounts, dense transfers from
each layer to the next within 14 days.

Positives: 2-3 layers after the first (3-5 accounts each, hard: 3), every account paying at
least two thirds of the next layer's accounts (hard: exactly two of three), layer to layer
within 2-6 days, all within 14 days (hard: 12-13.5).  Every owner is a subject.
Look-alike ``benign:sparse_supplier_payments``: 3 buyers each paying one of 3 suppliers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "ML-NET-05"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        country = ctx.resident_country()
        n_layers = 2 if ctx.hard else int(ctx.rng.integers(2, 4))
        layers: list[list[int]] = []
        for _l in range(n_layers + 1):
            size = 3 if ctx.hard else int(ctx.rng.integers(3, 6))
            layer = []
            for j in range(size):
                p, a = ctx.person(country=country, background=2) if j % 2 else ctx.business(country=country, background=2)
                inst.subject(p)
                layer.append(a)
            layers.append(layer)
        span = ctx.uniform(12, 13.5) if ctx.hard else ctx.uniform(5, 13)
        day0 = ctx.anchor(span + 1)
        step = span / n_layers
        for li in range(n_layers):
            nxt = layers[li + 1]
            need = max(2, -(-2 * len(nxt) // 3))
            shift = int(ctx.rng.integers(len(nxt)))
            for ai, a in enumerate(layers[li]):
                k = min(len(nxt), need if ctx.hard else int(ctx.rng.integers(need, len(nxt) + 1)))
                targets = [(shift + ai + j) % len(nxt) for j in range(k)]  # every next-layer account is reached
                for t in targets:
                    d = day0 + step * li + ctx.uniform(0, step * 0.9)
                    inst.evidence(w.txn(w.ts(d), "domestic_transfer", a, nxt[int(t)], usd=ctx.money(2_000, 12_000)))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:sparse_supplier_payments")
        country = ctx.resident_country()
        buyers = [ctx.business(country=country, background=2) for _ in range(3)]
        sups = [ctx.business(country=country, background=2) for _ in range(3)]
        day = ctx.anchor(14)
        for j, (bp, ba) in enumerate(buyers):
            inst.subject(bp)
            inst.evidence(w.txn(w.ts(day + ctx.uniform(0, 10)), "domestic_transfer", ba, sups[j][1],
                                usd=ctx.money(2_000, 12_000), reference="SUPPLIER PAYMENT"))
