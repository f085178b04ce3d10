"""TF-DORM-01 dormant account reactivation: no activity for >= 180 days, then >= 10,000 USD in
and out within 14 days.

Positives: an account with a few transactions early in the window (or, when the window is
too short or in every third instance, none on file and ``opened_on`` 200-900 days earlier)
stays silent for 190-240 days (hard: 181-186), then receives 12,000-40,000 USD (hard:
10,300-12,000, moving 98-100% out) and moves 90-100% of it out within 1-12 days (hard: 10-13.5).
Look-alikes: ``benign:dormant_small_reactivation`` (dormant, then only 2,000-8,000 in and
out; hard: 8,500-9,800) and ``benign:active_account_large_flow`` (a 120-170 day gap, hard: 165-178, then 15,000-25,000 in and
out over 4-10 days to accounts at home, so it is neither a dormant reactivation nor a
high-risk corridor nor a 72-hour pass-through).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-DORM-01"


def _dormant(ctx: PlantContext, gap: float, use_opened: bool) -> tuple[int, int, float]:
    """A fresh account dormant for ``gap`` days; returns (party, account, reactivation day)."""
    w = ctx.w
    country = ctx.resident_country()
    pk = w.new_person(ctx.rng, country)
    if use_opened or ctx.days < gap + 20:
        opened = w.cfg.start - timedelta(days=int(gap) + 1)
        ak = w.new_account(pk, "savings", country, opened_on=opened)
        # at least 120 of the silent days inside the data on file (catalogue v2), when the window allows
        day = ctx.uniform(min(130.0, max(0.0, ctx.days - 21.0)), max(1.0, ctx.days - 20)) if ctx.days > 25 else 0.0
        day = min(day, max(0.0, ctx.days - 16.0))
        return pk, ak, day
    ak = w.new_account(pk, "savings", country, opened_on=w.cfg.start - timedelta(days=int(ctx.rng.integers(400, 3000))))
    last = ctx.uniform(0, max(0.5, ctx.days - gap - 16))
    w.background(ctx.rng, pk, ak, 0, last, int(ctx.rng.integers(1, 4)), ("card",))
    w.txn(w.ts(last), "atm_withdrawal", ak, None, usd=float(20 * int(ctx.rng.integers(2, 10))))
    return pk, ak, last + gap


def _flow(ctx: PlantContext, inst: object, ak: int, day: float, usd: float, out_share: float, span: float,
          abroad: bool = True) -> None:
    w = ctx.w
    country = w.account_country(ak)
    _, src = ctx.external_org(country, "Holdings")
    inst.evidence(w.txn(w.ts(day), "wire", src, ak, usd=usd))  # type: ignore[attr-defined]
    left = usd * out_share
    k = int(ctx.rng.integers(1, 4))
    for j in range(k):
        dest = str(ctx.choice(("TR", "AE", "MY", "TH", "PK", "HK"))) if abroad else country
        _, dst = ctx.external_person(dest)
        inst.evidence(w.txn(w.ts(day + span * (j + 1) / k), "wire", ak, dst, usd=round(left / k, 2)))  # type: ignore[attr-defined]


def plant(ctx: PlantContext) -> None:
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        gap = ctx.uniform(181, 186) if ctx.hard else ctx.uniform(190, 240)
        pk, ak, day = _dormant(ctx, gap, i % 3 == 2)
        inst.subject(pk)
        usd = ctx.money(10_300, 12_000) if ctx.hard else ctx.money(12_000, 40_000)
        span = ctx.uniform(10, 13.5) if ctx.hard else ctx.uniform(1, 12)
        _flow(ctx, inst, ak, day, usd, ctx.uniform(0.98, 1.0) if ctx.hard else ctx.uniform(0.9, 1.0), span)


def benign(ctx: PlantContext) -> None:
    for i in range(ctx.n_benign):
        if i % 2 == 0:
            inst = ctx.instance("benign:dormant_small_reactivation")
            pk, ak, day = _dormant(ctx, ctx.uniform(190, 240), i % 4 == 2)
            inst.subject(pk)
            _flow(ctx, inst, ak, day, ctx.money(8_500, 9_800) if ctx.hard else ctx.money(2_000, 8_000),
                  ctx.uniform(0.9, 1.0), ctx.uniform(2, 10))
        else:
            inst = ctx.instance("benign:active_account_large_flow")
            gap = ctx.uniform(165, 178) if ctx.hard else ctx.uniform(120, 170)
            pk, ak, day = _dormant(ctx, gap, False)
            inst.subject(pk)
            _flow(ctx, inst, ak, day, ctx.money(15_000, 25_000), ctx.uniform(0.9, 1.0), ctx.uniform(4, 10), abroad=False)
