"""TF-FTF-01 foreign terrorist fighter profile: drain >= 80% of the balance, buy air travel,
then use cards/ATMs in a high-risk or border jurisdiction, all within 30 days.

Positives: a young individual builds a balance from monthly salary (3-6 months, card
spending under 30% of it), then in 1-3 days withdraws 88-99% (hard: 81-86%) of it in
large cash withdrawals (variants: plus a loan drawdown withdrawn in cash; or the account is
closed after draining), buys a flight (MCC 4511, 3000-3299 or 4722) within 1-6 days and
uses the card or ATMs in a conflict or border country 3-20 days later (hard: up to 27).
Look-alike ``benign:tourist_trip_border_country``: the same flight and card use in Turkey
or Jordan but only 10-30% of the balance withdrawn.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-FTF-01"
AIR = ("4511", "3005", "3026", "3099", "4722")
DEST = ("TR", "SY", "IQ", "JO", "PK", "AF", "SO", "ML", "LY", "DJ")


def _history(ctx: PlantContext, pk: int, ak: int, months: int, day_end: float) -> float:
    """Salary and spending before ``day_end``; returns the balance built (USD)."""
    w = ctx.w
    country = w._party_country(pk)
    _, employer = ctx.external_org(country, "Services")
    salary = ctx.money(1_500, 3_000)
    balance = 0.0
    for m in range(months):
        d = day_end - 30 * (months - m) + ctx.uniform(0, 2)
        if d < 0:
            continue
        w.txn(w.ts(d), "domestic_transfer", employer, ak, usd=salary, reference="SALARY")
        balance += salary
        spend = 0.0
        for _ in range(int(ctx.rng.integers(2, 5))):
            usd = ctx.money(20, 120)
            w.txn(w.ts(d + ctx.uniform(1, 25)), "card_payment", ak, None, usd=usd, merchant_category="5411",
                  location_country=country)
            spend += usd
        balance -= spend
    return balance


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        country = ctx.resident_country()
        age = int(ctx.rng.integers(19, 33))
        pk = w.new_person(ctx.rng, country, date_of_birth=w.cfg.start - timedelta(days=age * 365 + 40),
                          occupation=str(ctx.choice(("student", "driver", "factory worker", "security guard"))))
        months = int(ctx.rng.integers(3, 7))
        drain_day = ctx.anchor(32, lo=min(30.0 * months, max(0.0, ctx.days - 40.0)))
        variant = ("cash", "loan", "closure")[i % 3]
        closed = None
        if variant == "closure":
            closed = w.day_date(min(drain_day + 3, ctx.days - 1))
        ak = w.new_account(pk, "current", country, closed_on=closed)
        inst.subject(pk)
        balance = max(_history(ctx, pk, ak, months, drain_day), 2_000.0)
        share = ctx.uniform(0.81, 0.86) if ctx.hard else ctx.uniform(0.88, 0.99)
        if variant == "loan":
            loan = w.new_account(pk, "loan", country)
            amt = ctx.money(6_000, 15_000)
            inst.evidence(w.txn(w.ts(drain_day - 0.5), "internal", loan, ak, usd=amt, reference="LOAN DRAWDOWN"))
            balance += amt
        left = balance * share
        if ctx.hard and variant == "closure":  # the card load below is part of the balance read
            left = (balance + round(balance * 0.02, 2) + 100) * share
        parts = int(ctx.rng.integers(1, 4))
        for p in range(parts):
            inst.evidence(w.txn(w.ts(drain_day + p * 0.7), "cash_withdrawal", ak, None, usd=round(left / parts, 2),
                                location_country=country))
        fly = drain_day + ctx.uniform(0.2, 2.5)
        inst.evidence(w.txn(w.ts(fly), "card_payment", ak, None, usd=ctx.money(350, 1_200),
                            merchant_category=str(ctx.choice(AIR)), location_country=country))
        dest = str(ctx.choice(DEST))
        abroad = fly + (ctx.uniform(3, 27 - (fly - drain_day)) if ctx.hard else ctx.uniform(3, 20))
        if variant == "closure":
            card = w.new_account(pk, "prepaid_card", country)
            inst.evidence(w.txn(w.ts(drain_day + 0.2), "prepaid_load", ak, card, usd=round(balance * 0.02, 2) + 100))
        else:
            card = ak
        for k in range(int(ctx.rng.integers(1, 4))):
            ch = "atm_withdrawal" if k % 2 == 0 else "card_payment"
            inst.evidence(w.txn(w.ts(abroad + k * 0.8), ch, card, None, usd=ctx.money(40, 250), location_country=dest,
                                location_city=ctx.geo.BY_CODE[dest].cities[0],
                                merchant_category="5411" if ch == "card_payment" else None))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:tourist_trip_border_country")
        country = ctx.resident_country()
        pk = w.new_person(ctx.rng, country)
        ak = w.new_account(pk, "current", country)
        inst.subject(pk)
        day = ctx.anchor(30, lo=min(120.0, max(0.0, ctx.days - 40.0)))
        balance = max(_history(ctx, pk, ak, 4, day), 2_000.0)
        inst.evidence(w.txn(w.ts(day), "cash_withdrawal", ak, None, usd=round(balance * ctx.uniform(0.1, 0.3), 2)))
        inst.evidence(w.txn(w.ts(day + 1), "card_payment", ak, None, usd=ctx.money(400, 900), merchant_category="4511"))
        dest = str(ctx.choice(("TR", "JO")))
        for k in range(3):
            inst.evidence(w.txn(w.ts(day + 8 + k), "card_payment", ak, None, usd=ctx.money(30, 200),
                                merchant_category="7011" if k == 0 else "5812", location_country=dest,
                                location_city=ctx.geo.BY_CODE[dest].cities[0]))
