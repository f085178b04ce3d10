"""Everyday parties, accounts and transactions of the realistic profile (vectorised).

Loops here run over economies, pools, congregations or namesakes (tens to hundreds),
never over transactions.  See :mod:`datagen.everyday.params` for what is modelled.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from datagen import geo, names
from datagen.everyday.params import (
    KIND,
    REMIT_ABROAD,
    REMIT_HOME,
    STUDENT_HOME,
    STUDY_IN,
    XB_TRADE_COUNTRIES,
    EverydayParams,
)
from datagen.normal import CH, REF, WAGE, Block, Clock, _to_frame, pick_in_country
from datagen.world import STREETS, World, sub_rng

US_DAY = 86_400_000_000


def _price(countries: np.ndarray) -> np.ndarray:
    return np.sqrt(np.array([WAGE.get(str(c), 1000) for c in countries.tolist()], dtype=float) / 3000.0)


def _wage(countries: np.ndarray) -> np.ndarray:
    return np.array([WAGE.get(str(c), 1000) for c in countries.tolist()], dtype=float)


def _ccy(countries: np.ndarray) -> np.ndarray:
    return np.array([geo.BY_CODE[str(c)].currency for c in countries.tolist()], dtype=object)


def pick_weighted_in_country(rng: np.random.Generator, actor_country: np.ndarray, pool: np.ndarray,
                             pool_country: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """For each actor a pool member of its country drawn by ``weight`` (any member when none)."""
    out = np.empty(len(actor_country), dtype=np.int64)
    ac = actor_country.astype(str)
    pc = pool_country.astype(str)
    for c in np.unique(ac):
        m = ac == c
        local = np.nonzero(pc == c)[0]
        if not len(local):
            local = np.arange(len(pool))
        p = weight[local] / weight[local].sum()
        out[m] = pool[local[rng.choice(len(local), int(m.sum()), p=p)]]
    return out


class Everyday:
    """Builds the realistic profile's everyday world on top of the clean population."""

    def __init__(self, w: World, params: EverydayParams | None = None) -> None:
        self.w = w
        self.p = params or EverydayParams()
        self.rng = sub_rng(w.cfg.seed, "everyday")
        self.bg_rng = sub_rng(w.cfg.seed, "everyday-planted")  # planted parties' bills and employers
        self._parties: list[pl.DataFrame] = []
        self._acc: dict[str, list[np.ndarray]] = {k: [] for k in ("owner", "type", "country", "ccy", "internal",
                                                                  "name", "opened", "explicit")}
        self.kinds_set: list[tuple[np.ndarray, str]] = []
        self.role: dict[str, Any] = {}
        self.late_accounts: list[tuple[np.ndarray, np.ndarray]] = []
        self.late_keys: list[np.ndarray] = []

    # ================================================================== parties and accounts
    def _orgs(self, countries: np.ndarray, party_type: str, occupation: str | np.ndarray, word: str | np.ndarray,
              account_type: str = "business", legacy: bool = False, npo_purpose: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """New organisations (one internal account each); returns (party keys, account keys)."""
        rng, w = self.rng, self.w
        n = len(countries)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        a = np.array(names.BUSINESS_WORDS_A, dtype=object)[rng.integers(0, len(names.BUSINESS_WORDS_A), n)]
        wd = np.full(n, word, dtype=object) if isinstance(word, str) else word
        suffix = np.array([names.LEGAL_SUFFIX.get(str(c), "Ltd") for c in countries.tolist()], dtype=object)
        nm = [f"{x} {y} {s}" if party_type == "business" else f"{x} {y}" for x, y, s in zip(a, wd, suffix, strict=True)]
        cities = np.array([geo.BY_CODE[str(c)].cities[int(i) % len(geo.BY_CODE[str(c)].cities)]
                           for c, i in zip(countries.tolist(), rng.integers(0, 100, n), strict=True)], dtype=object)
        keys = w.n_parties + np.arange(n, dtype=np.int64)
        w.n_parties += n
        occ = np.full(n, occupation, dtype=object) if isinstance(occupation, str) else occupation
        cols: dict[str, Any] = {
            "party_type": [party_type] * n, "name": nm, "country": countries.astype(str).tolist(),
            "city": cities.astype(str).tolist(),
            "address": [f"{int(i)} {STREETS[int(j)]}" for i, j in zip(rng.integers(1, 900, n),
                                                                       rng.integers(0, len(STREETS), n), strict=True)],
            "id_number": [f"{c}-REG-{int(i)}" for c, i in zip(countries.tolist(), rng.integers(1_000_000, 9_999_999, n),
                                                               strict=True)],
            "occupation": occ.astype(str).tolist(),
            "registered_on": pl.Series(np.datetime64(w.cfg.start) - rng.integers(1500, 9000, n).astype("timedelta64[D]")
                                       ).cast(pl.Date),
            "risk_rating": ["low"] * n, "is_pep": [False] * n, "_key": keys,
        }
        if npo_purpose is not None:
            cols["npo_purpose"] = [npo_purpose] * n
            cols["npo_operating_countries"] = pl.Series([[str(c)] for c in countries.tolist()], dtype=pl.List(pl.String))
        self._parties.append(pl.DataFrame(cols))
        acc = self._accounts(keys, account_type, countries, internal=True, legacy=legacy | (rng.random(n) < 0.5))
        return keys, acc

    def _accounts(self, owner: np.ndarray, atype: str, countries: np.ndarray, *, internal: bool,
                  legacy: bool | np.ndarray = False, aname: np.ndarray | None = None, years: tuple[int, int] = (2, 20)) -> np.ndarray:
        rng, w = self.rng, self.w
        n = len(owner)
        start = w.n_accounts
        w.n_accounts += n
        self._acc["owner"].append(owner.astype(np.int64))
        self._acc["type"].append(np.full(n, atype, dtype=object))
        self._acc["country"].append(countries.astype(object))
        self._acc["ccy"].append(_ccy(countries))
        self._acc["internal"].append(np.full(n, internal))
        self._acc["name"].append(aname if aname is not None else np.full(n, None, dtype=object))
        lo, hi = years
        self._acc["opened"].append(np.datetime64(w.cfg.start, "D")
                                   - rng.integers(lo * 365, hi * 365, n).astype("timedelta64[D]"))
        self._acc["explicit"].append(np.broadcast_to(np.asarray(legacy, dtype=bool), (n,)).copy())
        return np.arange(start, start + n, dtype=np.int64)

    def _external(self, countries: np.ndarray, aname: np.ndarray, atype: str = "current") -> np.ndarray:
        return self._accounts(np.full(len(countries), -1), atype, countries, internal=False, aname=aname)

    def _kind(self, keys: np.ndarray, kind: str) -> None:
        self.kinds_set.append((np.asarray(keys, dtype=np.int64), kind))

    def _by_country(self, countries: np.ndarray, per_country: int, n_local: np.ndarray | None = None,
                    per: int = 300) -> np.ndarray:
        """Countries of ``per_country`` organisations for each economy (fewer where few live)."""
        out: list[str] = []
        for c, k in zip(*np.unique(countries.astype(str), return_counts=True), strict=True):
            out += [c] * int(max(1, min(per_country, int(np.ceil(k / per)))))
        return np.array(out, dtype=object)

    def extend(self, parties: pl.DataFrame, accounts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Add the everyday world's organisations, accounts and namesakes to the population."""
        w, rng, p, pop = self.w, self.rng, self.p, self.w.pop
        n_par0, n_acc0 = w.n_parties, w.n_accounts
        ind_country = pop["ind_country"].astype(str)
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        n_dom = len(dom_bus)
        bus_country = pop["bus_country"].astype(str)
        r = self.role
        # billers of every economy where individuals live
        for kind, per, word, occ in (("utility", p.utilities_per_country, "Power & Water", "electric and water utility"),
                                     ("telco", p.telcos_per_country, "Telecom", "telecommunications"),
                                     ("insurer", p.insurers_per_country, "Insurance", "insurance"),
                                     ("biller", p.billers_per_country, "Services", "municipal and school services")):
            cs = self._by_country(ind_country, per)
            keys, acc = self._orgs(cs, "business", occ, word)
            self._kind(keys, kind)
            r[kind] = (acc, cs)
        # wholesalers and logistics firms (the popular suppliers)
        bc = bus_country[dom_bus]
        for kind, rate, word, occ in (("wholesaler", p.wholesalers_per_1000_businesses, "Wholesale", "grocery wholesale"),
                                      ("logistics", p.logistics_per_1000_businesses, "Logistics",
                                       "logistics and freight forwarding")):
            k = max(2, int(round(rate * n_dom / 1000)))
            cs = bc[rng.integers(0, len(bc), k)]
            keys, acc = self._orgs(cs, "business", occ, word)
            self._kind(keys, kind)
            r[kind] = (acc, cs)
        # acquirers, marketplaces, processors
        merchants = dom_bus[rng.random(n_dom) < p.merchant_share]
        k = max(2, len(merchants) // p.acquirer_per_merchants)
        cs = bus_country[merchants[rng.integers(0, max(1, len(merchants)), k)]] if len(merchants) else bc[:k]
        keys, acc = self._orgs(cs, "financial_institution", "merchant acquiring", "Merchant Services",
                               account_type="correspondent")
        self._kind(keys, "acquirer")
        scheme = self._external(cs, np.array(["Card Scheme Settlement"] * k, dtype=object), "correspondent")
        r["acquirer"] = (acc, cs, scheme, merchants)
        for kind, k, word, occ in (("marketplace", p.marketplaces, "Market Online", "online marketplace"),
                                   ("payment_processor", p.processors, "Pay", "payment processing")):
            cs = ind_country[rng.integers(0, len(ind_country), k)]
            keys, acc = self._orgs(cs, "business", occ, word)
            self._kind(keys, kind)
            r[kind] = (acc, cs)
        # seasonal businesses, grey-list traders and their partners, congregations, universities
        k = max(2, int(round(p.seasonal_per_1000_businesses * n_dom / 1000)))
        cs = bc[rng.integers(0, len(bc), k)]
        occ = np.array(["hotel", "travel agency", "seafood processing", "market stall trading"], dtype=object)[
            rng.integers(0, 4, k)]
        keys, acc = self._orgs(cs, "business", occ, "Seasonal", legacy=True)
        self._kind(keys, "seasonal_business")
        r["seasonal"] = (acc, cs)
        k = max(2, int(round(p.xb_traders_per_1000_businesses * n_dom / 1000)))
        cs = bc[rng.integers(0, len(bc), k)]
        keys, acc = self._orgs(cs, "business", "import and export trading", "Trading")
        documented = rng.random(k) < p.xb_documented_share
        documented[0], documented[-1] = True, False  # both kinds occur at every size
        self._kind(keys[documented], "xb_trader_documented")
        self._kind(keys[~documented], "xb_trader_undocumented")
        n_part = rng.integers(1, 4, k)
        owner = np.repeat(np.arange(k), n_part)
        xc = np.array(XB_TRADE_COUNTRIES, dtype=object)[rng.integers(0, len(XB_TRADE_COUNTRIES), len(owner))]
        fkeys, _ = self._orgs_foreign(xc)
        self._kind(fkeys, "foreign_trade_partner")
        r["xb"] = (keys, acc, cs, documented, owner, fkeys, self._foreign_acc, xc)
        k = max(2, int(round(p.congregations_per_1000_individuals * len(ind_country) / 1000)))
        cs = ind_country[rng.integers(0, len(ind_country), k)]
        keys, acc = self._orgs(cs, "npo", "religious charity", np.array(
            ["Congregation", "Mosque Association", "Temple Society", "Parish Church"], dtype=object)[rng.integers(0, 4, k)],
            account_type="npo", npo_purpose="religious")
        self._kind(keys, "npo_congregation")
        r["congregation"] = (acc, cs)
        study = np.array([c for c in STUDY_IN if c in set(ind_country.tolist())], dtype=object)
        keys, acc = self._orgs(study, "business", "university", "University")
        self._kind(keys, "university")
        r["university"] = (acc, study)
        # long-standing reserve accounts whose history starts large
        n_ind = pop["n_ind"]
        ok = np.nonzero(pop["acct_usable"][pop["ind_current"]])[0]
        li = rng.choice(ok, max(1, int(p.large_start_share * n_ind)), replace=False)
        lb = rng.choice(dom_bus, max(1, int(p.large_start_share * n_dom)), replace=False)
        la_i = self._accounts(li, "savings", ind_country[li], internal=True, legacy=True)
        la_b = self._accounts(pop["o_bus"] + lb, "business", bus_country[lb], internal=True, legacy=True)
        self._kind(li, "long_standing_account")
        self._kind(pop["o_bus"] + lb, "long_standing_account")
        r["large_start"] = (li, la_i, lb, la_b)
        parties = self._namesakes(parties)
        accounts = self._relative_namesakes(accounts)
        # frames
        new_p = pl.concat(self._parties, how="diagonal_relaxed") if self._parties else pl.DataFrame()
        parties = pl.concat([parties, new_p], how="diagonal_relaxed")
        a = {k: np.concatenate(v) for k, v in self._acc.items()}
        n_new = len(a["owner"])
        acc_new = pl.DataFrame({
            "_key": pl.Series(n_acc0 + np.arange(n_new, dtype=np.int64)),
            "_owner": pl.Series(a["owner"]), "_internal": pl.Series(a["internal"].astype(bool)),
            "_name": pl.Series(a["name"].tolist(), dtype=pl.String),
            "account_type": pl.Series(a["type"].astype(str)), "country": pl.Series(a["country"].astype(str)),
            "currency": pl.Series(a["ccy"].astype(str)),
            "opened_on": pl.Series(a["opened"].astype("datetime64[D]")).cast(pl.Date),
            "closed_on": pl.Series([None] * n_new, dtype=pl.Date),
            "_explicit_open": pl.Series(a["explicit"].astype(bool)),
        })
        # long-standing population accounts keep their opening date
        legacy = (rng.random(accounts.height) < p.legacy_account_share) & accounts["_internal"].to_numpy()
        accounts = accounts.with_columns(_explicit_open=pl.Series(legacy))
        accounts = pl.concat([accounts, acc_new], how="diagonal_relaxed")
        # population arrays the activity code indexes by key
        pop["party_country"] = np.concatenate([pop["party_country"], new_p["country"].to_numpy().astype(object)]) \
            if new_p.height else pop["party_country"]
        pop["acct_owner"] = np.concatenate([pop["acct_owner"], a["owner"]])
        pop["acct_country"] = np.concatenate([pop["acct_country"], a["country"]])
        pop["acct_ccy"] = np.concatenate([pop["acct_ccy"], a["ccy"]])
        pop["acct_usable"] = np.concatenate([pop["acct_usable"], np.ones(n_new, dtype=bool)])
        pop["acct_type"] = np.concatenate([pop["acct_type"], a["type"]])
        pop["everyday"] = self
        self.n_par_bg = w.n_parties
        assert w.n_parties == n_par0 + new_p.height
        return parties, accounts

    def _orgs_foreign(self, countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Foreign trade partners: parties with an external account (not on file)."""
        rng, w = self.rng, self.w
        n = len(countries)
        a = np.array(names.BUSINESS_WORDS_A, dtype=object)[rng.integers(0, len(names.BUSINESS_WORDS_A), n)]
        b = np.array(names.BUSINESS_WORDS_B, dtype=object)[rng.integers(0, len(names.BUSINESS_WORDS_B), n)]
        nm = [f"{x} {y} {names.LEGAL_SUFFIX.get(str(c), 'Ltd')}" for x, y, c in zip(a, b, countries.tolist(), strict=True)]
        keys = w.n_parties + np.arange(n, dtype=np.int64)
        w.n_parties += n
        self._parties.append(pl.DataFrame({
            "party_type": ["business"] * n, "name": nm, "country": countries.astype(str).tolist(),
            "city": [geo.BY_CODE[str(c)].cities[0] for c in countries.tolist()],
            "occupation": ["import and export trading"] * n, "risk_rating": ["medium"] * n, "is_pep": [False] * n,
            "id_number": [f"{c}-REG-{int(i)}" for c, i in zip(countries.tolist(), rng.integers(1_000_000, 9_999_999, n),
                                                               strict=True)],
            "_key": keys,
        }))
        self._foreign_acc = self._accounts(keys, "business", countries, internal=False)
        return keys, self._foreign_acc

    # ------------------------------------------------------------------ namesakes
    def _namesakes(self, parties: pl.DataFrame) -> pl.DataFrame:
        from datagen.planters._names import individuals

        rng, w, pop = self.rng, self.w, self.w.pop
        listed = individuals()
        n = max(1, int(self.p.namesake_share * pop["n_ind"]))
        who = rng.choice(pop["n_ind"], n, replace=False)
        listed_full = {" ".join(e.parts).upper() for e in listed} | {a.upper() for e in listed for a in e.aliases}
        nat = pop["ind_nationality"].astype(str)
        new_names, dobs, keep = [], [], []
        for i in who.tolist():  # a few hundred at most
            for _ in range(20):
                e = listed[int(rng.integers(len(listed)))]
                if e.nationality != nat[i]:
                    break
            name = near_name(e.parts, rng)
            if name.upper() in listed_full or e.nationality == nat[i]:
                continue
            year = int(e.dob[:4]) if e.dob[:4].isdigit() else 1970
            shift = int(rng.integers(10, 26))
            y = year + shift if year + shift <= w.cfg.start.year - 20 else year - shift
            y = min(max(y, w.cfg.start.year - 80), w.cfg.start.year - 19)
            if abs(y - year) < 10:
                y = year - shift
            keep.append(i)
            new_names.append(name)
            dobs.append(date(y, 1, 1) + timedelta(days=int(rng.integers(0, 365))))
        idx = np.array(keep, dtype=np.int64)
        if not len(idx):
            return parties
        nm = parties["name"].scatter(idx, new_names)
        dob = parties["date_of_birth"].scatter(idx, pl.Series(dobs, dtype=pl.Date))
        pop["ind_name"] = pop["ind_name"].scatter(idx, new_names)
        self._kind(idx, "namesake_customer")
        self.role["namesake"] = idx
        renamed = np.zeros(parties.height, dtype=bool)
        renamed[idx] = True
        return parties.with_columns(name=nm, date_of_birth=dob, alt_names=pl.when(pl.lit(pl.Series(renamed)))
                                    .then(pl.lit(None, dtype=pl.List(pl.String))).otherwise(pl.col("alt_names")))

    def _near_listed(self, countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ``counterparty_namesake_share`` of external individuals (in ``countries``) a name
        that agrees with a listed individual's on common name tokens only
        (:func:`common_namesake`), the listed nationality not being the counterparty's country;
        returns (mask, names of the masked ones)."""
        from datagen.planters._names import individuals

        rng = self.rng
        listed = [e for e in individuals() if sum(t in COMMON_TOKENS for t in _name_tokens(e.full)) >= 1]
        full = {" ".join(e.parts).upper() for e in individuals()} | {a.upper() for e in individuals() for a in e.aliases}
        pick = np.nonzero(rng.random(len(countries)) < self.p.counterparty_namesake_share)[0]
        keep, out = [], []
        for i in pick.tolist():  # a few hundred at most
            for _ in range(20):
                e = listed[int(rng.integers(len(listed)))]
                if e.nationality != str(countries[i]):
                    break
            name = common_namesake(e.full, rng)
            if name is None or name.upper() in full or e.nationality == str(countries[i]):
                continue
            keep.append(i)
            out.append(name)
        mask = np.zeros(len(countries), dtype=bool)
        mask[np.array(keep, dtype=np.int64)] = True
        return mask, np.array(out, dtype=object)

    def _relative_namesakes(self, accounts: pl.DataFrame) -> pl.DataFrame:
        """Migrants' relatives abroad (paid by remittance) renamed near a listed name."""
        pop = self.w.pop
        fam_acc, fam_src = pop["fam_acc"], pop["fam_src"]
        mask, nm = self._near_listed(pop["acct_country"][fam_acc].astype(str))
        if not mask.any():
            return accounts
        keys = fam_acc[mask]
        self._kind(fam_src[mask], "namesake_counterparty")
        self.role["namesake_counterparty"] = keys
        return accounts.with_columns(_name=accounts["_name"].scatter(keys, pl.Series(nm.tolist(), dtype=pl.String)))

    # ------------------------------------------------------------------ planted parties' ordinary life
    def bill_for(self, country: str, rng: np.random.Generator) -> tuple[int, str, float]:
        """(biller account, reference, USD amount) of one bill a resident of ``country`` pays."""
        kind, ref, med = (("utility", "UTILITY BILL", 90.0), ("telco", "PHONE BILL", 45.0))[int(rng.integers(2))]
        acc, cs = self.role[kind]
        local = np.nonzero(cs.astype(str) == country)[0]
        pool = acc[local] if len(local) else acc
        usd = round(float(med * np.sqrt(WAGE.get(country, 1000) / 3000.0) * rng.lognormal(0, 0.2)), 2)
        return int(pool[int(rng.integers(len(pool)))]), ref, usd

    def employer_for(self, country: str, rng: np.random.Generator) -> int | None:
        """A payroll employer's account in ``country`` (None when the economy has none)."""
        pop = self.w.pop
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        local = dom_bus[pop["bus_country"][dom_bus].astype(str) == country]
        if not len(local):
            return None
        return int(pop["bus_account"][local[int(rng.integers(len(local)))]])

    def ordinary_business(self, pk: int, ak: int, country: str, day_from: float, day_to: float,
                          salaried: bool) -> list[int]:
        """Hard profile: a planted account's recurring everyday relationships over
        ``[day_from, day_to)`` (only when that covers 3 months or more): a monthly bill to one
        utility or telco on a fixed day, a monthly salary from one payroll employer when the
        planter gives the party a salary, and for a business a supplier invoice every 25-35
        days to one wholesaler of its economy (median 800 at a 3,000 wage level, +-30%), paid for
        by a card settlement from an acquirer of its economy 1-3 days earlier; all of it at home
        (nothing where the economy has no such counterparty).  Drawn with the everyday world's
        own generator, so every planted value is the same as in the other profiles."""
        w, g = self.w, self.bg_rng
        out: list[int] = []
        if day_to - day_from < 90:
            return out
        biller, ref, usd = self.bill_for(country, g)
        dom = float(g.uniform(0, 28))
        first = np.floor(day_from / 30.4) * 30.4
        months = [first + 30.4 * m + dom for m in range(int((day_to - first) / 30.4) + 1)]
        months = [d for d in months if day_from <= d < day_to]
        if str(self.w.pop["acct_country"][biller]) != country:  # all of it at home
            months = []
        for d in months:
            out.append(w.txn(w.ts(d), "domestic_transfer", ak, biller, usd=round(usd * float(g.uniform(0.9, 1.1)), 2),
                             reference=ref))
        if salaried:
            employer = self.employer_for(country, g)
            pay = round(float(2500 * np.sqrt(WAGE.get(country, 1000) / 3000.0) * g.lognormal(0, 0.3)), 2)
            sd = float(g.uniform(0, 28))
            for d in (first + 30.4 * m + sd for m in range(int((day_to - first) / 30.4) + 1)):
                if employer is not None and day_from <= d < day_to:
                    out.append(w.txn(w.ts(d), "domestic_transfer", employer, ak, usd=pay, reference="SALARY"))
        row = w.party_rows.get(pk)
        if row is not None and row.get("party_type") == "business":
            acc, cs = self.role["wholesaler"]
            local = np.nonzero(cs.astype(str) == country)[0]
            q_acc, q_cs = self.role["acquirer"][:2]
            q_local = np.nonzero(q_cs.astype(str) == country)[0]
            if len(local) and len(q_local):
                sup = int(acc[local[int(g.integers(len(local)))]])
                acq = int(q_acc[q_local[int(g.integers(len(q_local)))]])
                base = float(800 * np.sqrt(WAGE.get(country, 1000) / 3000.0) * g.lognormal(0, 0.4))
                d = day_from + float(g.uniform(3, 30))
                while d < day_to:
                    usd = round(base * float(g.uniform(0.7, 1.3)), 2)
                    # the card takings that pay for it arrive first: no spending of money never received
                    out.append(w.txn(w.ts(d - float(g.uniform(1, 3))), "domestic_transfer", acq, ak,
                                     usd=round(usd * float(g.uniform(1.15, 1.4)), 2), reference="SETTLEMENT"))
                    out.append(w.txn(w.ts(d), "domestic_transfer", ak, sup, usd=usd, reference="SUPPLIER PAYMENT"))
                    d += float(g.uniform(25, 35))
        return out

    # ================================================================== transactions
    def generate(self, budget: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Everyday transactions (at most ``budget``) and the trade documents of the documented
        grey-list trade; internal frames like :func:`datagen.normal.generate`."""
        w = self.w
        rng = sub_rng(w.cfg.seed, "everyday-txns")
        self.g = rng
        self.clk = Clock(w)
        start = np.datetime64(w.cfg.start, "D")
        months = np.arange(start.astype("datetime64[M]"), (start + w.cfg.days - 1).astype("datetime64[M]") + 1)
        self.m_first = (months.astype("datetime64[D]") - start).astype(np.int64)
        self.m_len = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64)
        self.m_num = (months.astype(np.int64) % 12) + 1
        self.dow0 = int((start.astype(np.int64) + 3) % 7)
        self.blocks: list[tuple[Block, np.ndarray]] = []
        self._bills()
        self._payroll()
        self._b2b()
        self._pools()
        self._acquirers()
        self._collectors()
        self._government()
        self._large_start()
        self._seasonal()
        self._congregations()
        self._students()
        self._remit_families()
        trade_blk = self._xb_trade()
        total = sum(len(b.ts) for b, _ in self.blocks) + len(trade_blk[0].ts)
        keep_f = min(1.0, max(0, budget - len(trade_blk[0].ts)) / max(1, total - len(trade_blk[0].ts)))
        out_blocks: list[Block] = []
        for b, stream in self.blocks:
            if keep_f < 1.0:  # thin whole streams (a subscription, a payroll, a relationship)
                u = rng.random(int(stream.max()) + 1 if len(stream) else 1)
                b = _subset(b, u[stream] < keep_f)
            if len(b.ts):
                out_blocks.append(b)
        self.blocks = []
        tb, tmeta = trade_blk
        frames = []
        trades = pl.DataFrame()
        if len(tb.ts):
            tf = _to_frame(w, [tb])
            trades = self._trade_docs(tf, tmeta)
            frames.append(tf)
        if out_blocks:
            frames.append(_to_frame(w, out_blocks))
        txns = pl.concat(frames) if frames else pl.DataFrame()
        return txns, trades

    # ------------------------------------------------------------------ helpers
    def _add(self, blk: Block, stream: np.ndarray) -> None:
        good = (blk.src != blk.dst) & (blk.usd > 0)
        for a in (blk.src, blk.dst):
            good &= (a < 0) | self.w.pop["acct_usable"][np.clip(a, 0, None)]
        blk = _subset(blk, good)
        self.blocks.append((blk, np.asarray(stream)[good]))

    def _monthly(self, dom: np.ndarray, jitter: np.ndarray | None = None,
                 months: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(entity index, window day) for each entity on its day of month, every month."""
        n, M = len(dom), len(self.m_first)
        e = np.repeat(np.arange(n), M)
        m = np.tile(np.arange(M), n)
        day = self.m_first[m] + np.minimum(dom[e], self.m_len[m]) - 1
        if jitter is not None:
            day = day + jitter[e] if len(jitter) == n else day + jitter
        ok = (day >= 0) & (day < self.w.cfg.days)
        if months is not None:
            ok &= np.isin(self.m_num[m], months)
        return e[ok], day[ok]

    def _periodic(self, period: np.ndarray, phase: np.ndarray, lo: np.ndarray | None = None,
                  hi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(entity index, day) every ``period`` days from ``phase`` inside [lo, hi)."""
        days = self.w.cfg.days
        lo = np.zeros(len(period)) if lo is None else lo
        hi = np.full(len(period), days, dtype=float) if hi is None else np.minimum(hi, days)
        first = lo + phase
        cnt = np.maximum(0, np.ceil((hi - first) / period)).astype(np.int64)
        e = np.repeat(np.arange(len(period)), cnt)
        k = np.arange(len(e)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        day = np.floor(first[e] + k * period[e]).astype(np.int64)
        ok = (day >= 0) & (day < days)
        return e[ok], day[ok]

    def _weekday_back(self, day: np.ndarray) -> np.ndarray:
        dow = (self.dow0 + day) % 7
        return day - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))

    def _ts(self, day: np.ndarray, hour: np.ndarray | None = None, spread: int = 3600) -> np.ndarray:
        if hour is None:
            return self.clk.at(self.g, day, self.clk.h_bank)
        sec = self.g.integers(0, spread, len(day))
        return self.w.start_us + (day.astype(np.int64) * 86400 + hour.astype(np.int64) * 3600 + sec) * 1_000_000

    def _fixed_local(self, usd: np.ndarray, acc: np.ndarray, day: np.ndarray) -> np.ndarray:
        """USD amounts whose value in ``acc``'s currency is the same every month: ``usd`` at the
        window's first monthly rate, to the cent (salaries, premiums, benefits are fixed in
        local currency, not in USD)."""
        w, pop = self.w, self.w.pop
        if len(getattr(self, "_ci", ())) != len(pop["acct_ccy"]):
            self._ci = np.array([w.ccy_index[c] for c in pop["acct_ccy"].tolist()], dtype=np.int64)
        ci = self._ci[acc]
        m = w.month_of_us(w.start_us + day.astype(np.int64) * US_DAY)
        m0 = int(w.month_of_us(np.array([w.start_us]))[0])
        return np.round(usd / w.fx[ci, m0], 2) * w.fx[ci, m]

    def _ind_ok(self) -> np.ndarray:
        pop = self.w.pop
        return pop["acct_usable"][pop["ind_current"]]

    # ------------------------------------------------------------------ bills
    def _bills(self) -> None:
        g, p, pop = self.g, self.p, self.w.pop
        ind_c = pop["ind_country"].astype(str)
        price = _price(ind_c)
        payer = (g.random(pop["n_ind"]) < p.bill_payer_share) & self._ind_ok()
        self._kind(np.nonzero(payer)[0], "household")
        for kind, prob, med, sig, ref in (("utility", p.p_utility, 90.0, 0.15, "UTILITY BILL"),
                                          ("telco", p.p_telco, 45.0, 0.0, "PHONE BILL"),
                                          ("insurer", p.p_insurer, 120.0, 0.0, "INSURANCE PREMIUM"),
                                          ("biller", p.p_biller, 60.0, 0.3, "BILL PAYMENT")):
            acc, cs = self.role[kind]
            subs = np.nonzero(payer & (g.random(pop["n_ind"]) < prob))[0]
            if not len(subs) or not len(acc):
                continue
            rank_w = 1.0 / np.power(1 + np.arange(len(acc)) % max(1, getattr(p, f"{kind}s_per_country", 3)), 1.2)
            biller = pick_weighted_in_country(g, ind_c[subs], acc, cs, rank_w)
            base = med * price[subs] * g.lognormal(0, 0.5, len(subs))
            e, day = self._monthly(g.integers(1, 29, len(subs)), g.integers(0, 3, len(subs)))
            src = pop["ind_current"][subs][e]
            amt = base[e] * g.lognormal(0, sig, len(e)) if sig > 0 else self._fixed_local(base[e], src, day)
            if kind == "utility":
                peak = np.isin(self.m_num[np.searchsorted(self.m_first, day, side="right") - 1], [1, 2, 7, 8, 12])
                amt = amt * np.where(peak, 1.2, 1.0)
            ch = np.where(g.random(len(subs)) < 0.75, CH["domestic_transfer"], CH["mobile_transfer"])[e]
            self._add(Block(self._ts(day), ch, src, biller[e], amt,
                            ref=np.full(len(e), REF[ref])), e)

    # ------------------------------------------------------------------ payroll
    def _payroll(self) -> None:
        g, p, pop = self.g, self.p, self.w.pop
        ind_c = pop["ind_country"].astype(str)
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        bc = pop["bus_country"].astype(str)[dom_bus]
        ok = self._ind_ok()
        payee_l, emp_l = [], []
        emp_acc_l, emp_c_l = [], []
        n_emp = 0
        for c in np.unique(ind_c):
            people = np.nonzero((ind_c == c) & ok)[0]
            local = dom_bus[bc == c]
            if not len(people) or not len(local):
                continue
            target = int(p.payroll_employee_share * len(people))
            if target < 5:
                continue
            sizes = np.clip(np.round(p.payroll_median_staff * g.lognormal(0, 1.1, target // 5 + 2)), 5, 500).astype(np.int64)
            cum = np.cumsum(sizes)
            k = int(np.searchsorted(cum, target) + 1)
            sizes = sizes[:k]
            k = min(k, len(local))
            sizes = sizes[:k]
            sizes = np.minimum(sizes, len(people))
            emps = g.choice(local, k, replace=False)
            staff = g.permutation(people)[: min(int(sizes.sum()), len(people))]
            owner = np.repeat(np.arange(k), sizes)[: len(staff)]
            cnt = np.bincount(owner, minlength=k)
            full = cnt >= 5
            keep = full[owner]
            staff, owner = staff[keep], owner[keep]
            remap = np.cumsum(full) - 1
            owner = remap[owner] + n_emp
            emps = emps[full]
            sizes = cnt[full]
            payee_l.append(staff)
            emp_l.append(owner)
            emp_acc_l.append(pop["bus_account"][emps[: len(sizes)]])
            emp_c_l.append(np.full(len(sizes), c, dtype=object))
            n_emp += len(sizes)
        if not n_emp:
            self.role["payroll"] = (np.zeros(0, np.int64), np.zeros(0, dtype=object))
            return
        payee = np.concatenate(payee_l)
        emp = np.concatenate(emp_l)
        emp_acc = np.concatenate(emp_acc_l)
        emp_c = np.concatenate(emp_c_l)
        self.role["payroll"] = (emp_acc, emp_c)
        self._kind(pop["acct_owner"][emp_acc], "payroll_employer")
        grades = g.integers(1, 5, n_emp)
        factor = g.lognormal(0, 0.3, n_emp)
        gr = np.minimum(g.choice(4, len(payee), p=[0.6, 0.25, 0.1, 0.05]), grades[emp] - 1)
        mult = np.array([1.0, 1.4, 2.0, 3.2])[gr]
        salary = _wage(emp_c)[emp] * factor[emp] * mult * g.lognormal(0, 0.04, len(payee))
        semi = g.random(n_emp) < 0.3
        dom = np.array([25, 28, 31, 1])[g.integers(0, 4, n_emp)]
        hour = g.integers(8, 12, n_emp)
        e1, d1 = self._monthly(np.where(semi, 31, dom)[emp])
        sel = np.nonzero(semi[emp])[0]
        e2, d2 = self._monthly(np.full(len(sel), 15))
        parts = [(e1, d1), (sel[e2], d2)]
        e = np.concatenate([x[0] for x in parts])
        day = self._weekday_back(np.concatenate([x[1] for x in parts]))
        okd = day >= 0
        e, day = e[okd], day[okd]
        amt = self._fixed_local(salary[e] * np.where(semi[emp[e]], 0.5, 1.0), emp_acc[emp[e]], day)
        self._add(Block(self._ts(day, hour[emp[e]], 900), np.full(len(e), CH["domestic_transfer"]), emp_acc[emp[e]],
                        pop["ind_current"][payee[e]], amt, ref=np.full(len(e), REF["SALARY"])), emp[e])

    # ------------------------------------------------------------------ business to business
    def _b2b(self) -> None:
        g, p, pop = self.g, self.p, self.w.pop
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        if not len(dom_bus):
            return
        bc = pop["bus_country"].astype(str)[dom_bus]
        bacc = pop["bus_account"][dom_bus]
        wh_acc, wh_c = self.role["wholesaler"]
        lg_acc, lg_c = self.role["logistics"]
        pool = np.concatenate([bacc, wh_acc, lg_acc])
        pool_c = np.concatenate([bc, wh_c.astype(str), lg_c.astype(str)])
        weight = np.concatenate([g.pareto(1.2, len(bacc)) + 1, np.full(len(wh_acc) + len(lg_acc), 150.0)])
        weight = np.minimum(weight, 100.0 * np.ones(len(weight)) + 50.0 * (np.arange(len(weight)) >= len(bacc)))
        k = 1 + g.poisson(max(0.0, p.b2b_suppliers_mean - 1), len(dom_bus))
        buyer = np.repeat(np.arange(len(dom_bus)), k)
        sup = pick_weighted_in_country(g, bc[buyer], pool, pool_c, weight)
        keep = sup != bacc[buyer]
        buyer, sup = buyer[keep], sup[keep]
        self.role["b2b_pairs"] = (bacc[buyer], sup)
        self._relationships(bacc[buyer], sup, 14, 60, 2500.0, 1.0)
        counts = np.bincount(np.searchsorted(np.sort(bacc), sup[np.isin(sup, bacc)]), minlength=len(bacc))
        popular = np.sort(bacc)[counts >= 10]
        self._kind(pop["acct_owner"][popular], "b2b_supplier")

    def _relationships(self, src: np.ndarray, dst: np.ndarray, lo: int, hi: int, med: float, sigma: float,
                       ref: str = "SUPPLIER PAYMENT", ch: int | None = None) -> None:
        g = self.g
        n = len(src)
        if not n:
            return
        period = g.uniform(lo, hi, n)
        phase = g.uniform(0, 1, n) * period
        e, day = self._periodic(period, phase)
        base = med * g.lognormal(0, sigma, n)
        v = g.uniform(0.3, 1.0, n)
        amt = np.maximum(base[e] * (1 + v[e] * g.uniform(-1, 1, len(e))), 0.1 * base[e])
        chan = np.where(g.random(len(e)) < 0.9, CH["domestic_transfer"], CH["cheque"]) if ch is None \
            else np.full(len(e), ch)
        refs = np.where(g.random(len(e)) < 0.5, REF[ref], REF["INVOICE PAYMENT"])
        self._add(Block(self._ts(day), chan, src[e], dst[e], np.round(amt, 2), ref=refs), e)

    def _pools(self) -> None:
        g, p, pop = self.g, self.p, self.w.pop
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        bc = pop["bus_country"].astype(str)[dom_bus]
        n_pools = max(1, int(round(p.pools_per_1000_businesses * len(dom_bus) / 1000)))
        src_l, dst_l, cust_l, supp_l = [], [], [], []
        cs, cnt = np.unique(bc, return_counts=True)
        cs, cnt = cs[cnt >= 6], cnt[cnt >= 6]  # a pool needs 3+ suppliers and 3+ customers
        for _ in range(n_pools if len(cs) else 0):
            c = cs[int(g.choice(len(cs), p=cnt / cnt.sum()))]
            local = dom_bus[bc == c]
            n_s = int(g.integers(3, 9))
            n_c = int(min(g.integers(15, 61), len(local) - n_s))
            pick = g.permutation(local)
            supp, cust = pick[:n_s], pick[n_s:n_s + n_c]
            cc, ss = np.meshgrid(cust, supp, indexing="ij")
            m = g.random(cc.shape) < 0.85
            src_l.append(pop["bus_account"][cc[m]])
            dst_l.append(pop["bus_account"][ss[m]])
            cust_l.append(cust)
            supp_l.append(supp)
        if not src_l:
            return
        self._relationships(np.concatenate(src_l), np.concatenate(dst_l), 20, 40, 1500.0, 0.8)
        self._kind(pop["o_bus"] + np.concatenate(cust_l), "trade_customer")
        self._kind(pop["o_bus"] + np.concatenate(supp_l), "b2b_supplier")

    # ------------------------------------------------------------------ collectors that pay out
    def _acquirers(self) -> None:
        g, pop = self.g, self.w.pop
        acc, cs, scheme, merchants = self.role["acquirer"]
        if not len(merchants):
            return
        mc = pop["bus_country"].astype(str)[merchants]
        which = pick_in_country(g, mc, np.arange(len(acc)), cs.astype(str))
        big = g.random(len(merchants)) < 0.2
        period = np.where(big, 1.0, g.integers(3, 11, len(merchants)).astype(float))
        phase = g.uniform(0, 1, len(merchants)) * period
        e, day = self._periodic(period, phase)
        amt = 1200.0 * period[e] / 3 * _price(mc)[e] * g.lognormal(0, 1.0, len(e))
        hour = np.full(len(e), 6)
        self._add(Block(self._ts(day, hour, 7200), np.full(len(e), CH["domestic_transfer"]), acc[which[e]],
                        pop["bus_account"][merchants][e], np.round(amt, 2), ref=np.full(len(e), REF["SETTLEMENT"])), e)
        # one settlement a day from the card scheme covering the day's payouts
        key = which[e] * self.w.cfg.days + day
        tot = np.bincount(key, weights=amt, minlength=len(acc) * self.w.cfg.days)
        nz = np.nonzero(tot > 0)[0]
        a, d = nz // self.w.cfg.days, nz % self.w.cfg.days
        self._add(Block(self._ts(d, np.full(len(d), 2), 7200), np.full(len(d), CH["wire"]), scheme[a], acc[a],
                        np.round(tot[nz] * g.uniform(1.01, 1.03, len(d)), 2), ref=np.full(len(d), REF["SETTLEMENT"])), a)

    def _collectors(self) -> None:
        g, p, pop = self.g, self.p, self.w.pop
        ind_c = pop["ind_country"].astype(str)
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        for kind in ("marketplace", "payment_processor"):
            acc, cs = self.role[kind]
            buyers = np.nonzero((g.random(pop["n_ind"]) < p.marketplace_buyer_share / 2) & self._ind_ok())[0]
            n_buy = g.poisson(6, len(buyers))
            b = np.repeat(buyers, n_buy)
            to = pick_in_country(g, ind_c[b], acc, cs.astype(str))
            day = g.integers(0, self.w.cfg.days, len(b))
            src = np.where(pop["ind_wallet"][b] >= 0, pop["ind_wallet"][b], pop["ind_current"][b])
            self._add(Block(self._ts(day), np.where(g.random(len(b)) < 0.6, CH["mobile_transfer"], CH["domestic_transfer"]),
                            src, to, np.round(60 * _price(ind_c[b]) * g.lognormal(0, 0.9, len(b)), 2)),
                      np.arange(len(b)))
            sb = dom_bus[g.random(len(dom_bus)) < 0.10]
            si = np.nonzero((g.random(pop["n_ind"]) < (0.01 if kind == "marketplace" else 0.0)) & self._ind_ok())[0]
            sellers = np.concatenate([pop["bus_account"][sb], pop["ind_current"][si]])
            sc = np.concatenate([pop["bus_country"][sb].astype(str), ind_c[si]])
            frm = pick_in_country(g, sc, acc, cs.astype(str))
            period = np.full(len(sellers), 7.0)
            e, day = self._periodic(period, g.uniform(0, 7, len(sellers)))
            self._add(Block(self._ts(day, np.full(len(e), 7), 3600), np.full(len(e), CH["domestic_transfer"]), frm[e],
                            sellers[e], np.round(350 * _price(sc)[e] * g.lognormal(0, 0.9, len(e)), 2),
                            ref=np.full(len(e), REF["SETTLEMENT"])), e)

    # ------------------------------------------------------------------ government
    def _government(self) -> None:
        g, p, pop = self.g, self.p, self.w.pop
        ind_c = pop["ind_country"].astype(str)
        gov, gc = pop["gov_account"], pop["gov_country"].astype(str)
        rec = np.nonzero((g.random(pop["n_ind"]) < p.benefit_share) & self._ind_ok())[0]
        if len(rec) and len(gov):
            payer = pick_in_country(g, ind_c[rec], gov, gc)
            rates = np.round(_wage(ind_c[rec]) * np.array([0.25, 0.35, 0.5])[g.integers(0, 3, len(rec))], -1)
            scheme_day = np.where(pd_hash(ind_c[rec]) % 2 == 0, 3, 10)
            e, day = self._monthly(scheme_day)
            self._add(Block(self._ts(self._weekday_back(day), np.full(len(e), 5), 1800),
                            np.full(len(e), CH["domestic_transfer"]), payer[e], pop["ind_current"][rec][e],
                            self._fixed_local(rates[e], payer[e], day),
                            ref=np.full(len(e), REF["BENEFIT"])), e)
            self._kind(rec, "benefit_recipient")
            self._kind(pop["acct_owner"][np.unique(payer)], "government_payer")
        tax = np.nonzero((g.random(pop["n_ind"]) < p.tax_share) & self._ind_ok())[0]
        if len(tax) and len(gov):
            to = pick_in_country(g, ind_c[tax], gov, gc)
            e, day = self._monthly(np.full(len(tax), 15), g.integers(0, 10, len(tax)), months=np.array([3, 6, 9, 12]))
            self._add(Block(self._ts(day), np.full(len(e), CH["domestic_transfer"]), pop["ind_current"][tax][e], to[e],
                            np.round(0.3 * _wage(ind_c[tax])[e] * g.lognormal(0, 0.6, len(e)), 2),
                            ref=np.full(len(e), REF["TAX PAYMENT"])), e)
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        vat = dom_bus[g.random(len(dom_bus)) < 0.2]
        if len(vat) and len(gov):
            bcn = pop["bus_country"].astype(str)[vat]
            to = pick_in_country(g, bcn, gov, gc)
            e, day = self._monthly(np.full(len(vat), 20), g.integers(0, 5, len(vat)))
            self._add(Block(self._ts(day), np.full(len(e), CH["domestic_transfer"]), pop["bus_account"][vat][e], to[e],
                            np.round(2000 * _price(bcn)[e] * g.lognormal(0, 1.0, len(e)), 2),
                            ref=np.full(len(e), REF["TAX PAYMENT"])), e)

    # ------------------------------------------------------------------ long-standing accounts
    def _large_start(self) -> None:
        g, pop = self.g, self.w.pop
        li, la_i, lb, la_b = self.role["large_start"]
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        for owners_acc, main_acc, countries, lo, hi in (
                (la_i, pop["ind_current"][li], pop["ind_country"][li].astype(str), 15_000, 120_000),
                (la_b, pop["bus_account"][lb], pop["bus_country"][lb].astype(str), 50_000, 500_000)):
            n = len(owners_acc)
            if not n:
                continue
            payer = pick_in_country(g, countries, pop["bus_account"][dom_bus], pop["bus_country"][dom_bus].astype(str))
            d0 = g.integers(0, min(200, self.w.cfg.days - 1), n)
            big = np.round(g.uniform(lo, hi, n), 2)
            self._add(Block(self._ts(d0), np.full(n, CH["domestic_transfer"]), payer, owners_acc, big,
                            ref=np.full(n, REF["SETTLEMENT"])), np.arange(n))
            k = g.integers(2, 7, n)
            e = np.repeat(np.arange(n), k)
            day = d0[e] + g.integers(5, 150, len(e))
            okd = day < self.w.cfg.days
            e, day = e[okd], day[okd]
            share = g.uniform(0.3, 0.9, n) / k
            self._add(Block(self._ts(day), np.full(len(e), CH["internal"]), owners_acc[e], main_acc[e],
                            np.round(big[e] * share[e] * g.uniform(0.8, 1.2, len(e)), 2)), e)

    # ------------------------------------------------------------------ seasonal businesses
    def _seasonal(self) -> None:
        g, pop = self.g, self.w.pop
        acc, cs = self.role["seasonal"]
        n = len(acc)
        if not n:
            return
        days = self.w.cfg.days
        length = g.integers(90, 121, n)
        s0 = g.integers(0, max(1, days - 100), n)
        s1 = np.minimum(s0 + length, days)
        cs = cs.astype(str)
        ind_c = pop["ind_country"].astype(str)
        cur = pop["ind_current"]
        ok = np.nonzero(self._ind_ok())[0]
        # receipts from customers: ~2.5 a day in season
        k = g.poisson(2.5 * (s1 - s0))
        e = np.repeat(np.arange(n), k)
        day = s0[e] + (g.random(len(e)) * (s1 - s0)[e]).astype(np.int64)
        cust = pick_in_country(g, cs[e], cur[ok], ind_c[ok])
        self._add(Block(self._ts(day), np.where(g.random(len(e)) < 0.5, CH["mobile_transfer"], CH["domestic_transfer"]),
                        cust, acc[e], np.round(400 * _price(cs)[e] * g.lognormal(0, 1.0, len(e)), 2)), e)
        # weekly supplier payments in season, payroll every 14 days, off-season a bill every 60 days
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        sup = pick_in_country(g, cs, pop["bus_account"][dom_bus], pop["bus_country"][dom_bus].astype(str))
        e, day = self._periodic(np.full(n, 7.0), g.uniform(0, 7, n), s0.astype(float), s1.astype(float))
        self._add(Block(self._ts(day), np.full(len(e), CH["domestic_transfer"]), acc[e], sup[e],
                        np.round(3000 * _price(cs)[e] * g.lognormal(0, 0.8, len(e)), 2),
                        ref=np.full(len(e), REF["SUPPLIER PAYMENT"])), e)
        staff_n = g.integers(5, 31, n)
        st_owner = np.repeat(np.arange(n), staff_n)
        staff = pick_in_country(g, cs[st_owner], cur[ok], ind_c[ok])
        sal = _wage(cs)[st_owner] * 0.8 * g.lognormal(0, 0.04, len(st_owner))
        e, day = self._periodic(np.full(len(st_owner), 14.0), np.full(len(st_owner), 13.0),
                                s0[st_owner].astype(float), s1[st_owner].astype(float))
        self._add(Block(self._ts(day, np.full(len(e), 9), 900), np.full(len(e), CH["domestic_transfer"]),
                        acc[st_owner][e], staff[e], np.round(sal[e] * 0.5, 2), ref=np.full(len(e), REF["SALARY"])),
                  st_owner[e])
        ins_acc, ins_c = self.role["insurer"]
        ins = pick_in_country(g, cs, ins_acc, ins_c.astype(str))
        e, day = self._periodic(np.full(n, 60.0), g.uniform(0, 60, n))
        off = (day < s0[e]) | (day >= s1[e])
        e, day = e[off], day[off]
        self._add(Block(self._ts(day), np.full(len(e), CH["domestic_transfer"]), acc[e], ins[e],
                        np.round(g.uniform(100, 500, len(e)), 2), ref=np.full(len(e), REF["INSURANCE PREMIUM"])), e)

    # ------------------------------------------------------------------ congregations
    def _congregations(self) -> None:
        g, pop = self.g, self.w.pop
        acc, cs = self.role["congregation"]
        n = len(acc)
        if not n:
            return
        cs = cs.astype(str)
        ind_c = pop["ind_country"].astype(str)
        ok = np.nonzero(self._ind_ok())[0]
        cur = pop["ind_current"]
        size = np.clip(np.round(60 * g.lognormal(0, 0.6, n)), 10, 300).astype(np.int64)
        owner = np.repeat(np.arange(n), size)
        member = pick_in_country(g, cs[owner], cur[ok], ind_c[ok])
        worship = g.integers(4, 7, n)  # Friday, Saturday or Sunday
        first = (worship - self.dow0) % 7
        e, day = self._periodic(np.full(len(owner), 7.0), first[owner].astype(float))
        give = g.random(len(e)) < 0.6
        e, day = e[give], day[give]
        amt = np.maximum(5, np.round(20 * _price(cs[owner])[e] * g.lognormal(0, 0.7, len(e)) / 5) * 5)
        self._add(Block(self._ts(day), np.where(g.random(len(e)) < 0.5, CH["mobile_transfer"], CH["domestic_transfer"]),
                        member[e], acc[owner][e], amt, ref=np.full(len(e), REF["DONATION"])), e)
        staff_n = g.integers(2, 9, n)
        so = np.repeat(np.arange(n), staff_n)
        staff = pick_in_country(g, cs[so], cur[ok], ind_c[ok])
        sal = _wage(cs)[so] * 0.8 * g.lognormal(0, 0.2, len(so))
        e, day = self._monthly(np.full(len(so), 28))
        self._add(Block(self._ts(self._weekday_back(day), np.full(len(e), 10), 900),
                        np.full(len(e), CH["domestic_transfer"]), acc[so][e], staff[e],
                        np.round(sal[e] * g.lognormal(0, 0.02, len(e)), 2), ref=np.full(len(e), REF["SALARY"])), so[e])
        dom_bus = np.nonzero(~pop["bus_foreign"])[0]
        sn = g.integers(2, 5, n)
        vo = np.repeat(np.arange(n), sn)
        sup = pick_in_country(g, cs[vo], pop["bus_account"][dom_bus], pop["bus_country"][dom_bus].astype(str))
        ut_acc, ut_c = self.role["utility"]
        util = pick_in_country(g, cs, ut_acc, ut_c.astype(str))
        e, day = self._monthly(g.integers(1, 29, len(vo)))
        self._add(Block(self._ts(day), np.full(len(e), CH["domestic_transfer"]), acc[vo][e], sup[e],
                        np.round(600 * _price(cs[vo])[e] * g.lognormal(0, 0.6, len(e)), 2),
                        ref=np.full(len(e), REF["SUPPLIER PAYMENT"])), vo[e])
        e, day = self._monthly(g.integers(1, 29, n))
        self._add(Block(self._ts(day), np.full(len(e), CH["domestic_transfer"]), acc[e], util[e],
                        np.round(150 * _price(cs)[e] * g.lognormal(0, 0.15, len(e)), 2),
                        ref=np.full(len(e), REF["UTILITY BILL"])), e)

    # ------------------------------------------------------------------ students and families
    def _students(self) -> None:
        from datagen.population import LOCALES, person_names

        g, p, pop = self.g, self.p, self.w.pop
        uni_acc, uni_c = self.role["university"]
        ind_c = pop["ind_country"].astype(str)
        cand = np.nonzero(np.isin(ind_c, uni_c.astype(str)) & self._ind_ok() & ~pop["ind_migrant"])[0]
        n = min(len(cand), int(p.student_share * pop["n_ind"]))
        if not n:
            return
        st = g.choice(cand, n, replace=False)
        homes = np.array([c for c in STUDENT_HOME if c in geo.BY_CODE], dtype=object)
        home = homes[g.integers(0, len(homes), n)]
        loc = np.array([LOCALES.index(geo.BY_CODE[str(c)].locale) if geo.BY_CODE[str(c)].locale in LOCALES else 0
                        for c in home.tolist()], dtype=np.int64)
        pname, _, _ = person_names(g, loc)
        pname = pname.to_numpy().astype(object)
        near, nm = self._near_listed(home)
        pname[near] = nm
        parent = self._external_now(home, pname)
        cur = pop["ind_current"][st]
        e, day = self._monthly(g.integers(1, 29, n))
        self._add(Block(self._ts(day), np.where(g.random(len(e)) < 0.6, CH["remittance"], CH["wire"]), parent[e], cur[e],
                        np.round(1200 * g.lognormal(0, 0.4, len(e)), 2), ref=np.full(len(e), REF["FAMILY SUPPORT"])), e)
        uni = pick_in_country(g, ind_c[st], uni_acc, uni_c.astype(str))
        fee = g.uniform(8000, 25000, n)
        for t0 in (40, 215):
            if t0 >= self.w.cfg.days:
                continue
            d = np.minimum(t0 + g.integers(0, 15, n), self.w.cfg.days - 1)
            lead = g.integers(1, 6, n)
            self._add(Block(self._ts(np.maximum(d - lead, 0)), np.full(n, CH["wire"]), parent, cur, np.round(fee, 2),
                            ref=np.full(n, REF["TUITION"])), np.arange(n))
            self._add(Block(self._ts(d), np.full(n, CH["domestic_transfer"]), cur, uni, np.round(fee, 2),
                            ref=np.full(n, REF["TUITION"])), np.arange(n))
        self._kind(st, "student")
        self._kind(st[near], "namesake_counterparty")

    def _external_now(self, countries: np.ndarray, aname: np.ndarray) -> np.ndarray:
        """External accounts created after ``extend`` (owner not on file): extend the arrays."""
        w, pop = self.w, self.w.pop
        self._pad_arrays()
        n = len(countries)
        start = w.n_accounts
        w.n_accounts += n
        self.late_accounts.append((countries, aname))
        pop["acct_owner"] = np.concatenate([pop["acct_owner"], np.full(n, -1)])
        pop["acct_country"] = np.concatenate([pop["acct_country"], countries.astype(object)])
        pop["acct_ccy"] = np.concatenate([pop["acct_ccy"], _ccy(countries)])
        pop["acct_usable"] = np.concatenate([pop["acct_usable"], np.ones(n, dtype=bool)])
        pop["acct_type"] = np.concatenate([pop["acct_type"], np.full(n, "current", dtype=object)])
        self.late_keys.append(np.arange(start, start + n, dtype=np.int64))
        return np.arange(start, start + n, dtype=np.int64)

    def _pad_arrays(self) -> None:
        """Bring the key-indexed account arrays up to the accounts planters added."""
        w, pop = self.w, self.w.pop
        have = len(pop["acct_ccy"])
        if have >= w.n_accounts:
            return
        rows = [w.account_rows[k] for k in range(have, w.n_accounts)]
        pop["acct_owner"] = np.concatenate([pop["acct_owner"], np.array([r["_owner"] for r in rows], dtype=np.int64)])
        pop["acct_country"] = np.concatenate([pop["acct_country"], np.array([r["country"] for r in rows], dtype=object)])
        pop["acct_ccy"] = np.concatenate([pop["acct_ccy"], np.array([r["currency"] for r in rows], dtype=object)])
        pop["acct_usable"] = np.concatenate([pop["acct_usable"], np.zeros(len(rows), dtype=bool)])
        pop["acct_type"] = np.concatenate([pop["acct_type"], np.array([r["account_type"] for r in rows], dtype=object)])

    def _remit_families(self) -> None:
        from datagen.population import LOCALES, person_names

        g, p, pop = self.g, self.p, self.w.pop
        ind_c = pop["ind_country"].astype(str)
        cand = np.nonzero(np.isin(ind_c, list(REMIT_HOME)) & self._ind_ok() & ~pop["ind_migrant"])[0]
        n = min(len(cand), int(p.remit_family_share * pop["n_ind"]))
        if n:
            fam = g.choice(cand, n, replace=False)
            two = g.random(n) < 0.3
            r = np.concatenate([np.arange(n), np.nonzero(two)[0]])
            abroad = np.array(REMIT_ABROAD, dtype=object)[g.integers(0, len(REMIT_ABROAD), len(r))]
            loc = np.array([LOCALES.index(geo.BY_CODE[c].locale) for c in ind_c[fam[r]].tolist()], dtype=np.int64)
            nm, _, _ = person_names(g, loc)
            nm = nm.to_numpy().astype(object)
            near, near_nm = self._near_listed(abroad)
            nm[near] = near_nm
            rel = self._external_now(abroad, nm)
            e, day = self._monthly(g.integers(1, 29, len(r)))
            dec = self.m_num[np.searchsorted(self.m_first, day, side="right") - 1] == 12
            amt = 300 * g.lognormal(0, 0.5, len(e)) * np.where(dec, 1.6, 1.0)
            self._add(Block(self._ts(day), np.where(g.random(len(e)) < 0.8, CH["remittance"], CH["wire"]), rel[e],
                            pop["ind_current"][fam[r]][e], np.round(amt, 2),
                            ref=np.full(len(e), REF["FAMILY SUPPORT"])), e)
            self._kind(fam, "remittance_family")
            self._kind(fam[r[near]], "namesake_counterparty")
        self._kind(np.nonzero(pop["ind_migrant"])[0], "migrant_worker")

    # ------------------------------------------------------------------ grey-list trade
    def _xb_trade(self) -> tuple[Block, dict[str, np.ndarray]]:
        g = self.g
        keys, acc, cs, documented, owner, fkeys, facc, xc = self.role["xb"]
        n = len(owner)
        period = g.uniform(20, 45, n)
        e, day = self._periodic(period, g.uniform(0, 1, n) * period)
        base = 15000 * g.lognormal(0, 0.8, n)
        v = g.uniform(0.3, 1.0, n)
        amt = np.round(np.maximum(base[e] * (1 + v[e] * g.uniform(-1, 1, len(e))), 0.1 * base[e]), 2)
        imp = g.random(n) < 0.7
        src = np.where(imp[e], acc[owner][e], facc[e])
        dst = np.where(imp[e], facc[e], acc[owner][e])
        blk = Block(self._ts(day), np.full(len(e), CH["wire"]), src, dst, amt,
                    ref=np.where(g.random(len(e)) < 0.5, REF["INVOICE PAYMENT"], REF["SUPPLIER PAYMENT"]))
        meta = {"rel": e, "day": day, "imp": imp[e], "doc": documented[owner][e],
                "trader": keys[owner][e], "partner": fkeys[e], "hs": g.integers(0, 26, n)[e]}
        return blk, meta

    def _trade_docs(self, tf: pl.DataFrame, meta: dict[str, np.ndarray]) -> pl.DataFrame:
        from datagen.trade import GOODS

        g, w, pop = self.g, self.w, self.w.pop
        # _to_frame keeps the block's row order
        doc = meta["doc"]
        idx = np.nonzero(doc)[0]
        if not len(idx):
            return pl.DataFrame()
        src = tf["_src"].to_numpy()[idx]
        dst = tf["_dst"].to_numpy()[idx]
        main = np.where(src >= 0, src, dst)
        value = tf["amount"].to_numpy()[idx]
        ccy = pop["acct_ccy"][main].astype(str)
        hs = meta["hs"][idx] % len(GOODS)
        usd = tf["amount"].to_numpy()[idx] * w.fx[np.array([w.ccy_index[c] for c in ccy.tolist()]),
                                                  w.month_of_us(tf["_ts"].to_numpy()[idx])]
        unit_price = np.array([x[3] for x in GOODS])[hs] * g.lognormal(0, 0.2, len(idx))
        qty = np.maximum(1, np.round(usd / unit_price))
        imp = meta["imp"][idx]
        exporter = np.where(imp, meta["partner"][idx], meta["trader"][idx])
        importer = np.where(imp, meta["trader"][idx], meta["partner"][idx])
        pc = pop["party_country"]
        pay_day = ((tf["_ts"].to_numpy()[idx] - w.start_us) // US_DAY).astype(np.int64)
        inv_day = np.maximum(pay_day - g.integers(0, 31, len(idx)), 0)
        tkeys = w.n_trades + np.arange(len(idx), dtype=np.int64)
        w.n_trades += len(idx)
        refno = g.permutation(len(idx)) + 90_000_000
        return pl.DataFrame({
            "_key": tkeys,
            "date": pl.Series(np.datetime64(w.cfg.start, "D") + inv_day.astype("timedelta64[D]")).cast(pl.Date),
            "_exporter": exporter.astype(np.int64), "_importer": importer.astype(np.int64),
            "hs_code": pl.Series(np.array([x[0] for x in GOODS])[hs].astype(str)),
            "goods_description": pl.Series(np.array([x[1] for x in GOODS])[hs].astype(str)),
            "quantity": qty.astype(float),
            "unit": pl.Series(np.array([x[2] for x in GOODS])[hs].astype(str)),
            "invoice_value": value,
            "currency": pl.Series(ccy),
            "origin_country": pl.Series(pc[exporter].astype(str)),
            "destination_country": pl.Series(pc[importer].astype(str)),
            "transshipment_country": pl.Series([None] * len(idx), dtype=pl.String),
            "shipment_ref": "BL" + pl.Series(refno).cast(pl.String),
            "_payment": tf["_key"].to_numpy()[idx],
        })

    # ================================================================== labels of the background
    def late_account_frame(self) -> pl.DataFrame:
        """External accounts created while drawing transactions (relatives, parents abroad)."""
        if not self.late_keys:
            return pl.DataFrame()
        keys = np.concatenate(self.late_keys)
        cs = np.concatenate([c for c, _ in self.late_accounts])
        nm = np.concatenate([a for _, a in self.late_accounts])
        n = len(keys)
        return pl.DataFrame({
            "_key": pl.Series(keys), "_owner": pl.Series(np.full(n, -1, dtype=np.int64)),
            "_internal": pl.Series(np.zeros(n, dtype=bool)), "_name": pl.Series(nm.tolist(), dtype=pl.String),
            "account_type": pl.Series(["current"] * n), "country": pl.Series(cs.astype(str)),
            "currency": pl.Series(_ccy(cs).astype(str)),
            "opened_on": pl.Series([self.w.cfg.start - timedelta(days=900)] * n, dtype=pl.Date),
            "closed_on": pl.Series([None] * n, dtype=pl.Date),
        })

    def kinds(self) -> np.ndarray:
        """Primary everyday kind (index into ``KINDS``) of every party key; parties the planters
        created are ``instance_context`` (the caller drops those that labels name)."""
        pop = self.w.pop
        n = self.n_par_bg
        out = np.full(n, -1, dtype=np.int16)
        out[: pop["n_ind"]] = KIND["household"]
        o_bus = pop["o_bus"]
        out[o_bus: o_bus + pop["n_bus"]] = np.where(pop["bus_foreign"], KIND["foreign_business"],
                                                    np.where(pop["bus_cash"], KIND["cash_business"], KIND["business"]))
        out[pop["o_npo"]: pop["o_npo"] + pop["n_npo"]] = KIND["npo"]
        out[pop["o_fi"]: pop["o_fi"] + pop["n_fi"]] = np.where(pop["fi_msb"], KIND["money_service_business"], KIND["bank"])
        out[pop["o_gov"]: pop["o_gov"] + pop["n_gov"]] = KIND["government"]
        out = np.concatenate([out, np.full(self.w.n_parties - n, KIND["instance_context"], dtype=np.int16)])
        order = ("business", "household", "migrant_worker", "benefit_recipient", "remittance_family", "b2b_supplier",
                 "trade_customer", "payroll_employer", "government_payer", "student", "long_standing_account",
                 "namesake_customer")
        rest = [(k, v) for k, v in self.kinds_set if v not in order]
        ranked = sorted([(k, v) for k, v in self.kinds_set if v in order], key=lambda kv: order.index(kv[1]))
        for keys, kind in ranked + rest:
            keys = keys[(keys >= 0) & (keys < n)]
            out[keys] = KIND[kind]
        return out


def pd_hash(countries: np.ndarray) -> np.ndarray:
    return np.array([ord(c[0]) * 31 + ord(c[1]) for c in countries.astype(str).tolist()], dtype=np.int64)


def _subset(b: Block, m: np.ndarray) -> Block:
    def s(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else np.asarray(x)[m]

    return Block(b.ts[m], np.asarray(b.ch)[m], b.src[m], b.dst[m], np.asarray(b.usd)[m], s(b.loc), s(b.mcc), s(b.ref),
                 b.cash)


#: Given names and their other-gender forms (Arabic, Malay, Korean and Chinese usage).
GENDER_VARIANTS: dict[str, str] = {
    "SALIM": "SALMA", "AMIN": "AMINA", "KARIM": "KARIMA", "JAMAL": "JAMILA", "SAMI": "SAMIA", "ADEL": "ADILA",
    "KHALID": "KHALIDA", "YASSIN": "YASMIN", "HASSAN": "HASNA", "ALI": "ALIA", "SAID": "SAIDA", "FADIL": "FADILA",
    "TAHIR": "TAHIRA", "RAED": "RAEDA", "SULTAN": "SULTANA", "SAMIR": "SAMIRA", "ABDULLAH": "ABIDA",
    "MUHAMMAD": "MUNA", "MOHAMMED": "MONA", "AHMAD": "AHLAM", "IBRAHIM": "IBTISAM", "RAMZI": "RAMZIA",
    "NOURREDINE": "NOUR", "OUMAR": "OUMOU", "ISMAIL": "ISMAHAN", "ZAKARIA": "ZAKIA", "HAMZA": "HAMIDA",
}
GENDER_VARIANTS.update({v: k for k, v in list(GENDER_VARIANTS.items())})
COMMON_GIVEN = ("Muhammad", "Ahmad", "Nur", "Siti", "Abdul", "Fatimah", "Aisha", "Omar", "Yusuf", "Min-jun",
                "Ji-woo", "Wei", "Mei", "Hui", "Jin", "Ali", "Hassan", "Amir", "Zainab", "Ibrahim")
COMMON_FAMILY = ("Kim", "Lee", "Park", "Wang", "Li", "Zhang", "Chen", "Rahman", "Abdullah", "Hussain", "Ahmed",
                 "Ismail", "Tan", "Lim", "Nguyen", "Saleh", "Hassan", "Yusof", "Ibrahim", "Choi")


def _tc(s: str) -> str:
    return " ".join(x[:1].upper() + x[1:].lower() for x in s.split())


def near_name(parts: tuple[str, ...], rng: np.random.Generator) -> str:
    """A different person's name near a listed one: a gender variant of the given name, one
    vowel changed, the family name with a common given name, or the given name with a common
    family name (the caller rejects the rare result equal to a listed name)."""
    given = parts[0].split()[0].upper()
    family = parts[-1].split()[-1].upper() if len(parts) > 1 else COMMON_FAMILY[int(rng.integers(len(COMMON_FAMILY)))]
    mode = int(rng.integers(4))
    if mode == 0 and given in GENDER_VARIANTS:
        return _tc(f"{GENDER_VARIANTS[given]} {family}")
    if mode <= 1:
        vowels = [i for i, ch in enumerate(given) if ch in "AEIOU" and i > 0]
        if vowels:
            i = vowels[int(rng.integers(len(vowels)))]
            repl = "AEIOU".replace(given[i], "")
            given2 = given[:i] + repl[int(rng.integers(len(repl)))] + given[i + 1:]
            return _tc(f"{given2} {family}")
    if mode == 2:
        return _tc(f"{COMMON_GIVEN[int(rng.integers(len(COMMON_GIVEN)))]} {family}")
    return _tc(f"{given} {COMMON_FAMILY[int(rng.integers(len(COMMON_FAMILY)))]}")


#: World-wide common given and family names (and their usual spellings): a payment name that
#: agrees with a listed one on these alone names someone else (catalogue v2, "Common names").
COMMON_TOKENS: frozenset[str] = frozenset({
    "MOHAMMED", "MOHAMMAD", "MUHAMMAD", "MOHAMED", "MUHAMMED", "MOHAMAD", "AHMED", "AHMAD", "ALI", "HASSAN",
    "HASAN", "HUSSAIN", "HUSSEIN", "HUSAIN", "ABDULLAH", "ABDALLAH", "ABDUL", "OMAR", "UMAR", "IBRAHIM", "ISMAIL",
    "YUSUF", "MAHMOUD", "MAHMUD", "SAID", "SAEED", "KHALID", "KHAN", "RAHMAN", "AZIZ", "NUR", "SITI",
    "KIM", "LEE", "PARK", "CHOI", "JONG", "NAM", "IL", "CHOL", "LI", "WANG", "ZHANG", "CHEN", "TAN", "LIM",
    "NGUYEN", "SINGH", "KUMAR",
})
#: common given and family names to fill in, by the naming tradition of the listed name
_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "korean": (("Chol", "Jong", "Nam", "Il", "Min", "Song", "Yong", "Su"), ("Kim", "Lee", "Park", "Choi")),
    "chinese": (("Wei", "Jun", "Ming", "Hui", "Li"), ("Wang", "Li", "Zhang", "Chen", "Tan", "Lim")),
    "arabic": (("Muhammad", "Ahmad", "Ali", "Omar", "Ibrahim", "Yusuf", "Hassan", "Khalid", "Abdul", "Nur", "Siti"),
               ("Hassan", "Hussain", "Ahmed", "Rahman", "Khan", "Ibrahim", "Ismail", "Abdullah")),
}


def _name_tokens(name: str) -> list[str]:
    import re

    return [t for t in re.split(r"[^A-Z0-9]+", name.upper()) if t]


def _tradition(toks: list[str]) -> str:
    if set(toks) & {"KIM", "LEE", "PARK", "CHOI", "JONG", "CHOL", "NAM", "IL", "RI", "PAK", "KANG", "SONG", "YONG"}:
        return "korean"
    if set(toks) & {"WANG", "ZHANG", "CHEN", "TAN", "LIM", "LI", "WEI"}:
        return "chinese"
    return "arabic"


def common_namesake(listed_name: str, rng: np.random.Generator) -> str | None:
    """Another person's name that agrees with ``listed_name`` on its common tokens only: the
    given name, at most one middle name and the family name of the listed name, each common one
    kept (a given name with a gender variant is sometimes that variant instead) and each other
    one replaced by a common name of the same tradition; None when no common token is kept.
    The caller rejects a result equal to a listed name."""
    toks = _name_tokens(listed_name)
    if len(toks) < 2:
        return None
    pos = [0, 1, len(toks) - 1] if len(toks) >= 3 and rng.random() < 0.5 else [0, len(toks) - 1]
    tradition = _tradition(toks)
    given_pool, family_pool = _POOLS[tradition]
    out: list[str] = []
    kept = 0
    for j, i in enumerate(pos):
        t = toks[i]
        if t in COMMON_TOKENS:
            out.append(t)
            kept += 1
        elif j == 0 and t in GENDER_VARIANTS and rng.random() < 0.5:
            out.append(GENDER_VARIANTS[t])  # Salim -> Salma: another person
        else:
            family_here = j == 0 if tradition == "korean" else j == len(pos) - 1  # Korean: family name first
            pool = [x.upper() for x in (family_pool if family_here else given_pool)
                    if j == 0 or x not in ("Nur", "Siti")]
            pool = [x for x in pool if x not in out and x not in toks] or pool
            out.append(pool[int(rng.integers(len(pool)))])
    return _tc(" ".join(out)) if kept else None
