"""EX-RND-01 planter: positives and look-alikes for ``ctfmon generate``.

Positives: a person depositing 3-5 round cash amounts (5,000-9,000 USD, multiples of 1,000)
within 6 days.  Look-alike ``benign:round_deposits_spread_out``: the same deposits spread
over 20 days or more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "EX-RND-01"


def _deposits(ctx: PlantContext, label: str, span: float) -> None:
    w = ctx.w
    inst = ctx.instance(label)
    pk, ak = ctx.person()
    inst.subject(pk)
    day0 = ctx.anchor(span + 1)
    k = int(ctx.rng.integers(3, 6))
    for j in range(k):
        day = day0 + span * j / (k - 1)
        amount = float(1000 * int(ctx.rng.integers(5, 10)))
        inst.evidence(w.txn(w.ts(day), "cash_deposit", None, ak, amount=amount, currency="USD"))


def plant(ctx: PlantContext) -> None:
    for _ in range(ctx.n):
        _deposits(ctx, TYPOLOGY_ID, ctx.uniform(1.0, 6.0))


def benign(ctx: PlantContext) -> None:
    for _ in range(ctx.n_benign):
        _deposits(ctx, "benign:round_deposits_spread_out", ctx.uniform(20.0, 40.0))
