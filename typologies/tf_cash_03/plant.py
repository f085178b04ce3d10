"""TF-CASH-03 cross-border cash couriers (one variant per instance, in turn):

- ``high_risk_repeat``: >= 3 declarations in 90 days (3-4 within 20-80 days; hard: up to 88)
  to or from a high-risk jurisdiction;
- ``band``: 2 declarations of 8,200-9,900 USD (hard: 8,020-9,990), just under the threshold;
- ``undeclared``: cash found undeclared at the border (``declared = false``);
- ``deposit_after_inbound``: declared inbound cash deposited within 0.3-2.5 days (hard: 2.9);
- ``group``: 3-5 travellers on one flight with amounts within 3% (hard: 4.5%) of each other.
Look-alikes: ``benign:frequent_business_traveller`` (>= 3 declarations in 90 days, above the
threshold, no high-risk country, no deposit) and ``benign:travel_group_varied_amounts``
(3 travellers on one flight with amounts more than 25% apart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-CASH-03"
VARIANTS = ("high_risk_repeat", "band", "undeclared", "deposit_after_inbound", "group")
SAFE_ABROAD = ("JP", "SG", "HK", "US", "AU", "KR", "TH", "GB", "AE", "CA")


def _safe_home(ctx: PlantContext) -> str:
    """A residence country that is not itself on the high-risk list."""
    home = ctx.resident_country()
    while ctx.w.is_high_risk(home):
        home = ctx.resident_country()
    return home


def _flight(ctx: PlantContext) -> str:
    return f"{ctx.choice(ctx.goods.AIRLINES)}{int(ctx.rng.integers(1, 999)):03d}"


def _declare(ctx: PlantContext, pk: int, name: str, home: str, abroad: str, inbound: bool, day: float,
             usd: float, declared: bool = True, flight: str | None = None, purpose: str | None = None) -> int:
    w = ctx.w
    if abroad == home:
        abroad = "US" if home != "US" else "CA"
    row = w.party_row(pk) if pk >= 0 else {}
    return w.declaration(
        w.ts(day), party=pk, traveller_name=name, document_number=row.get("id_number"),
        nationality=row.get("nationality", home), direction="inbound" if inbound else "outbound",
        port=ctx.geo.BY_CODE[home].airport, origin_country=abroad if inbound else home,
        destination_country=home if inbound else abroad, _usd=usd,
        currency="USD" if ctx.rng.random() < 0.7 else ctx.geo.BY_CODE[home].currency, declared=declared,
        transport_ref=flight or _flight(ctx), purpose=purpose,
    )


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        variant = VARIANTS[i % len(VARIANTS)]
        inst = ctx.instance(TYPOLOGY_ID)
        if variant == "group":
            home = ctx.resident_country()
            abroad = ctx.high_risk(("conflict_border_or_transit",)) if ctx.rng.random() < 0.5 else str(ctx.choice(SAFE_ABROAD))
            day = ctx.anchor(2)
            flight = _flight(ctx)
            base = ctx.money(9_000, 30_000)
            spread = 0.045 if ctx.hard else 0.03
            for _ in range(int(ctx.rng.integers(3, 6))):
                pk, _ak = ctx.person(country=home, background=3)
                inst.subject(pk)
                name = w.party_row(pk)["name"]
                usd = round(base * ctx.uniform(1 - spread, 1 + spread), -1)
                inst.label("cash_declaration", _declare(ctx, pk, name, home, abroad, False, day + ctx.uniform(0, 0.02),
                                                        usd, flight=flight, purpose="business travel"), "evidence")
            continue
        pk, ak = ctx.person(background=5)
        inst.subject(pk)
        home = w._party_country(pk)
        name = w.party_row(pk)["name"]
        if variant == "high_risk_repeat":
            abroad = ctx.high_risk(("conflict_border_or_transit", "conflict_zone"))
            span = ctx.uniform(60, 88) if ctx.hard else ctx.uniform(20, 80)
            day0 = ctx.anchor(span + 1)
            k = int(ctx.rng.integers(3, 5))
            for j in range(k):
                d = day0 + span * j / (k - 1)
                inst.label("cash_declaration", _declare(ctx, pk, name, home, abroad, j % 2 == 1, d,
                                                        ctx.money(10_500, 40_000), purpose="family visit"), "evidence")
        elif variant == "band":
            day0 = ctx.anchor(60)
            for _ in range(2):
                usd = ctx.money(8_020, 9_990) if ctx.hard else ctx.money(8_200, 9_900)
                inst.label("cash_declaration", _declare(ctx, pk, name, home, str(ctx.choice(SAFE_ABROAD)),
                                                        ctx.rng.random() < 0.5, day0 + ctx.uniform(0, 60), usd,
                                                        purpose="personal savings"), "evidence")
        elif variant == "undeclared":
            abroad = ctx.high_risk() if ctx.rng.random() < 0.5 else str(ctx.choice(SAFE_ABROAD))
            inst.label("cash_declaration", _declare(ctx, pk, name, home, abroad, ctx.rng.random() < 0.5,
                                                    ctx.anchor(1), ctx.money(12_000, 60_000), declared=False), "evidence")
        else:  # deposit_after_inbound
            day = ctx.anchor(4)
            usd = ctx.money(15_000, 50_000)
            abroad = str(ctx.choice(SAFE_ABROAD + ("TR", "JO")))
            inst.label("cash_declaration", _declare(ctx, pk, name, home, abroad, True, day, usd,
                                                    purpose="business travel"), "evidence")
            lag = ctx.uniform(2.0, 2.9) if ctx.hard else ctx.uniform(0.3, 2.5)
            inst.evidence(w.txn(w.ts(day + lag), "cash_deposit", None, ak, usd=round(usd * ctx.uniform(0.6, 0.95), 2)))


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n_benign):
        if i % 2 == 0:
            inst = ctx.instance("benign:frequent_business_traveller")
            pk, ak = ctx.person(country=_safe_home(ctx), background=5, occupation="consultant")
            inst.subject(pk)
            home = w._party_country(pk)
            name = w.party_row(pk)["name"]
            day0 = ctx.anchor(85)
            for j in range(int(ctx.rng.integers(3, 6))):
                inst.label("cash_declaration", _declare(ctx, pk, name, home, str(ctx.choice(SAFE_ABROAD)), j % 2 == 1,
                                                        day0 + ctx.uniform(0, 85), ctx.money(11_000, 30_000),
                                                        purpose="business travel"), "evidence")
        else:
            inst = ctx.instance("benign:travel_group_varied_amounts")
            home = _safe_home(ctx)
            flight = _flight(ctx)
            day = ctx.anchor(2)
            dest = str(ctx.choice([c for c in SAFE_ABROAD if c != home]))
            for usd in (ctx.money(11_000, 12_000), ctx.money(15_500, 17_000), ctx.money(22_000, 26_000)):
                pk, _ak = ctx.person(country=home, background=3)
                inst.subject(pk)
                name = w.party_row(pk)["name"]
                inst.label("cash_declaration", _declare(ctx, pk, name, home, dest, False, day, usd, flight=flight,
                                                        purpose="tour group"), "evidence")
