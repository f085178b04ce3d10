"""TF-MICRO-01 micro-donation aggregation: >= 20 small (<= 500) inbound transfers from >= 15
senders into a personal account in 30 days, then >= 70% sent abroad in <= 3 transfers in 14 days.

Positives: 22-40 transfers (hard: 20-23) of 15-480 USD from 17-30 distinct senders (hard:
15-17) over 8-28 days, then 1-3 transfers abroad of 75-95% (hard: 71-76%) of the total 1-10 days (hard:
11-13.3) after the last of them.
Look-alike ``benign:crowdfunded_medical_bills``: the same collection paid to a domestic
hospital instead of abroad.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-MICRO-01"
ABROAD = ("TR", "SY", "LB", "JO", "PK", "AF", "SO", "YE", "IQ", "PS")


def _collect(ctx: PlantContext, inst: object, ak: int, country: str, day0: float, span: float,
             n_txn: int, n_senders: int) -> tuple[float, float]:
    w = ctx.w
    senders = [ctx.external_person(country if ctx.rng.random() < 0.7 else str(ctx.choice(ctx.geo.APEC)))[1]
               for _ in range(n_senders)]
    total = 0.0
    last = day0
    for j in range(n_txn):
        s = senders[j] if j < n_senders else senders[int(ctx.rng.integers(n_senders))]
        usd = ctx.money(15, 480)
        total += usd
        day = day0 + ctx.uniform(0, span)
        last = max(last, day)
        t = w.txn(w.ts(day), "mobile_transfer" if ctx.rng.random() < 0.7 else "domestic_transfer",
                  s, ak, usd=usd, reference=str(ctx.choice(("support", "for the brothers", "sadaqah", None, None))))
        inst.evidence(t)  # type: ignore[attr-defined]
        inst.label("account", s, "donor")  # type: ignore[attr-defined]
    return total, last


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        pk, ak = ctx.person(background=5)
        inst.subject(pk)
        country = w._party_country(pk)
        n_senders = int(ctx.rng.integers(15, 18)) if ctx.hard else int(ctx.rng.integers(17, 31))
        n_txn = max(20, n_senders + int(ctx.rng.integers(0, 4 if ctx.hard else 11)))
        span = ctx.uniform(8, 28)
        day0 = ctx.anchor(span + 15)
        total, last = _collect(ctx, inst, ak, country, day0, span, n_txn, n_senders)
        out = total * (ctx.uniform(0.71, 0.76) if ctx.hard else ctx.uniform(0.75, 0.95))
        k = int(ctx.rng.integers(1, 4))
        dest = str(ctx.choice(ABROAD))
        _, ext = ctx.external_person(dest)
        inst.label("account", ext, "beneficiary")
        first = last + (ctx.uniform(11, 12.5) if ctx.hard else ctx.uniform(1, 10))
        for j in range(k):
            inst.evidence(w.txn(w.ts(first + j * 0.4), "remittance" if ctx.rng.random() < 0.5 else "wire", ak, ext,
                                usd=round(out / k, 2)))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:crowdfunded_medical_bills")
        pk, ak = ctx.person(background=5)
        inst.subject(pk)
        country = w._party_country(pk)
        day0 = ctx.anchor(40)
        total, _last = _collect(ctx, inst, ak, country, day0, 20, int(ctx.rng.integers(20, 35)),
                                int(ctx.rng.integers(16, 25)))
        hosp = w.new_business(ctx.rng, country, "medical clinic")
        hacc = w.new_account(hosp, "business", country)
        inst.evidence(w.txn(w.ts(day0 + 22), "domestic_transfer", ak, hacc, usd=round(total * 0.85, 2),
                            reference="HOSPITAL INVOICE"))
