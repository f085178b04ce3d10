"""TF-NPO-01 NPO funds diverted outside its declared operations.

Positives: an NPO declaring 1-3 operating countries collects donations over ~90 days and,
within 20-85 days (hard: 80-89), sends 30-60% (hard: 21-26%) of its outflows, at least
10,500 USD (hard: 10,200-12,000), to countries outside its declared ones (variant
``undeclared_country``), to individuals on file (``individuals``) or in cash (``cash``); the rest goes
to partner organisations in its declared countries.
Look-alike ``benign:relief_in_declared_conflict_zone``: an NPO declaring a conflict zone
sends large amounts to organisations there (inside its declared operations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-NPO-01"
FIELD = ("SO", "AF", "YE", "SD", "PK", "BD", "KE", "ET")
DIVERT = ("SY", "IQ", "LY", "ML", "NE", "BF", "MZ", "TR")


def _npo(ctx: PlantContext, ops_extra: list[str], purpose: str) -> tuple[int, int, str, list[str]]:
    w = ctx.w
    country = ctx.resident_country()
    ops = [country, *ops_extra]
    pk = w.new_npo(ctx.rng, country, purpose, ops)
    ak = w.new_account(pk, "npo", country)
    return pk, ak, country, ops


def _donations(ctx: PlantContext, ak: int, country: str, day0: float, span: float, total: float) -> None:
    w = ctx.w
    n = int(ctx.rng.integers(20, 40))
    for _ in range(n):
        _, donor = ctx.external_person(country)
        w.txn(w.ts(day0 + ctx.uniform(0, span)), "domestic_transfer", donor, ak, usd=round(total / n * ctx.uniform(0.3, 1.7), 2),
              reference="DONATION")


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        extra = sorted({str(ctx.choice(FIELD)) for _ in range(int(ctx.rng.integers(1, 3)))})
        pk, ak, country, ops = _npo(ctx, extra, str(ctx.choice(("humanitarian", "religious", "education"))))
        inst.subject(pk)
        span = ctx.uniform(80, 89) if ctx.hard else ctx.uniform(20, 85)
        day0 = ctx.anchor(span + 2)
        diverted = ctx.money(10_200, 12_000) if ctx.hard else ctx.money(10_500, 45_000)
        share = ctx.uniform(0.21, 0.26) if ctx.hard else ctx.uniform(0.3, 0.6)
        legit = diverted * (1 - share) / share
        _donations(ctx, ak, country, max(0.0, day0 - 20), span + 20, (diverted + legit) * 1.1)
        # legitimate programme spending to organisations in declared countries
        for j in range(int(ctx.rng.integers(2, 5))):
            dest = ops[(j + 1) % len(ops)]
            _, org = ctx.external_org(dest, "Relief Partners")
            inst.evidence(w.txn(w.ts(day0 + ctx.uniform(0, span)), "wire" if dest != country else "domestic_transfer",
                                ak, org, usd=round(legit / 4 * ctx.uniform(0.9, 1.1), 2), reference="PROGRAMME COSTS"))
        variant = ("undeclared_country", "individuals", "cash")[i % 3]
        k = int(ctx.rng.integers(2, 5))
        for j in range(k):
            d = day0 + span * (j + 0.5) / k
            usd = round(diverted / k, 2)
            if variant == "cash":
                inst.evidence(w.txn(w.ts(d), "cash_withdrawal", ak, None, usd=usd))
            elif variant == "individuals":
                bp, bacc = ctx.person(country=ops[-1], background=2)
                inst.label("party", bp, "beneficiary")
                inst.evidence(w.txn(w.ts(d), "wire" if ops[-1] != country else "domestic_transfer", ak, bacc, usd=usd,
                                    reference="PROGRAMME COSTS"))
            else:
                dest = str(ctx.choice([c for c in DIVERT if c not in ops]))
                _, org = ctx.external_org(dest, "Relief Partners")
                inst.label("account", org, "beneficiary")
                inst.evidence(w.txn(w.ts(d), "wire", ak, org, usd=usd, reference="PROGRAMME COSTS"))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:relief_in_declared_conflict_zone")
        zones = sorted({str(ctx.choice(("SO", "AF", "YE", "SY"))) for _ in range(2)})
        pk, ak, country, ops = _npo(ctx, zones, "humanitarian")
        inst.subject(pk)
        day0 = ctx.anchor(90)
        total = ctx.money(30_000, 120_000)
        _donations(ctx, ak, country, day0, 60, total * 1.2)
        for j in range(int(ctx.rng.integers(3, 6))):
            dest = zones[j % len(zones)]
            _, org = ctx.external_org(dest, "Relief Partners")
            inst.evidence(w.txn(w.ts(day0 + 30 + ctx.uniform(0, 55)), "wire", ak, org, usd=round(total / 4, 2),
                                reference="EMERGENCY RELIEF"))
