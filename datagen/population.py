"""The normal population: parties and accounts, vectorised (numpy + polars, no per-row Python).

Shape (shares of ``--parties``): individuals 86% (12% of them migrant workers living in a
richer APEC economy with a home country elsewhere), businesses 10.5% (15% of them foreign
trade partners with no account on file), NPOs 1.5%, financial institutions 1.2% (banks and
money service businesses), government bodies 0.8%.  Residents live in the 21 APEC
economies, weighted by ``datagen.geo``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from datagen import geo, names
from datagen.world import STREETS, World

FOREIGN_PARTNER_COUNTRIES = ("US", "CN", "JP", "DE", "GB", "NL", "SG", "HK", "KR", "AU", "AE", "IN", "VN", "TH", "MY")
NPO_FIELD_COUNTRIES = ("SO", "AF", "SY", "YE", "PS", "SD", "KE", "ET", "JO", "LB", "TR", "PK", "BD", "PH", "ID", "MM")
PURPOSES = ("humanitarian", "religious", "education", "health", "cultural", "social", "other")
PURPOSE_P = (0.3, 0.2, 0.15, 0.12, 0.08, 0.1, 0.05)


def _flat(table: dict[str, tuple[tuple[str, str], ...]]) -> tuple[pl.Series, pl.Series, dict[str, tuple[int, int]]]:
    nat: list[str] = []
    lat: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    for loc, pairs in table.items():
        spans[loc] = (len(nat), len(pairs))
        nat.extend(p[0] for p in pairs)
        lat.extend(p[1] for p in pairs)
    return pl.Series(nat), pl.Series(lat), spans


_G_NAT, _G_LAT, _G_SPAN = _flat(names.GIVEN)
_F_NAT, _F_LAT, _F_SPAN = _flat(names.FAMILY)
LOCALES = tuple(names.GIVEN)


@lru_cache(maxsize=1)
def _blocked() -> np.ndarray:
    """[given index, family index] -> the Latin full name resembles a UN-listed name or alias
    (best of plain and token-sort ratio >= 72): such combinations are not drawn, so that an
    ordinary customer is a sanctions hit only when planted as one."""
    from rapidfuzz import fuzz, process

    from datagen.planters._names import listed

    listed_names = sorted({n.upper() for e in listed() for n in (e.full, *e.aliases)})
    out = np.zeros((len(_G_LAT), len(_F_LAT)), dtype=bool)
    for loc in LOCALES:
        g0, gn = _G_SPAN[loc]
        f0, fn = _F_SPAN[loc]
        gl = _G_LAT[g0:g0 + gn].to_list()
        fl = _F_LAT[f0:f0 + fn].to_list()
        combos = [f"{g} {f}".upper() for g in gl for f in fl] + [f"{f} {g}".upper() for g in gl for f in fl]
        a = process.cdist(combos, listed_names, scorer=fuzz.ratio, workers=1).max(axis=1)
        b = process.cdist(combos, listed_names, scorer=fuzz.token_sort_ratio, workers=1).max(axis=1)
        score = np.maximum(a, b).reshape(2, gn, fn).max(axis=0)
        out[g0:g0 + gn, f0:f0 + fn] = score >= 72
    return out


def person_names(rng: np.random.Generator, locales: np.ndarray, family_idx: np.ndarray | None = None
                 ) -> tuple[pl.Series, pl.Series, np.ndarray]:
    """Vectorised names for locale codes (index into ``LOCALES``): name, Latin alt (or null), family index."""
    n = len(locales)
    g = np.zeros(n, dtype=np.int64)
    f = np.zeros(n, dtype=np.int64) if family_idx is None else family_idx.copy()
    for li, loc in enumerate(LOCALES):
        m = locales == li
        k = int(m.sum())
        if not k:
            continue
        off, size = _G_SPAN[loc]
        g[m] = off + rng.integers(0, size, k)
        if family_idx is None:
            off, size = _F_SPAN[loc]
            f[m] = off + rng.integers(0, size, k)
    blocked = _blocked()
    for li, loc in enumerate(LOCALES):  # re-draw the given name of the few blocked pairs
        off, size = _G_SPAN[loc]
        for _ in range(size):
            m = (locales == li) & blocked[g, f]
            if not m.any():
                break
            g[m] = off + (g[m] - off + 1) % size
    ff = np.isin(locales, [LOCALES.index(x) for x in names.FAMILY_FIRST])
    nosep = np.isin(locales, [LOCALES.index(x) for x in ("zh", "ja", "ko")])
    df = pl.DataFrame({
        "gn": _G_NAT.gather(g), "gl": _G_LAT.gather(g), "fn": _F_NAT.gather(f), "fl": _F_LAT.gather(f),
        "ff": ff, "nosep": nosep,
    })
    out = df.select(
        name=pl.when(pl.col("ff") & pl.col("nosep")).then(pl.col("fn") + pl.col("gn"))
        .when(pl.col("ff")).then(pl.col("fn") + " " + pl.col("gn"))
        .otherwise(pl.col("gn") + " " + pl.col("fn")),
        latin=pl.when(pl.col("ff")).then(pl.col("fl") + " " + pl.col("gl"))
        .otherwise(pl.col("gl") + " " + pl.col("fl")),
    ).with_columns(alt=pl.when(pl.col("latin") != pl.col("name")).then(pl.col("latin")))
    return out["name"], out["alt"], f


def _choice(rng: np.random.Generator, items: tuple[str, ...] | list[str], n: int,
            p: np.ndarray | None = None) -> np.ndarray:
    arr = np.array(items, dtype=object)
    return arr[rng.choice(len(arr), size=n, p=p)]


def _cities(rng: np.random.Generator, countries: np.ndarray) -> np.ndarray:
    out = np.empty(len(countries), dtype=object)
    for code in np.unique(countries):
        m = countries == code
        out[m] = _choice(rng, geo.BY_CODE[str(code)].cities, int(m.sum()))
    return out


def _dates(base: date, lo: np.ndarray | int, hi: np.ndarray | int, rng: np.random.Generator, n: int) -> pl.Series:
    days = rng.integers(lo, hi, n)
    return pl.Series(np.datetime64(base) - days.astype("timedelta64[D]")).cast(pl.Date)


def build(w: World) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Create the normal parties and accounts; fill ``w.pop`` with the arrays activity needs."""
    rng = w.rng
    cfg = w.cfg
    P = cfg.parties
    n_npo = max(12, int(P * 0.015))
    n_fi = max(8, int(P * 0.012))
    n_gov = max(5, int(P * 0.008))
    n_bus = max(40, int(P * 0.105))
    n_ind = max(100, P - n_npo - n_fi - n_gov - n_bus)
    apec = np.array(geo.APEC, dtype=object)
    apec_w = np.array([geo.BY_CODE[c].weight for c in geo.APEC], dtype=float)
    apec_w /= apec_w.sum()

    # ---------------------------------------------------------------- individuals
    country = apec[rng.choice(len(apec), n_ind, p=apec_w)]
    migrant = rng.random(n_ind) < 0.12
    hosts = np.array(list(geo.MIGRANT_HOSTS), dtype=object)
    hw = np.array(list(geo.MIGRANT_HOSTS.values()), dtype=float)
    homes = np.array(list(geo.MIGRANT_HOMES), dtype=object)
    homew = np.array(list(geo.MIGRANT_HOMES.values()), dtype=float)
    nm = int(migrant.sum())
    country[migrant] = hosts[rng.choice(len(hosts), nm, p=hw / hw.sum())]
    nationality = country.copy()
    nationality[migrant] = homes[rng.choice(len(homes), nm, p=homew / homew.sum())]
    loc_of = {c.code: LOCALES.index(c.locale) for c in geo.COUNTRIES}
    ind_locale = np.array([loc_of[c] for c in nationality.tolist()], dtype=np.int64)
    ind_name, ind_alt, ind_family = person_names(rng, ind_locale)
    ind_city = _cities(rng, country)
    occ = _choice(rng, names.OCCUPATIONS, n_ind)
    ages = rng.integers(18, 86, n_ind)
    dob = pl.Series(np.datetime64(cfg.start) - (ages * 365 + rng.integers(0, 365, n_ind)).astype("timedelta64[D]")).cast(pl.Date)
    risk = _choice(rng, ("low", "medium", "high"), n_ind, np.array([0.8, 0.17, 0.03]))
    pep = rng.random(n_ind) < 0.003
    inds = pl.DataFrame({
        "party_type": pl.Series(["individual"] * n_ind),
        "name": ind_name,
        "alt_names": ind_alt.to_frame("a").select(
            pl.when(pl.col("a").is_not_null()).then(pl.concat_list(pl.col("a")))
        ).to_series(),
        "date_of_birth": dob,
        "nationality": pl.Series(nationality.astype(str)),
        "country": pl.Series(country.astype(str)),
        "city": pl.Series(ind_city.astype(str)),
        "address": pl.Series(rng.integers(1, 500, n_ind)).cast(pl.String) + " " + pl.Series(_choice(rng, STREETS, n_ind).astype(str)),
        "id_number": pl.Series(nationality.astype(str)) + pl.Series(rng.integers(10_000_000, 99_999_999, n_ind)).cast(pl.String),
        "occupation": pl.Series(occ.astype(str)),
        "registered_on": _dates(cfg.start, 30, 6000, rng, n_ind),
        "risk_rating": pl.Series(risk.astype(str)),
        "is_pep": pl.Series(pep),
    })

    # ---------------------------------------------------------------- businesses
    foreign = rng.random(n_bus) < 0.15
    bcountry = apec[rng.choice(len(apec), n_bus, p=apec_w)]
    fc = np.array(FOREIGN_PARTNER_COUNTRIES, dtype=object)
    bcountry[foreign] = fc[rng.integers(0, len(fc), int(foreign.sum()))]
    line_idx = rng.integers(0, len(names.BUSINESS_LINES), n_bus)
    lines = np.array([b[0] for b in names.BUSINESS_LINES], dtype=object)[line_idx]
    cash_int = np.array([b[1] for b in names.BUSINESS_LINES])[line_idx] & ~foreign
    wa = _choice(rng, names.BUSINESS_WORDS_A, n_bus).astype(str)
    wb = _choice(rng, names.BUSINESS_WORDS_B, n_bus).astype(str)
    suffix = np.array([names.LEGAL_SUFFIX.get(c, "Ltd") for c in bcountry.tolist()], dtype=object).astype(str)
    bdf = pl.DataFrame({"a": wa, "b": wb, "s": suffix})
    bname = bdf.select(pl.when(pl.col("s") == "PT").then("PT " + pl.col("a") + " " + pl.col("b"))
                       .otherwise(pl.col("a") + " " + pl.col("b") + " " + pl.col("s"))).to_series()
    bus = pl.DataFrame({
        "party_type": pl.Series(["business"] * n_bus),
        "name": bname,
        "country": pl.Series(bcountry.astype(str)),
        "city": pl.Series(_cities(rng, bcountry).astype(str)),
        "address": pl.Series(rng.integers(1, 900, n_bus)).cast(pl.String) + " " + pl.Series(_choice(rng, STREETS, n_bus).astype(str)),
        "id_number": pl.Series(bcountry.astype(str)) + "-REG-" + pl.Series(rng.integers(1_000_000, 9_999_999, n_bus)).cast(pl.String),
        "occupation": pl.Series(lines.astype(str)),
        "registered_on": _dates(cfg.start, 200, 9000, rng, n_bus),
        "risk_rating": pl.Series(_choice(rng, ("low", "medium", "high"), n_bus, np.array([0.7, 0.26, 0.04])).astype(str)),
        "is_pep": pl.Series(np.zeros(n_bus, dtype=bool)),
    })

    # ---------------------------------------------------------------- NPOs
    ncountry = apec[rng.choice(len(apec), n_npo, p=apec_w)]
    purpose = _choice(rng, PURPOSES, n_npo, np.array(PURPOSE_P))
    field = np.array(NPO_FIELD_COUNTRIES, dtype=object)
    n_field = rng.integers(0, 4, n_npo)
    n_field[purpose == "humanitarian"] += 1
    op_lists: list[list[str]] = []
    fidx = rng.integers(0, len(field), (n_npo, 5))
    for i in range(n_npo):  # small: one row per NPO (~1.5% of parties)
        ops = [str(ncountry[i])] + [str(field[j]) for j in fidx[i, : n_field[i]]]
        op_lists.append(sorted(set(ops), key=ops.index))
    nw = _choice(rng, names.NPO_WORDS, n_npo).astype(str)
    nk = [names.NPO_KINDS[p][int(rng.integers(len(names.NPO_KINDS[p])))] for p in purpose.tolist()]
    npos = pl.DataFrame({
        "party_type": pl.Series(["npo"] * n_npo),
        "name": pl.Series(nw) + " " + pl.Series(nk),
        "country": pl.Series(ncountry.astype(str)),
        "city": pl.Series(_cities(rng, ncountry).astype(str)),
        "address": pl.Series(rng.integers(1, 300, n_npo)).cast(pl.String) + " " + pl.Series(_choice(rng, STREETS, n_npo).astype(str)),
        "id_number": pl.Series(ncountry.astype(str)) + "-NPO-" + pl.Series(rng.integers(100_000, 999_999, n_npo)).cast(pl.String),
        "occupation": pl.Series(purpose.astype(str)) + " charity",
        "registered_on": _dates(cfg.start, 300, 8000, rng, n_npo),
        "npo_purpose": pl.Series(purpose.astype(str)),
        "npo_operating_countries": pl.Series(op_lists, dtype=pl.List(pl.String)),
        "risk_rating": pl.Series(_choice(rng, ("low", "medium", "high"), n_npo, np.array([0.3, 0.6, 0.1])).astype(str)),
        "is_pep": pl.Series(np.zeros(n_npo, dtype=bool)),
    })

    # ---------------------------------------------------------------- FIs and government
    fcountry = apec[rng.choice(len(apec), n_fi, p=apec_w)]
    is_msb = rng.random(n_fi) < 0.4
    fw = np.where(is_msb, _choice(rng, names.MSB_WORDS, n_fi), _choice(rng, names.BANK_WORDS, n_fi)).astype(str)
    fname = pl.Series(_choice(rng, names.BUSINESS_WORDS_A, n_fi).astype(str)) + " " + pl.Series(fw)
    fname = pl.DataFrame({"n": fname, "m": is_msb}).select(
        pl.when(pl.col("m")).then(pl.col("n")).otherwise(pl.col("n") + " Bank")).to_series()
    fis = pl.DataFrame({
        "party_type": pl.Series(["financial_institution"] * n_fi),
        "name": fname,
        "country": pl.Series(fcountry.astype(str)),
        "city": pl.Series(_cities(rng, fcountry).astype(str)),
        "id_number": pl.Series(fcountry.astype(str)) + "-FI-" + pl.Series(rng.integers(1000, 9999, n_fi)).cast(pl.String),
        "occupation": pl.Series(np.where(is_msb, "money service business", "bank").astype(str)),
        "registered_on": _dates(cfg.start, 2000, 20000, rng, n_fi),
        "risk_rating": pl.Series(np.where(is_msb, "medium", "low").astype(str)),
        "is_pep": pl.Series(np.zeros(n_fi, dtype=bool)),
    })
    gcountry = apec[rng.choice(len(apec), n_gov, p=apec_w)]
    gname = _choice(rng, ("Tax Authority", "Ministry of Finance", "Customs Department", "Social Security Fund",
                          "Municipal Council", "Ministry of Health"), n_gov).astype(str)
    govs = pl.DataFrame({
        "party_type": pl.Series(["government"] * n_gov),
        "name": pl.Series(gcountry.astype(str)) + " " + pl.Series(gname),
        "country": pl.Series(gcountry.astype(str)),
        "city": pl.Series(_cities(rng, gcountry).astype(str)),
        "occupation": pl.Series(["public administration"] * n_gov),
        "risk_rating": pl.Series(["low"] * n_gov),
        "is_pep": pl.Series(np.zeros(n_gov, dtype=bool)),
    })
    parties = pl.concat([inds, bus, npos, fis, govs], how="diagonal_relaxed")
    n_par = parties.height
    parties = parties.with_columns(_key=pl.arange(0, n_par, eager=True).cast(pl.Int64))
    w.n_parties = n_par
    o_bus = n_ind
    o_npo = o_bus + n_bus
    o_fi = o_npo + n_npo
    o_gov = o_fi + n_fi
    party_country = parties["country"].to_numpy().astype(object)

    # ---------------------------------------------------------------- accounts
    acc: dict[str, list[Any]] = {k: [] for k in ("owner", "type", "country", "ccy", "internal", "name")}

    def add(owner: np.ndarray, atype: str | np.ndarray, countries: np.ndarray, ccys: np.ndarray | None = None,
            internal: bool = True, aname: np.ndarray | None = None) -> np.ndarray:
        n = len(owner)
        start = sum(len(x) for x in acc["owner"])
        acc["owner"].append(owner.astype(np.int64))
        acc["type"].append(np.full(n, atype, dtype=object) if isinstance(atype, str) else atype)
        acc["country"].append(countries.astype(object))
        if ccys is None:
            ccys = np.array([geo.BY_CODE[c].currency for c in countries.tolist()], dtype=object)
        acc["ccy"].append(ccys)
        acc["internal"].append(np.full(n, internal))
        acc["name"].append(aname if aname is not None else np.full(n, None, dtype=object))
        return np.arange(start, start + n, dtype=np.int64)

    ind_keys = np.arange(n_ind, dtype=np.int64)
    ind_current = add(ind_keys, "current", country)
    has_sav = rng.random(n_ind) < 0.40
    ind_savings = np.full(n_ind, -1, dtype=np.int64)
    sav_ccy = np.array([geo.BY_CODE[c].currency for c in country[has_sav].tolist()], dtype=object)
    sav_ccy[rng.random(len(sav_ccy)) < 0.08] = "USD"
    ind_savings[has_sav] = add(ind_keys[has_sav], "savings", country[has_sav], sav_ccy)
    has_pre = rng.random(n_ind) < 0.08
    ind_prepaid = np.full(n_ind, -1, dtype=np.int64)
    ind_prepaid[has_pre] = add(ind_keys[has_pre], "prepaid_card", country[has_pre])
    has_wal = rng.random(n_ind) < 0.15
    ind_wallet = np.full(n_ind, -1, dtype=np.int64)
    ind_wallet[has_wal] = add(ind_keys[has_wal], "wallet", country[has_wal])
    has_loan = rng.random(n_ind) < 0.06
    ind_loan = np.full(n_ind, -1, dtype=np.int64)
    ind_loan[has_loan] = add(ind_keys[has_loan], "loan", country[has_loan])

    dom_bus = np.nonzero(~foreign)[0]
    bus_keys = o_bus + np.arange(n_bus, dtype=np.int64)
    bus_account = np.full(n_bus, -1, dtype=np.int64)
    bus_account[dom_bus] = add(bus_keys[dom_bus], "business", bcountry[dom_bus])
    usd2 = dom_bus[rng.random(len(dom_bus)) < 0.2]
    add(bus_keys[usd2], "business", bcountry[usd2], np.full(len(usd2), "USD", dtype=object))
    fb = np.nonzero(foreign)[0]
    bus_account[fb] = add(bus_keys[fb], "business", bcountry[fb], internal=False)
    npo_keys = o_npo + np.arange(n_npo, dtype=np.int64)
    npo_account = add(npo_keys, "npo", ncountry)
    fi_keys = o_fi + np.arange(n_fi, dtype=np.int64)
    fi_account = add(fi_keys, np.where(is_msb, "money_service", "correspondent").astype(object), fcountry,
                     np.full(n_fi, "USD", dtype=object))
    gov_account = add(o_gov + np.arange(n_gov, dtype=np.int64), "current", gcountry)
    n_internal = sum(len(x) for x in acc["owner"])

    # external counterparties (owner not on file)
    mig_idx = np.nonzero(migrant)[0]
    two = rng.random(len(mig_idx)) < 0.3
    fam_src = np.concatenate([mig_idx, mig_idx[two]])
    fam_country = nationality[fam_src]
    fam_loc = ind_locale[fam_src]
    fam_name, _, _ = person_names(rng, fam_loc, ind_family[fam_src])
    fam_type = _choice(rng, ("current", "wallet", "money_service"), len(fam_src), np.array([0.5, 0.3, 0.2]))
    fam_acc = add(np.full(len(fam_src), -1), fam_type, fam_country, internal=False,
                  aname=fam_name.to_numpy().astype(object))
    n_fx = max(60, n_bus // 3)
    fx_country = fc[rng.integers(0, len(fc), n_fx)]
    fx_country = np.where(np.isin(fx_country, list(w.high_risk)), "SG", fx_country)
    fxn = pl.Series(_choice(rng, names.BUSINESS_WORDS_A, n_fx).astype(str)) + " " + pl.Series(
        _choice(rng, names.BUSINESS_WORDS_B, n_fx).astype(str)) + " " + pl.Series(
        [names.LEGAL_SUFFIX.get(c, "Ltd") for c in fx_country.tolist()])
    foreign_bus_acc = add(np.full(n_fx, -1), "business", fx_country, internal=False, aname=fxn.to_numpy().astype(object))
    # NPO field partners: 4-8 per NPO in its operating countries
    part_owner: list[int] = []
    part_country: list[str] = []
    for i, ops in enumerate(op_lists):  # per NPO (small)
        k = int(rng.integers(4, 9))
        for j in range(k):
            part_owner.append(i)
            part_country.append(ops[j % len(ops)])
    pc = np.array(part_country, dtype=object)
    pname = pl.Series(_choice(rng, names.NPO_WORDS, len(pc)).astype(str)) + " " + pl.Series(
        _choice(rng, ("Community Committee", "Relief Partners", "Clinic", "School Trust", "Water Project",
                      "Food Bank", "Women's Cooperative"), len(pc)).astype(str)) + " " + pl.Series(pc.astype(str))
    npo_partner = add(np.full(len(pc), -1), "current", pc, internal=False, aname=pname.to_numpy().astype(object))
    npo_partner_of = np.array(part_owner, dtype=np.int64)
    n_p2p = max(30, n_ind // 20)
    p2p_country = apec[rng.choice(len(apec), n_p2p, p=apec_w)]
    p2p_loc = np.array([loc_of[c] for c in p2p_country.tolist()], dtype=np.int64)
    p2p_name, _, _ = person_names(rng, p2p_loc)
    p2p_ext = add(np.full(n_p2p, -1), "current", p2p_country, internal=False, aname=p2p_name.to_numpy().astype(object))

    owner = np.concatenate(acc["owner"])
    n_acc = len(owner)
    atype = np.concatenate(acc["type"])
    acountry = np.concatenate(acc["country"])
    accy = np.concatenate(acc["ccy"])
    internal = np.concatenate(acc["internal"])
    aname = np.concatenate(acc["name"])
    # opened_on: after the owner's registration, before the window (a few during it)
    reg = parties["registered_on"].to_numpy()
    own_reg = np.where(owner >= 0, reg[np.clip(owner, 0, None)], np.datetime64(cfg.start) - np.timedelta64(3000, "D"))
    own_reg = np.where(np.isnat(own_reg), np.datetime64(cfg.start) - np.timedelta64(3000, "D"), own_reg)
    span = (np.datetime64(cfg.start) - own_reg).astype("timedelta64[D]").astype(np.int64)
    opened = own_reg + (rng.random(n_acc) * np.maximum(span - 1, 1)).astype("timedelta64[D]")
    closed = np.full(n_acc, np.datetime64("NaT"), dtype="datetime64[D]")
    closing = internal & (rng.random(n_acc) < 0.01) & (atype != "correspondent")
    closed[closing] = np.datetime64(cfg.start) - rng.integers(1, 60, int(closing.sum())).astype("timedelta64[D]")
    closed = np.where(closing & (closed < opened), opened, closed)
    accounts = pl.DataFrame({
        "_key": pl.arange(0, n_acc, eager=True).cast(pl.Int64),
        "_owner": owner,
        "_internal": internal,
        "_name": pl.Series(aname.tolist(), dtype=pl.String),
        "account_type": pl.Series(atype.astype(str)),
        "country": pl.Series(acountry.astype(str)),
        "currency": pl.Series(accy.astype(str)),
        "opened_on": pl.Series(opened.astype("datetime64[D]")).cast(pl.Date),
        "closed_on": pl.Series(closed).cast(pl.Date),
    })
    w.n_accounts = n_acc
    usable = ~closing

    w.pop.update(
        n_ind=n_ind, n_bus=n_bus, n_npo=n_npo, n_fi=n_fi, n_gov=n_gov, o_bus=o_bus, o_npo=o_npo, o_fi=o_fi,
        o_gov=o_gov, n_internal=n_internal, party_country=party_country,
        ind_country=country, ind_nationality=nationality, ind_migrant=migrant, ind_locale=ind_locale,
        ind_current=ind_current, ind_savings=ind_savings, ind_prepaid=ind_prepaid, ind_wallet=ind_wallet,
        ind_loan=ind_loan, bus_foreign=foreign, bus_country=bcountry, bus_account=bus_account,
        bus_cash=cash_int, bus_line=lines, npo_account=npo_account, npo_country=ncountry, npo_ops=op_lists,
        fi_account=fi_account, fi_msb=is_msb, gov_account=gov_account, gov_country=gcountry,
        fam_src=fam_src, fam_acc=fam_acc, foreign_bus_acc=foreign_bus_acc, npo_partner=npo_partner,
        npo_partner_of=npo_partner_of, p2p_ext=p2p_ext, acct_owner=owner, acct_country=acountry,
        acct_ccy=accy, acct_usable=usable, acct_type=atype, ind_city=ind_city,
        ind_name=ind_name, party_city=parties["city"].to_numpy().astype(object),
    )
    return parties, accounts

