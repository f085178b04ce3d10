"""TF-REM-01 remittances to many individuals in facilitation jurisdictions.

Positives: one party sends remittances or wires with no stated purpose (empty reference) to
5-8 (hard: 4-5) distinct individuals in high-risk jurisdictions within 10-50 days (hard:
45-58), 200-1,500 USD each.
Look-alike ``benign:remittances_to_relatives``: monthly remittances with a stated purpose to
2-3 (hard: 3) relatives in a high-risk country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-REM-01"


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        pk, ak = ctx.person(background=6, bg_kinds=("card", "atm", "salary"))
        inst.subject(pk)
        k = int(ctx.rng.integers(4, 6)) if ctx.hard else int(ctx.rng.integers(5, 9))
        span = ctx.uniform(45, 58) if ctx.hard else ctx.uniform(10, 50)
        day0 = ctx.anchor(span + 1)
        for j in range(k):
            dest = ctx.high_risk(("conflict_zone", "conflict_border_or_transit"))
            _, ext = ctx.external_person(dest)
            inst.label("account", ext, "beneficiary")
            d = day0 + (span * j / (k - 1))
            ch = "remittance" if ctx.rng.random() < 0.7 else "wire"
            inst.evidence(w.txn(w.ts(d), ch, ak, ext, usd=ctx.money(200, 1_500)))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:remittances_to_relatives")
        home = ctx.high_risk(("conflict_zone",))
        pk, ak = ctx.person(country=str(ctx.choice(("US", "AU", "CA", "SG"))), background=6,
                            bg_kinds=("card", "atm", "salary"))
        inst.subject(pk)
        rel = [ctx.external_person(home)[1] for _ in range(int(ctx.rng.integers(3 if ctx.hard else 2, 4)))]
        day0 = ctx.anchor(60)
        for m in range(2):
            for r in rel:
                inst.evidence(w.txn(w.ts(day0 + 28 * m + ctx.uniform(0, 3)), "remittance", ak, r,
                                    usd=ctx.money(150, 600), reference="FAMILY SUPPORT"))
