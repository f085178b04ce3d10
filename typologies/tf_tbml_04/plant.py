"""TF-TBML-04 strategic (dual-use) goods to a risky end (one variant per instance, in turn),
each one invoice of watch-listed goods (integrated circuits, data transmission equipment,
satellite navigation receivers, CNC lathes and milling machines, lasers, vacuum pumps; 30,000-
250,000 USD) between a fresh domestic trader (resident outside the high-risk jurisdictions) and
a fresh foreign one:

- ``hr_destination``: exported to an importer in a high-risk jurisdiction, paid from there;
- ``hr_transshipment``: between low-risk countries, transshipped through a high-risk one;
- ``hr_payment``: exported to a low-risk importer and paid by a trading company in a high-risk
  jurisdiction;
- ``third_party_payer``: imported from a low-risk exporter and paid by a trading company (low-risk
  country) other than the importer;
- ``sanctioned_party``: the foreign partner is named after a listed entity of the shipped UN
  list extract (as listed, or with a typo), in a low-risk country; that party is also planted as a
  SAN-01 instance.
Look-alikes: ``benign:machine_tools_low_risk`` and ``benign:electronics_low_risk``: the same
goods between low-risk partners, paid by the importer, shipped direct or through SG, HK, NL or KR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext
    from datagen.planters._trade import Trader

TYPOLOGY_ID = "TF-TBML-04"
VARIANTS = ("hr_destination", "hr_transshipment", "hr_payment", "third_party_payer", "sanctioned_party")
#: (HS6, description, unit, reference unit price USD, weight): goods of the watch list
MACHINE_TOOLS = (
    ("845811", "CNC horizontal lathe", "unit", 95_000.0, 1), ("845961", "CNC milling machine", "unit", 120_000.0, 1),
    ("901320", "Industrial fibre laser", "unit", 18_000.0, 1), ("841410", "Turbomolecular vacuum pump", "unit", 9_000.0, 1),
)
ELECTRONICS = (
    ("854231", "Microcontrollers", "unit", 6.0, 1), ("854232", "DRAM memory chips", "unit", 3.5, 1),
    ("851762", "Network switches and routers", "unit", 650.0, 1), ("852691", "GNSS receiver modules", "unit", 140.0, 1),
)
LOW_RISK = ("JP", "DE", "US", "KR", "SG", "AU", "CA", "NL", "GB", "CH", "TW", "NZ")
HUBS = ("SG", "HK", "NL", "KR")


def _safe_home(ctx: PlantContext) -> str:
    home = ctx.resident_country()
    while ctx.w.is_high_risk(home):
        home = ctx.resident_country()
    return home


def _low_risk(ctx: PlantContext, home: str) -> str:
    return str(ctx.choice([c for c in LOW_RISK if c != home and not ctx.w.is_high_risk(c)]))


def _good(ctx: PlantContext, i: int) -> tuple[str, str, str, float, float]:
    pool = MACHINE_TOOLS if i % 2 == 0 else ELECTRONICS
    return pool[int(ctx.rng.integers(len(pool)))]  # type: ignore[return-value]


def _invoice(ctx: PlantContext, exporter: Trader, importer: Trader, good: tuple, **kw: object) -> tuple[int, int | None]:  # type: ignore[type-arg]
    value = ctx.uniform(30_000, 250_000)
    unit = good[3] * ctx.uniform(0.85, 1.2)
    qty = max(1.0, round(value / unit))
    return ctx.trading.invoice(ctx, exporter, importer, good, qty, unit, ctx.anchor(40), **kw)  # type: ignore[arg-type]


def _payer(ctx: PlantContext, country: str) -> tuple[int, int]:
    w = ctx.w
    party = w.new_business(ctx.rng, country, "import and export trading")
    row = w.party_row(party)
    return party, w.new_external(row["name"], country, "business", pk=party)


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    for i in range(ctx.n):
        variant = VARIANTS[i % len(VARIANTS)]
        inst = ctx.instance(TYPOLOGY_ID)
        home = _safe_home(ctx)
        good = _good(ctx, i)
        kw: dict[str, object] = {}
        if variant == "hr_destination":
            dom, forn = ctx.trading.pair(ctx, foreign_country=ctx.high_risk(), home=home)
            exporter, importer = dom, forn
        elif variant == "hr_transshipment":
            dom, forn = ctx.trading.pair(ctx, foreign_country=_low_risk(ctx, home), home=home)
            exporter, importer = (dom, forn) if ctx.rng.random() < 0.5 else (forn, dom)
            kw["transship"] = ctx.high_risk()
        elif variant in ("hr_payment", "third_party_payer"):
            dom, forn = ctx.trading.pair(ctx, foreign_country=_low_risk(ctx, home), home=home)
            exporter, importer = (dom, forn) if variant == "hr_payment" else (forn, dom)
            where = ctx.high_risk() if variant == "hr_payment" else str(ctx.choice(("HK", "AE", "SG", "MY")))
            payer_party, payer = _payer(ctx, where)
            inst.label("party", payer_party, "intermediary")
            kw["payer"] = payer
        else:  # sanctioned_party
            e = ctx.listed.entities()[int(ctx.rng.integers(len(ctx.listed.entities())))]
            name, _how = ctx.listed.vary(e, ctx.rng, "exact" if ctx.rng.random() < 0.5 else "typo")
            fc = _low_risk(ctx, home)
            dp, da = ctx.business(country=home, line="import and export trading", background=3)
            fp = w.new_business(ctx.rng, fc, "import and export trading", name=name)
            dom = ctx.trading.Trader(dp, da, home)
            forn = ctx.trading.Trader(fp, w.new_external(name, fc, "business", pk=fp), fc)
            san = ctx.instance("SAN-01")
            san.subject(forn.party)
            exporter, importer = (forn, dom) if ctx.rng.random() < 0.5 else (dom, forn)
        inst.subject(dom.party)
        inst.label("party", forn.party, "counterparty")
        tk, pay = _invoice(ctx, exporter, importer, good, **kw)
        inst.label("trade_document", tk, "evidence")
        if pay is not None:
            inst.evidence(pay)


def benign(ctx: PlantContext) -> None:
    for i in range(ctx.n_benign):
        inst = ctx.instance("benign:machine_tools_low_risk" if i % 2 == 0 else "benign:electronics_low_risk")
        home = _safe_home(ctx)
        dom, forn = ctx.trading.pair(ctx, foreign_country=_low_risk(ctx, home), home=home,
                                     line="industrial machinery" if i % 2 == 0 else "electronics wholesale")
        exporter, importer = (dom, forn) if ctx.rng.random() < 0.5 else (forn, dom)
        hub = str(ctx.choice(HUBS))
        transship = hub if ctx.rng.random() < 0.4 and hub not in (dom.country, forn.country) else None
        tk, pay = _invoice(ctx, exporter, importer, _good(ctx, i), transship=transship)
        inst.subject(dom.party)
        inst.label("trade_document", tk, "evidence")
        if pay is not None:
            inst.evidence(pay)
