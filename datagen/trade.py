"""Legitimate trade documents with their payments, and ordinary cash declarations (vectorised).

Unit prices per HS code come from ``GOODS`` (reference price in USD per unit) with a
lognormal spread of sigma 0.25, so a factor of 3 from the median is a 4-sigma event.
Every normal invoice has its own bill of lading / airway bill and, when paid inside the
window, a wire of exactly the invoice value from the importer.  Transshipment goes through
the usual hubs (SG, HK, AE, NL, MY, KR).  Cash declarations are mostly above the 10,000
USD obligation (or voluntary ones under 7,500), never in the 8,000-10,000 band.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from datagen import geo
from datagen.normal import CH, REF, Clock
from datagen.population import LOCALES, person_names
from datagen.world import World

#: (HS6, description, unit, reference unit price USD, popularity weight)
GOODS: tuple[tuple[str, str, str, float, float], ...] = (
    ("851712", "Smartphones", "unit", 220.0, 10), ("847130", "Laptop computers", "unit", 450.0, 8),
    ("610910", "Cotton T-shirts, knitted", "unit", 3.5, 8), ("090111", "Coffee, not roasted", "kg", 4.5, 6),
    ("100630", "Rice, semi or wholly milled", "kg", 0.6, 6), ("030617", "Frozen shrimps and prawns", "kg", 9.0, 5),
    ("620342", "Men's cotton trousers", "unit", 8.0, 5), ("870899", "Motor vehicle parts", "kg", 9.0, 5),
    ("390110", "Polyethylene, primary form", "kg", 1.3, 4), ("400122", "Technically specified natural rubber", "kg", 1.7, 4),
    ("852872", "Television receivers", "unit", 300.0, 4), ("640399", "Leather footwear", "pair", 25.0, 3),
    ("940360", "Wooden furniture", "unit", 140.0, 3), ("170114", "Cane sugar, raw", "kg", 0.45, 3),
    ("720839", "Hot-rolled steel coils", "kg", 0.65, 3), ("300490", "Medicaments, packaged", "kg", 60.0, 2),
    ("440710", "Sawn coniferous wood", "m3", 280.0, 2), ("520100", "Cotton, not carded or combed", "kg", 1.8, 2),
    ("870323", "Passenger cars 1,500-3,000 cc", "unit", 18000.0, 2), ("220421", "Wine in containers <= 2 l", "litre", 6.0, 2),
    ("080390", "Bananas, fresh", "kg", 0.9, 2), ("020130", "Beef, boneless, fresh", "kg", 8.0, 1.5),
    ("901890", "Medical instruments", "unit", 120.0, 1.5), ("710231", "Diamonds, non-industrial, unworked", "carat", 150.0, 1),
    ("710812", "Gold, unwrought", "kg", 65000.0, 1), ("847989", "Machines with individual functions", "unit", 15000.0, 1),
)
HUBS = ("SG", "HK", "AE", "NL", "MY", "KR")
#: typical quantity per invoice, in the good's unit (median)
TYPICAL_VALUE_USD = 40_000.0


def good(hs: str) -> tuple[str, str, str, float, float]:
    for g in GOODS:
        if g[0] == hs:
            return g
    raise KeyError(hs)


def generate_trade(w: World, n: int, clk: Clock) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` invoices between domestic and foreign businesses, and the wires that paid them."""
    rng = w.rng
    pop = w.pop
    dom = np.nonzero(~pop["bus_foreign"])[0]
    forn = np.nonzero(pop["bus_foreign"])[0]
    if n <= 0 or not len(dom) or not len(forn):
        return pl.DataFrame(), pl.DataFrame()
    gw = np.array([g[4] for g in GOODS])
    gi = rng.choice(len(GOODS), n, p=gw / gw.sum())
    ref_price = np.array([g[3] for g in GOODS])[gi]
    unit_price = ref_price * rng.lognormal(0, 0.25, n)
    value_usd = np.clip(TYPICAL_VALUE_USD * rng.lognormal(0, 1.0, n), 2000, 5_000_000)
    qty = np.maximum(1, np.round(value_usd / unit_price))
    value_usd = qty * unit_price
    d = dom[rng.integers(0, len(dom), n)] + pop["o_bus"]
    f = forn[rng.integers(0, len(forn), n)] + pop["o_bus"]
    imp = rng.random(n) < 0.55
    exporter = np.where(imp, f, d)
    importer = np.where(imp, d, f)
    pc = pop["party_country"]
    origin = pc[exporter]
    dest = pc[importer]
    hubs = np.array(HUBS, dtype=object)
    trans = hubs[rng.integers(0, len(hubs), n)]
    use_t = (rng.random(n) < 0.25) & (trans != origin) & (trans != dest)
    trans = np.where(use_t, trans, None)
    day = clk.draw(rng, n, clk.w_transfer, clk.h_bank)
    day_idx = ((day - w.start_us) // 86_400_000_000).astype(np.int64)
    ccy = np.where(rng.random(n) < 0.7, "USD", np.array([geo.BY_CODE[c].currency for c in origin.tolist()], dtype=object))
    ci = np.array([w.ccy_index[c] for c in ccy.tolist()])
    rate = w.fx[ci, w.month_of_us(day)]
    value_local = np.round(value_usd / rate, 2)
    pay_day = day_idx + rng.integers(0, 45, n)
    paid = pay_day < w.cfg.days
    bus_acc = pop["bus_account"]
    src = bus_acc[importer[paid] - pop["o_bus"]]
    dst = bus_acc[exporter[paid] - pop["o_bus"]]
    keys = w.n_txns + np.arange(int(paid.sum()), dtype=np.int64)
    w.n_txns += len(keys)
    payment = np.full(n, -1, dtype=np.int64)
    payment[paid] = keys
    pay_ts = clk.at(rng, pay_day[paid], clk.h_bank)
    txns = pl.DataFrame({
        "_key": keys, "_ts": pay_ts, "_ch": np.full(len(keys), CH["wire"], dtype=np.int16), "_src": src, "_dst": dst,
        "amount": value_local[paid], "_loc": np.full(len(keys), -1, dtype=np.int16),
        "_mcc": np.full(len(keys), -1, dtype=np.int16), "_ref": np.full(len(keys), REF["INVOICE PAYMENT"], dtype=np.int16),
        "_ccy": ci[paid].astype(np.int16),
    })
    tkeys = w.n_trades + np.arange(n, dtype=np.int64)
    w.n_trades += n
    air = np.isin(np.array([g[2] for g in GOODS])[gi], ["unit", "carat"]) & (value_usd < 200_000)
    refno = rng.permutation(n) + 10_000_000 + int(rng.integers(0, 80_000_000))
    ship = pl.Series(np.where(air, "AWB", "BL").astype(str)) + pl.Series(refno).cast(pl.String)
    trades = pl.DataFrame({
        "_key": tkeys,
        "date": pl.Series(np.datetime64(w.cfg.start, "D") + day_idx.astype("timedelta64[D]")).cast(pl.Date),
        "_exporter": exporter.astype(np.int64), "_importer": importer.astype(np.int64),
        "hs_code": pl.Series(np.array([g[0] for g in GOODS])[gi].astype(str)),
        "goods_description": pl.Series(np.array([g[1] for g in GOODS])[gi].astype(str)),
        "quantity": qty.astype(float),
        "unit": pl.Series(np.array([g[2] for g in GOODS])[gi].astype(str)),
        "invoice_value": value_local,
        "currency": pl.Series(ccy.astype(str)),
        "origin_country": pl.Series(origin.astype(str)),
        "destination_country": pl.Series(dest.astype(str)),
        "transshipment_country": pl.Series(trans.tolist(), dtype=pl.String),
        "shipment_ref": ship,
        "_payment": payment,
    })
    return trades, txns


PURPOSES = ("business travel", "personal savings", "tuition fees", "medical treatment", "purchase of goods",
            "family visit", "property purchase")
AIRLINES = ("SQ", "CX", "MH", "TG", "PR", "GA", "VN", "JL", "NH", "KE", "OZ", "QF", "NZ", "AA", "UA", "AC",
            "AM", "LA", "CI", "BR", "CA", "MU", "CZ", "EK", "QR", "TK", "SU")


def generate_declarations(w: World, n: int, clk: Clock) -> pl.DataFrame:
    rng = w.rng
    pop = w.pop
    if n <= 0:
        return pl.DataFrame()
    known = rng.random(n) < 0.7
    ind = rng.integers(0, pop["n_ind"], n)
    home = pop["ind_country"][ind].astype(object)
    other = np.array(["JP", "US", "SG", "HK", "AU", "CN", "TH", "AE", "GB", "KR", "MY", "CA", "TW", "ID", "PH", "VN", "MX"], dtype=object)
    abroad = other[rng.integers(0, len(other), n)]
    abroad = np.where(abroad == home, np.where(home == "US", "CA", "US"), abroad)
    inbound = rng.random(n) < 0.5
    origin = np.where(inbound, abroad, home)
    dest = np.where(inbound, home, abroad)
    big = rng.random(n) < 0.8
    usd = np.where(big, np.clip(18_000 * rng.lognormal(0, 0.5, n), 10_300, 500_000),
                   np.clip(4_000 * rng.lognormal(0, 0.4, n), 1_000, 7_500))
    ts = clk.draw(rng, n, clk.w_flat, clk.h_card)
    local_ccy = np.array([geo.BY_CODE[c].currency for c in home.tolist()], dtype=object)
    ccy = np.where(rng.random(n) < 0.6, "USD", local_ccy)
    ci = np.array([w.ccy_index[c] for c in ccy.tolist()])
    amount = np.round(usd / w.fx[ci, w.month_of_us(ts)], 0)
    nat = pop["ind_nationality"][ind].astype(object)
    nm = pop["ind_name"].gather(ind)
    stranger_loc = np.array([LOCALES.index(geo.BY_CODE[c].locale) for c in home.tolist()], dtype=np.int64)
    sname, _, _ = person_names(rng, stranger_loc)
    name = pl.DataFrame({"k": known, "a": nm, "b": sname}).select(
        pl.when(pl.col("k")).then(pl.col("a")).otherwise(pl.col("b"))).to_series()
    airport = np.array([geo.BY_CODE[c].airport for c in home.tolist()], dtype=object)
    flight = pl.Series(np.array(AIRLINES, dtype=object)[rng.integers(0, len(AIRLINES), n)].astype(str)) + pl.Series(
        rng.integers(1, 999, n)).cast(pl.String).str.zfill(3)
    keys = w.n_decls + np.arange(n, dtype=np.int64)
    w.n_decls += n
    return pl.DataFrame({
        "_key": keys, "_ts": ts, "traveller_name": name,
        "_party": np.where(known, ind, -1).astype(np.int64),
        "document_number": pl.Series(np.where(known, pop["ind_nationality"][ind], home).astype(str))
        + pl.Series(rng.integers(1_000_000, 9_999_999, n)).cast(pl.String).str.zfill(8),
        "nationality": pl.Series(np.where(known, nat, home).astype(str)),
        "direction": pl.Series(np.where(inbound, "inbound", "outbound").astype(str)),
        "port": pl.Series(airport.astype(str)),
        "origin_country": pl.Series(origin.astype(str)),
        "destination_country": pl.Series(dest.astype(str)),
        "amount": amount,
        "currency": pl.Series(ccy.astype(str)),
        "declared": np.ones(n, dtype=bool),
        "transport_ref": flight,
        "purpose": pl.Series(np.array(PURPOSES, dtype=object)[rng.integers(0, len(PURPOSES), n)].astype(str)),
    })
