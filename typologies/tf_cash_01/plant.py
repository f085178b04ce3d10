"""TF-CASH-01 structuring: >= 3 cash deposits/withdrawals of 80-100% of 10,000 USD within 7 days.

Positives: 3-5 cash movements of 8,600-9,800 USD (hard: 3-4 of 8,050-9,990 plus an
out-of-band one) over 1.5-6 days (hard: up to 6.8) across the party's accounts and branches.
Look-alikes: a money service business depositing many amounts above the band
(``benign:msb_cash_above_band``) and a person with only two in-band deposits in a week
(``benign:two_cash_deposits_in_band``; hard: a third in-band deposit 7.5-9 days after the
first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-CASH-01"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        if i % 4 == 3:
            pk, ak = ctx.business(line="used car dealer")
        else:
            pk, ak = ctx.person()
        country = w._party_country(pk)
        accts = [ak]
        if ctx.rng.random() < 0.6:
            accts.append(w.new_account(pk, "savings" if i % 4 != 3 else "business", country))
        inst.subject(pk)
        k = int(ctx.rng.integers(3, 5 if ctx.hard else 6))
        span = ctx.uniform(4.0, 6.8) if ctx.hard else ctx.uniform(1.5, 6.0)
        day0 = ctx.anchor(span + 1)
        withdraw = ctx.rng.random() < 0.3
        cities = ctx.geo.BY_CODE[country].cities
        days = sorted([day0] + [day0 + ctx.uniform(0.1, span) for _ in range(k - 2)] + [day0 + span])
        for j, d in enumerate(days):
            usd = ctx.money(8050, 9990) if ctx.hard else ctx.money(8600, 9800)
            acct = accts[j % len(accts)]
            city = str(ctx.choice(cities))
            if withdraw:
                t = w.txn(w.ts(d), "cash_withdrawal", acct, None, usd=usd, location_country=country, location_city=city)
            else:
                t = w.txn(w.ts(d), "cash_deposit", None, acct, usd=usd, location_country=country, location_city=city)
            inst.evidence(t)
        if ctx.hard:  # one more just under the band: noise around the threshold
            w.txn(w.ts(day0 + ctx.uniform(0, span)), "cash_deposit", None, accts[0], usd=ctx.money(7000, 7900),
                  location_country=country)


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n_benign):
        if i % 2 == 0:
            inst = ctx.instance("benign:msb_cash_above_band")
            country = ctx.resident_country()
            pk = w.new_business(ctx.rng, country, "money service business")
            w.party_row(pk)["party_type"] = "financial_institution"
            ak = w.new_account(pk, "money_service", country)
            inst.subject(pk)
            day0 = ctx.anchor(15)
            for _ in range(int(ctx.rng.integers(10, 20))):
                usd = ctx.money(11_000, 45_000) if ctx.rng.random() < 0.8 else ctx.money(1500, 6500)
                inst.evidence(w.txn(w.ts(day0 + ctx.uniform(0, 14)), "cash_deposit", None, ak, usd=usd,
                                    location_country=country))
        else:
            inst = ctx.instance("benign:two_cash_deposits_in_band")
            pk, ak = ctx.person()
            inst.subject(pk)
            day0 = ctx.anchor(30)
            for d in (day0, day0 + ctx.uniform(1, 6)):
                inst.evidence(w.txn(w.ts(d), "cash_deposit", None, ak, usd=ctx.money(8500, 9700)))
            # a third deposit well outside the 7-day window and below the band (hard: in the band,
            # just over 7 days after the first, so no 7 days hold three)
            if ctx.hard:
                w.txn(w.ts(day0 + ctx.uniform(7.5, 9)), "cash_deposit", None, ak, usd=ctx.money(8500, 9700))
            else:
                w.txn(w.ts(day0 + ctx.uniform(12, 25)), "cash_deposit", None, ak, usd=ctx.money(2000, 5000))
