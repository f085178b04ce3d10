"""TF-CARD-01 prepaid card loading and cash-out abroad.

Positives: a party loads 3-4 prepaid cards (or, in every third instance, one card with
5,400-9,000 USD; hard: 5,050-5,600) within 3-12 days, and the cards are drawn at ATMs in a
high-risk or border jurisdiction 2-15 days after the first load (all within 30 days).
Look-alike ``benign:tourist_prepaid_card``: one card loaded with 1,200-3,500 USD (hard: 4,200-4,950) and used at
ATMs in a border jurisdiction on holiday.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-CARD-01"


def _atm_out(ctx: PlantContext, inst: object, card: int, usd_total: float, country: str, day0: float) -> None:
    w = ctx.w
    left = usd_total
    d = day0
    while left > 20:
        usd = min(left, float(20 * int(ctx.rng.integers(15, 40))))
        t = w.txn(w.ts(d), "atm_withdrawal", card, None, usd=usd, location_country=country,
                  location_city=str(ctx.choice(ctx.geo.BY_CODE[country].cities)))
        inst.evidence(t)  # type: ignore[attr-defined]
        left -= usd
        d += ctx.uniform(0.02, 0.6)


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        pk, ak = ctx.person(background=5)
        inst.subject(pk)
        country = w._party_country(pk)
        single = i % 3 == 2
        n_cards = 1 if single else int(ctx.rng.integers(3, 5))
        cards = [w.new_account(pk, "prepaid_card", country) for _ in range(n_cards)]
        span = ctx.uniform(3, 12)
        day0 = ctx.anchor(30)
        dest = ctx.high_risk(("conflict_border_or_transit", "conflict_zone"))
        loads: dict[int, float] = {c: 0.0 for c in cards}
        if single:
            total = ctx.money(5_050, 5_600) if ctx.hard else ctx.money(5_400, 9_000)
            parts = int(ctx.rng.integers(2, 5))
            for p in range(parts):
                usd = round(total / parts, 2)
                src = ak if ctx.rng.random() < 0.6 else None
                inst.evidence(w.txn(w.ts(day0 + span * p / parts), "prepaid_load", src, cards[0], usd=usd))
                loads[cards[0]] += usd
        else:
            for c in cards:
                for _ in range(int(ctx.rng.integers(1, 3))):
                    usd = ctx.money(400, 1_900)
                    src = ak if ctx.rng.random() < 0.5 else None
                    inst.evidence(w.txn(w.ts(day0 + ctx.uniform(0, span)), "prepaid_load", src, c, usd=usd))
                    loads[c] += usd
        start = day0 + span + ctx.uniform(0.5, min(15.0, 28 - span))
        for c in cards:
            _atm_out(ctx, inst, c, loads[c] * ctx.uniform(0.85, 1.0), dest, start + ctx.uniform(0, 1.5))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:tourist_prepaid_card")
        pk, ak = ctx.person(background=5)
        inst.subject(pk)
        country = w._party_country(pk)
        card = w.new_account(pk, "prepaid_card", country)
        day0 = ctx.anchor(30)
        total = ctx.money(4_200, 4_950) if ctx.hard else ctx.money(1_200, 3_500)  # hard: just under 5,000
        inst.evidence(w.txn(w.ts(day0), "prepaid_load", ak, card, usd=total))
        inst.evidence(w.txn(w.ts(day0 + 1), "card_payment", ak, None, usd=ctx.money(400, 900), merchant_category="4511"))
        _atm_out(ctx, inst, card, total * 0.5, str(ctx.choice(("TR", "JO"))), day0 + ctx.uniform(4, 10))
