"""TF-CASH-02 funnel account: >= 5 depositors in >= 2 cities within 14 days, >= 70% out abroad in 7 days.

Positives: 5-8 depositors (hard: 5-6) each hand in 1,200-4,000 USD at branches in at least
two cities over 3-12 days (hard: up to 13); within 0.5-6 days of the last deposit 78-95%
(hard: 71-78%) leaves by wire to a foreign account or by ATM withdrawals abroad.
Look-alike ``benign:business_takings_deposited_by_staff``: staff of a cash business deposit
takings in two cities but the money stays at home.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-CASH-02"
ABROAD = ("TR", "AE", "JO", "PK", "KE", "MY", "TH", "LB")


def _deposits(ctx: PlantContext, inst: object | None, ak: int, country: str, n_dep: int, span: float,
              day0: float) -> float:
    w = ctx.w
    cities = list(ctx.geo.BY_CODE[country].cities)
    if len(cities) < 2:
        cities = cities + [cities[0] + " Central"]
    total = 0.0
    used: set[str] = set()
    for j in range(n_dep):
        mule = w.new_person(ctx.rng, country)
        name = w.p_parties[-1]["name"]
        while ctx.hard and name in used:  # hard has the minimum of depositors: each must count
            mule = w.new_person(ctx.rng, country)
            name = w.p_parties[-1]["name"]
        used.add(name)
        city = cities[j % 2] if j < 2 else str(ctx.choice(cities))
        for _ in range(1 if ctx.rng.random() < 0.7 else 2):
            usd = ctx.money(1200, 4000)
            total += usd
            d = day0 + (span if j == n_dep - 1 else ctx.uniform(0, span))
            t = w.txn(w.ts(d), "cash_deposit", None, ak, usd=usd, originator_name=name,
                      location_country=country, location_city=city)
            if inst is not None:
                inst.label("party", mule, "mule")  # type: ignore[attr-defined]
                inst.evidence(t)  # type: ignore[attr-defined]
    return total


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        pk, ak = ctx.person(background=4)
        country = w._party_country(pk)
        inst.subject(pk)
        n_dep = int(ctx.rng.integers(5, 7 if ctx.hard else 9))
        span = ctx.uniform(8, 13) if ctx.hard else ctx.uniform(3, 12)
        day0 = ctx.anchor(span + 8)
        total = _deposits(ctx, inst, ak, country, n_dep, span, day0)
        out = total * (ctx.uniform(0.71, 0.78) if ctx.hard else ctx.uniform(0.78, 0.95))
        start = day0 + span + ctx.uniform(0.5, 2.0)
        dest = str(ctx.choice([c for c in ABROAD if c != country]))
        if ctx.rng.random() < 0.6:
            name, ext = ctx.external_person(dest)
            parts = 1 if ctx.rng.random() < 0.6 else 2
            for p in range(parts):
                t = w.txn(w.ts(start + p * ctx.uniform(0.2, 2.5)), "wire", ak, ext, usd=round(out / parts, 2))
                inst.evidence(t)
            inst.label("account", ext, "beneficiary")
        else:
            left = out
            d = start
            while left > 1:
                usd = min(left, ctx.money(600, 1000))
                inst.evidence(w.txn(w.ts(d), "atm_withdrawal", ak, None, usd=round(usd, 2), location_country=dest,
                                    location_city=ctx.geo.BY_CODE[dest].cities[0]))
                left -= usd
                d = min(d + ctx.uniform(0.05, 0.8), start + 4.5)


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:business_takings_deposited_by_staff")
        pk, ak = ctx.business(line="restaurant")
        country = w._party_country(pk)
        inst.subject(pk)
        day0 = ctx.anchor(25)
        total = _deposits(ctx, None, ak, country, int(ctx.rng.integers(5, 8)), ctx.uniform(5, 12), day0)
        # the money is spent at home: suppliers and payroll, not sent abroad
        for _ in range(3):
            sup = w.new_business(ctx.rng, country, "grocery wholesale")
            sacc = w.new_account(sup, "business", country)
            inst.evidence(w.txn(w.ts(day0 + ctx.uniform(12, 20)), "domestic_transfer", ak, sacc,
                                usd=round(total * ctx.uniform(0.15, 0.25), 2), reference="SUPPLIER PAYMENT"))
