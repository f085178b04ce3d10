"""TF-NPO-02 NPO used as a pass-through.

Positives: an NPO receives from 12-30 donors (hard: 10-12) within 2-4 days (hard: 3-5) and
forwards 75-95% (hard: 70.5-75%) of it 0.3-2 days (hard: 1-1.9) after the last donation,
the whole episode inside 7 days, to one or two beneficiaries;
in every third instance the beneficiary is an individual sharing the NPO's registered
address (a controller's associate) who sends the money abroad.
Look-alike ``benign:npo_programme_disbursement``: the same donations forwarded to 4-6
partner organisations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-NPO-02"


def _collect(ctx: PlantContext, inst: object | None, ak: int, country: str, day0: float, span: float,
             n_donors: int) -> tuple[float, float]:
    w = ctx.w
    total = 0.0
    last = day0
    for _ in range(n_donors):
        _, donor = ctx.external_person(country)
        usd = ctx.money(50, 2_000)
        total += usd
        day = day0 + ctx.uniform(0, span)
        last = max(last, day)
        t = w.txn(w.ts(day), "domestic_transfer", donor, ak, usd=usd, reference="DONATION")
        if inst is not None:
            inst.evidence(t)  # type: ignore[attr-defined]
            inst.label("account", donor, "donor")  # type: ignore[attr-defined]
    return total, last


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        country = ctx.resident_country()
        pk = w.new_npo(ctx.rng, country, str(ctx.choice(("religious", "humanitarian", "social"))), [country])
        ak = w.new_account(pk, "npo", country)
        inst.subject(pk)
        span = ctx.uniform(3, 5) if ctx.hard else ctx.uniform(2, 4)
        day0 = ctx.anchor(span + 10)
        n_donors = int(ctx.rng.integers(10, 13)) if ctx.hard else int(ctx.rng.integers(12, 31))
        total, last = _collect(ctx, inst, ak, country, day0, span, n_donors)
        share = ctx.uniform(0.705, 0.75) if ctx.hard else ctx.uniform(0.75, 0.95)
        fwd = min(last + (ctx.uniform(1, 1.9) if ctx.hard else ctx.uniform(0.3, 2)), day0 + 6.5)
        if i % 3 == 2:
            addr = w.party_row(pk)["address"]
            bp = w.new_person(ctx.rng, country, address=addr)
            bacc = w.new_account(bp, "current", country)
            inst.label("party", bp, "beneficiary")
            inst.evidence(w.txn(w.ts(fwd), "domestic_transfer", ak, bacc, usd=round(total * share, 2),
                                reference="PROGRAMME COSTS"))
            _, ext = ctx.external_person(str(ctx.choice(("TR", "SY", "LB", "PK"))))
            inst.evidence(w.txn(w.ts(fwd + ctx.uniform(0.2, 3)), "wire", bacc, ext, usd=round(total * share * 0.95, 2)))
            inst.label("account", ext, "beneficiary")
        else:
            k = int(ctx.rng.integers(1, 3))
            for j in range(k):
                _, ben = ctx.external_org(str(ctx.choice(("TR", "AE", "LB", "MY", country))), "Welfare Trust")
                inst.label("account", ben, "beneficiary")
                inst.evidence(w.txn(w.ts(fwd + j * 0.3), "wire", ak, ben, usd=round(total * share / k, 2),
                                    reference="PROGRAMME COSTS"))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:npo_programme_disbursement")
        country = ctx.resident_country()
        pk = w.new_npo(ctx.rng, country, "humanitarian", [country, "PH", "ID"])
        ak = w.new_account(pk, "npo", country)
        inst.subject(pk)
        day0 = ctx.anchor(20)
        total, _last = _collect(ctx, None, ak, country, day0, 7, int(ctx.rng.integers(12, 25)))
        k = int(ctx.rng.integers(4, 7))
        for j in range(k):
            dest = (country, "PH", "ID")[j % 3]
            _, org = ctx.external_org(dest, "Relief Partners")
            inst.evidence(w.txn(w.ts(day0 + 9 + j * 0.5), "wire" if dest != country else "domestic_transfer", ak, org,
                                usd=round(total * 0.8 / k, 2), reference="PROGRAMME COSTS"))
