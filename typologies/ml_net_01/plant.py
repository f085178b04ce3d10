"""ML-NET-01 fan-in / fan-out: >= 8 counterparties to/from one account within 7 days, amounts
within 20% of each other.

Positives: 9-15 (hard: 8-9) distinct counterparties each send to (fan-in) or receive from
(fan-out) the hub account once within 1-6 days (hard: 5.5-6.8), amounts base x U(0.93,1.07)
(hard: U(0.92,1.08)); base 1,500-9,000 USD.  Subject: the hub account's owner.
Look-alike ``benign:payroll_fan_out``: an employer pays 10-20 staff on one day with salaries
spread geometrically (no 8 within 20%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "ML-NET-01"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        pk, hub = ctx.person(background=5) if i % 2 == 0 else ctx.business(background=4)
        inst.subject(pk)
        country = w._party_country(pk)
        k = int(ctx.rng.integers(8, 10)) if ctx.hard else int(ctx.rng.integers(9, 16))
        span = ctx.uniform(5.5, 6.8) if ctx.hard else ctx.uniform(1, 6)
        spread = 0.08 if ctx.hard else 0.07
        base = ctx.money(1_500, 9_000)
        day0 = ctx.anchor(span + 1)
        fan_in = i % 4 < 2
        for j in range(k):
            if ctx.rng.random() < 0.5:
                cp, cacc = ctx.person(country=country, background=2)
                inst.label("party", cp, "counterparty")
            else:
                _, cacc = ctx.external_person(country)
                inst.label("account", cacc, "counterparty")
            usd = round(base * ctx.uniform(1 - spread, 1 + spread), 2)
            d = day0 + span * j / (k - 1)
            src, dst = (cacc, hub) if fan_in else (hub, cacc)
            ch = "mobile_transfer" if ctx.rng.random() < 0.4 else "domestic_transfer"
            inst.evidence(w.txn(w.ts(d), ch, src, dst, usd=usd))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:payroll_fan_out")
        pk, acc = ctx.business(line="construction contractor")
        inst.subject(pk)
        country = w._party_country(pk)
        k = int(ctx.rng.integers(10, 21))
        base = ctx.money(600, 1_500)
        day = ctx.anchor(2)
        order = ctx.rng.permutation(k)
        for j in range(k):
            _, emp = ctx.external_person(country)
            usd = round(base * 1.27 ** int(order[j]), 2)
            inst.evidence(w.txn(w.ts(day + ctx.uniform(0, 0.1)), "domestic_transfer", acc, emp, usd=usd, reference="SALARY"))
