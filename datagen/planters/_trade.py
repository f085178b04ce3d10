"""Helpers shared by the trade-based laundering planters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from datagen.trade import GOODS

if TYPE_CHECKING:
    from datagen.planters import PlantContext

#: the most common goods in normal trade: enough comparable documents for a robust median
COMMON = tuple(g for g in GOODS if g[4] >= 4)


@dataclass
class Trader:
    party: int
    account: int
    country: str


def pair(ctx: PlantContext, foreign_country: str | None = None, line: str = "import and export trading",
         home: str | None = None) -> tuple[Trader, Trader]:
    """A fresh domestic trader (account on file) and a fresh foreign one (external account)."""
    w = ctx.w
    home = home or ctx.resident_country()
    dp, da = ctx.business(country=home, line=line, background=3)
    fc = foreign_country or str(ctx.choice(("CN", "HK", "AE", "SG", "TH", "MY", "JP", "US", "DE", "IN")))
    if fc == home:
        fc = "AE" if home != "AE" else "SG"
    fp = w.new_business(ctx.rng, fc, line)
    fa = w.new_external(w.party_row(fp)["name"], fc, "business", pk=fp)
    return Trader(dp, da, home), Trader(fp, fa, fc)


def invoice(ctx: PlantContext, exporter: Trader, importer: Trader, good: tuple, qty: float, unit_usd: float,  # type: ignore[type-arg]
            day: float, *, paid: bool = True, payer: int | None = None, pay_factor: float = 1.0,
            shipment_ref: str | None = "auto", transship: str | None = None) -> tuple[int, int | None]:
    """An invoice (and its payment wire unless ``paid=False``); returns (trade key, txn key)."""
    w = ctx.w
    value = round(qty * unit_usd, 2)
    pay = None
    if paid:
        pay_day = min(day + ctx.uniform(2, 30), ctx.days - 0.1)
        amt = round(value * pay_factor, 2)
        pay = w.txn(w.ts(pay_day), "wire", payer if payer is not None else importer.account, exporter.account,
                    amount=amt, currency="USD", reference="INVOICE PAYMENT")
    if shipment_ref == "auto":
        shipment_ref = f"BL{int(ctx.rng.integers(10**9, 10**10))}"
    tk = w.trade(w.day_date(day), exporter.party, importer.party, hs_code=good[0], goods_description=good[1],
                 quantity=float(qty), unit=good[2], _usd=value, invoice_value=value, currency="USD",
                 origin_country=exporter.country, destination_country=importer.country,
                 transshipment_country=transship, shipment_ref=shipment_ref, payment=-1 if pay is None else pay)
    return tk, pay
