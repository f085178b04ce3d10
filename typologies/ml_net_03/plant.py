"""ML-NET-03 round-tripping cycle: a time-ordered cycle of 3-8 transfers returning >= 70% of the
first amount to its origin within 30 days.

Positives: 3-6 accounts (hard: 6-8) in a cycle, each hop keeping 2-8% (hard: total return
71-76%), 1-24 days in all (hard: 24-29).  Every account owner is a subject.
Look-alike ``benign:partial_repayment_triangle``: a 3-party triangle that returns only
35-60% of the first amount.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "ML-NET-03"


def _cycle(ctx: PlantContext, inst: object, k: int, ret: float, span: float, label_role: str) -> None:
    w = ctx.w
    nodes = []
    country = ctx.resident_country()
    for j in range(k):
        p, a = ctx.person(country=country, background=3) if j % 3 else ctx.business(country=country, background=2)
        inst.label("party", p, label_role)  # type: ignore[attr-defined]
        nodes.append(a)
    day0 = ctx.anchor(span + 1)
    amt = ctx.money(8_000, 60_000)
    keep = ret ** (1 / (k - 1))
    for j in range(k):
        d = day0 + span * (j + ctx.uniform(0.1, 0.9)) / k
        inst.evidence(w.txn(w.ts(d), "domestic_transfer" if j % 2 else "wire", nodes[j], nodes[(j + 1) % k],  # type: ignore[attr-defined]
                            usd=round(amt, 2), reference=str(ctx.choice(("INVOICE PAYMENT", "LOAN", "CONSULTING FEE", None)))))
        amt *= keep * ctx.uniform(0.999, 1.0)


def plant(ctx: PlantContext) -> None:
    for _ in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        if ctx.hard:
            _cycle(ctx, inst, int(ctx.rng.integers(6, 9)), ctx.uniform(0.72, 0.76), ctx.uniform(24, 29), "subject")
        else:
            _cycle(ctx, inst, int(ctx.rng.integers(3, 7)), ctx.uniform(0.8, 0.95), ctx.uniform(1, 24), "subject")


def benign(ctx: PlantContext) -> None:
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:partial_repayment_triangle")
        _cycle(ctx, inst, 3, ctx.uniform(0.35, 0.6), ctx.uniform(5, 25), "subject")
