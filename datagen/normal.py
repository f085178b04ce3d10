"""Normal activity, vectorised: what an ordinary bank's books look like over the window.

Each kind of activity is drawn as whole numpy arrays (actor, counterparty, day, hour,
amount); there is no per-row Python.  Amounts are heavy tailed (lognormal, with a Pareto
tail for business payments), scaled by each economy's wage level, and converted into the
account's currency at the month's rate.  Days follow a weekly pattern (quieter weekends
for transfers, busier ones for card spending), a month-end/pay-day bump and a December
peak.

Calibration against the catalogue (so that normal activity rarely matches by chance):
cash deposits of cash-intensive businesses have a median of about 1,800 USD (about 1% fall
in the 8,000-10,000 band); salaries vary by employee (sigma 0.7) and employers are small,
so payroll fan-outs do not have 8 amounts within 20%; card payments name no merchant
account; P2P transfers go to a handful of friends; NPOs spend inside their declared
countries and to organisations; remittances go to one or two relatives, under 3,000 each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from datagen.world import US_PER_DAY, World
from engine.schema import CHANNELS

CH = {c: i for i, c in enumerate(CHANNELS)}
#: Wage level: median monthly salary in USD per residence economy.
WAGE = {
    "US": 4500, "CA": 4000, "AU": 4800, "NZ": 3800, "JP": 3000, "KR": 2800, "SG": 4000, "HK": 3500,
    "TW": 1600, "CN": 1100, "MY": 900, "TH": 550, "PH": 400, "ID": 350, "VN": 350, "MX": 600, "CL": 900,
    "PE": 500, "RU": 800, "BN": 1500, "PG": 400,
}
#: (MCC, median USD, share of card payments)
MCCS: tuple[tuple[str, float, float], ...] = (
    ("5411", 45, 0.20), ("5812", 28, 0.12), ("5814", 9, 0.12), ("5541", 40, 0.08), ("5311", 60, 0.05),
    ("5912", 18, 0.05), ("4121", 14, 0.06), ("5999", 30, 0.06), ("4900", 85, 0.04), ("4814", 40, 0.04),
    ("5732", 180, 0.02), ("5651", 55, 0.04), ("7011", 160, 0.015), ("4511", 420, 0.008),
    ("3005", 520, 0.003), ("3026", 610, 0.002), ("4722", 650, 0.003), ("5942", 22, 0.02),
    ("6300", 120, 0.02), ("8220", 450, 0.006), ("5691", 70, 0.03), ("7832", 15, 0.02), ("5200", 95, 0.015),
)
MCC_CODES: tuple[str, ...] = tuple(m[0] for m in MCCS)
REFERENCES: tuple[str, ...] = (
    "SALARY", "RENT", "FAMILY SUPPORT", "INVOICE PAYMENT", "DONATION", "PROGRAMME COSTS", "TAX PAYMENT",
    "LOAN DRAWDOWN", "SAVINGS", "GIFT", "SUPPLIER PAYMENT", "SETTLEMENT", "TUITION", "LOAN REPAYMENT",
    # the realistic profile's everyday payments (datagen.everyday)
    "UTILITY BILL", "PHONE BILL", "INSURANCE PREMIUM", "BILL PAYMENT", "BENEFIT",
)
REF = {r: i for i, r in enumerate(REFERENCES)}
TRAVEL_DEST = ("JP", "TH", "SG", "KR", "AU", "US", "HK", "MY", "ID", "VN", "GB", "DE", "AE", "NZ", "TW", "TR")
TRAVEL_P = np.array([12, 12, 9, 8, 6, 8, 7, 6, 6, 5, 4, 3, 3, 3, 4, 1.5])

#: Target share of each kind among normal transactions (salary, rent and remittances are
#: scheduled per person and month and take what they need; card spending absorbs the rest).
SHARES = {
    "salary": 0.07, "rent": 0.03, "remit": 0.03, "atm": 0.08, "cash_wd": 0.015, "cash_dep_bus": 0.035,
    "cash_dep_ind": 0.012, "p2p": 0.09, "internal": 0.05, "bus_dom": 0.08, "bus_wire": 0.025, "cheque": 0.008,
    "prepaid_load": 0.012, "donation": 0.008, "npo_spend": 0.003, "tax": 0.003, "corr": 0.004, "loan": 0.002,
}


@dataclass
class Block:
    ts: np.ndarray
    ch: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    usd: np.ndarray
    loc: np.ndarray | None = None  # index into w.pop["loc_codes"], -1 = account owner's place
    mcc: np.ndarray | None = None  # index into MCC_CODES, -1 = none
    ref: np.ndarray | None = None  # index into REFERENCES, -1 = none
    cash: bool = False  # round to banknote units


class Clock:
    """Vectorised timestamps with weekly, monthly and yearly seasonality."""

    def __init__(self, w: World) -> None:
        self.w = w
        days = np.arange(w.cfg.days)
        dates = np.datetime64(w.cfg.start) + days.astype("timedelta64[D]")
        dow = (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
        dom = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        self.dow, self.dom, self.month = dow, dom, month
        yearly = np.where(month == 12, 1.25, np.where(month == 1, 0.9, 1.0))
        monthly = np.where((dom >= 25) | (dom <= 2), 1.25, 1.0)
        self.w_transfer = self._norm(np.array([1.1, 1.05, 1.0, 1.0, 1.1, 0.55, 0.35])[dow] * yearly * monthly)
        self.w_card = self._norm(np.array([0.9, 0.9, 0.95, 1.0, 1.15, 1.3, 1.1])[dow] * yearly * monthly)
        self.w_flat = self._norm(np.ones(len(days)))
        h = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2.5, 4, 6, 7, 7, 7.5, 7, 6.5, 6, 5.5, 5, 4.5, 4, 3.5, 3, 2.2, 1.5])
        self.h_card = h / h.sum()
        hb = np.array([0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1, 3, 6, 7, 7, 6, 6.5, 7, 6.5, 5, 3, 1.5, 1, 0.6, 0.4, 0.3, 0.2])
        self.h_bank = hb / hb.sum()

    @staticmethod
    def _norm(x: np.ndarray) -> np.ndarray:
        return x / x.sum()

    def draw(self, rng: np.random.Generator, n: int, day_w: np.ndarray, hour_p: np.ndarray) -> np.ndarray:
        day = rng.choice(len(day_w), n, p=day_w)
        return self.at(rng, day, hour_p)

    def at(self, rng: np.random.Generator, day: np.ndarray, hour_p: np.ndarray) -> np.ndarray:
        n = len(day)
        hour = rng.choice(24, n, p=hour_p)
        sec = rng.integers(0, 3600, n)
        return self.w.start_us + (day.astype(np.int64) * 86400 + hour * 3600 + sec) * 1_000_000

    def month_days(self, dom: int) -> np.ndarray:
        """Window day offsets of day-of-month ``dom`` (clipped to the month's last day)."""
        start = np.datetime64(self.w.cfg.start, "D")
        dates = start + np.arange(self.w.cfg.days).astype("timedelta64[D]")
        out = []
        for m in np.unique(dates.astype("datetime64[M]")):
            first = m.astype("datetime64[D]")
            last = (m + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
            d = min(first + np.timedelta64(dom - 1, "D"), last)
            off = int((d - start).astype(np.int64))
            if 0 <= off < self.w.cfg.days:
                out.append(off)
        return np.array(out, dtype=np.int64)


def same_group_partner(groups: np.ndarray, idx: np.ndarray, offsets: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """For members ``idx`` (positions in ``groups``), a partner in the same group at one of a
    few fixed offsets: each member has at most ``len(offsets)`` distinct partners."""
    order = np.argsort(groups, kind="stable")
    sorted_g = groups[order]
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups))
    starts = np.searchsorted(sorted_g, sorted_g, side="left")
    ends = np.searchsorted(sorted_g, sorted_g, side="right")
    r = rank[idx]
    lo, size = starts[r], ends[r] - starts[r]
    off = offsets[rng.integers(0, len(offsets), len(idx))]
    partner_rank = lo + (r - lo + off) % np.maximum(size, 1)
    return order[partner_rank]


def pick_in_country(rng: np.random.Generator, actor_country: np.ndarray, pool: np.ndarray,
                    pool_country: np.ndarray) -> np.ndarray:
    """For each actor, a random pool member from the same country (any member when none)."""
    order = np.argsort(pool_country, kind="stable")
    pc = pool_country[order].astype(str)
    ac = actor_country.astype(str)
    lo = np.searchsorted(pc, ac, side="left")
    hi = np.searchsorted(pc, ac, side="right")
    size = hi - lo
    r = rng.random(len(ac))
    local = order[np.minimum(lo + (r * size).astype(np.int64), len(pc) - 1)]
    anyone = rng.integers(0, len(pool), len(ac))
    return pool[np.where(size > 0, local, anyone)]


def _ln(rng: np.random.Generator, med: float | np.ndarray, sigma: float, n: int) -> np.ndarray:
    return np.asarray(med) * rng.lognormal(0.0, sigma, n)


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    if len(pool) == 0:
        raise ValueError("empty pool")
    if weights is None:
        return pool[rng.integers(0, len(pool), n)]
    p = weights / weights.sum()
    return pool[rng.choice(len(pool), n, p=p)]


def generate(w: World, n_target: int, shares: dict[str, float] | None = None) -> pl.DataFrame:
    """``n_target`` normal transactions as an internal frame (keys, codes, local amounts);
    ``shares`` overrides some of :data:`SHARES`."""
    rng = w.rng
    pop = w.pop
    clk = Clock(w)
    n_ind = pop["n_ind"]
    usable = pop["acct_usable"]
    ind_country = pop["ind_country"]
    wage_ind = np.array([WAGE.get(c, 1000) for c in ind_country.tolist()], dtype=float)
    price_ind = np.sqrt(wage_ind / 3000.0)
    activity = rng.lognormal(0.0, 0.8, n_ind)
    cur = pop["ind_current"]
    ind_ok = usable[cur]
    blocks: list[Block] = []
    want = {k: int(round(v * n_target)) for k, v in {**SHARES, **(shares or {})}.items()}
    months = clk.month_days(25)

    def ind_pool(mask: np.ndarray) -> np.ndarray:
        return np.nonzero(mask & ind_ok)[0]

    # ------------------------------------------------------------ salaries (monthly payroll)
    dom_bus = np.nonzero(~pop["bus_foreign"])[0]
    bus_acc = pop["bus_account"]
    n_months = max(1, len(months))
    n_sal = min(want["salary"] // n_months, int(0.65 * n_ind))
    if n_sal and len(dom_bus) and len(months):
        emp = rng.choice(ind_pool(np.ones(n_ind, bool)), size=min(n_sal, len(ind_pool(np.ones(n_ind, bool)))), replace=False)
        employer = np.empty(len(emp), dtype=np.int64)
        bc = pop["bus_country"][dom_bus]
        for c in np.unique(ind_country[emp]):
            m = ind_country[emp] == c
            local = dom_bus[bc == c]
            employer[m] = (local if len(local) else dom_bus)[rng.integers(0, len(local) if len(local) else len(dom_bus), int(m.sum()))]
        base = np.exp(rng.normal(0, 0.35, pop["n_bus"]))
        pay = wage_ind[emp] * base[employer] * rng.lognormal(0, 0.7, len(emp)) * np.where(pop["ind_migrant"][emp], 0.7, 1.0)
        pay = np.clip(pay, 150, 60_000)
        shift = rng.integers(-3, 2, pop["n_bus"])
        e = np.repeat(np.arange(len(emp)), len(months))
        day = np.tile(months, len(emp)) + shift[employer[e]]
        ok = (day >= 0) & (day < w.cfg.days)
        e, day = e[ok], day[ok]
        blocks.append(Block(clk.at(rng, day, clk.h_bank), np.full(len(e), CH["domestic_transfer"]),
                            bus_acc[employer[e]], cur[emp[e]], np.round(pay[e] * rng.lognormal(0, 0.02, len(e)), 2),
                            ref=np.full(len(e), REF["SALARY"])))

    # ------------------------------------------------------------ rent
    n_ten = min(want["rent"] // n_months, int(0.35 * n_ind))
    prop_bus = dom_bus[pop["bus_line"][dom_bus] == "property management"]
    if n_ten and len(months):
        tenants = rng.choice(ind_pool(np.ones(n_ind, bool)), size=min(n_ten, len(ind_pool(np.ones(n_ind, bool)))), replace=False)
        n_ll = max(1, len(tenants) // 3)
        ll_ind = rng.choice(n_ind, size=n_ll)
        ll_acc = np.concatenate([cur[ll_ind], bus_acc[prop_bus]])
        ll_country = np.concatenate([ind_country[ll_ind], pop["bus_country"][prop_bus]])
        landlord = pick_in_country(rng, ind_country[tenants], ll_acc, ll_country)
        same = landlord == cur[tenants]
        landlord[same] = bus_acc[dom_bus[0]]
        rent = np.round(0.3 * wage_ind[tenants] * rng.lognormal(0, 0.35, len(tenants)), 0)
        first = clk.month_days(1)
        t = np.repeat(np.arange(len(tenants)), len(first))
        day = np.tile(first, len(tenants)) + rng.integers(0, 5, len(t))
        ok = day < w.cfg.days
        t, day = t[ok], day[ok]
        ch = np.where(rng.random(len(t)) < 0.7, CH["domestic_transfer"], np.where(rng.random(len(t)) < 0.7, CH["mobile_transfer"], CH["cheque"]))
        blocks.append(Block(clk.at(rng, day, clk.h_bank), ch, cur[tenants[t]], landlord[t], rent[t],
                            ref=np.full(len(t), REF["RENT"])))

    # ------------------------------------------------------------ migrant remittances
    fam_src, fam_acc = pop["fam_src"], pop["fam_acc"]
    if len(fam_src):
        per_month = np.where(rng.random(len(fam_src)) < 0.25, 2, 1)
        n_r = min(int(per_month.sum() * n_months), max(want["remit"], 1))
        f = rng.choice(len(fam_src), n_r, p=per_month / per_month.sum())
        sender = fam_src[f]
        ok = ind_ok[sender]
        f, sender = f[ok], sender[ok]
        amt = np.clip(_ln(rng, 280 * np.sqrt(wage_ind[sender] / 3000), 0.5, len(f)), 30, 2500)
        ch = np.where(rng.random(len(f)) < 0.85, CH["remittance"], CH["wire"])
        ref = np.where(rng.random(len(f)) < 0.7, REF["FAMILY SUPPORT"], -1)
        blocks.append(Block(clk.draw(rng, len(f), clk.w_transfer, clk.h_bank), ch, cur[sender], fam_acc[f],
                            np.round(amt, 2), ref=ref))

    # ------------------------------------------------------------ ATM and branch cash
    spend_acc = np.concatenate([cur, pop["ind_prepaid"][pop["ind_prepaid"] >= 0]])
    spend_own = np.concatenate([np.arange(n_ind), np.nonzero(pop["ind_prepaid"] >= 0)[0]])
    spend_w = np.concatenate([activity, activity[pop["ind_prepaid"] >= 0] * 0.5]) * usable[spend_acc]
    n = want["atm"]
    k = rng.choice(len(spend_acc), n, p=spend_w / spend_w.sum())
    loc = _travel(rng, n, 0.02)
    blocks.append(Block(clk.draw(rng, n, clk.w_card, clk.h_card), np.full(n, CH["atm_withdrawal"]), spend_acc[k],
                        np.full(n, -1), np.clip(_ln(rng, 110 * price_ind[spend_own[k]], 0.7, n), 10, 2000), loc=loc, cash=True))
    n = want["cash_wd"]
    n_i = int(n * 0.6)
    pool = ind_pool(np.ones(n_ind, bool))
    ki = _pick(rng, pool, n_i, activity[pool])
    kb = _pick(rng, dom_bus, n - n_i)
    src = np.concatenate([cur[ki], bus_acc[kb]])
    usd = np.concatenate([_ln(rng, 400 * price_ind[ki], 0.9, n_i), _ln(rng, 1500, 0.8, n - n_i)])
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank), np.full(n, CH["cash_withdrawal"]), src,
                        np.full(n, -1), np.clip(usd, 20, 250_000), cash=True))
    cash_bus = dom_bus[pop["bus_cash"][dom_bus]]
    if len(cash_bus):
        n = want["cash_dep_bus"]
        kb = _pick(rng, cash_bus, n, rng.lognormal(0, 0.5, len(cash_bus)))
        wage_b = np.array([WAGE.get(c, 1000) for c in pop["bus_country"][kb].tolist()], dtype=float)
        blocks.append(Block(clk.draw(rng, n, clk.w_card, clk.h_bank), np.full(n, CH["cash_deposit"]), np.full(n, -1),
                            bus_acc[kb], np.clip(_ln(rng, 1800 * np.sqrt(wage_b / 3000), 0.7, n), 20, 400_000), cash=True))
    n = want["cash_dep_ind"]
    ki = _pick(rng, pool, n, activity[pool])
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank), np.full(n, CH["cash_deposit"]), np.full(n, -1),
                        cur[ki], np.clip(_ln(rng, 250 * price_ind[ki], 1.0, n), 10, 60_000), cash=True))

    # ------------------------------------------------------------ P2P transfers among friends
    n = want["p2p"]
    offsets = rng.integers(1, 1_000_003, 6)
    ki = _pick(rng, pool, n, activity[pool])
    friend = same_group_partner(ind_country, ki, offsets, rng)
    recv = np.where(pop["ind_wallet"][friend] >= 0, pop["ind_wallet"][friend], cur[friend])
    src = np.where(pop["ind_wallet"][ki] >= 0, pop["ind_wallet"][ki], cur[ki])
    ext = rng.random(n) < 0.1
    ext_acc = _pick(rng, pop["p2p_ext"], int(ext.sum()))
    inbound = rng.random(int(ext.sum())) < 0.5
    s2, d2 = src.copy(), recv.copy()
    s_ext = np.where(inbound, ext_acc, src[ext])
    d_ext = np.where(inbound, recv[ext], ext_acc)
    s2[ext], d2[ext] = s_ext, d_ext
    good = (s2 != d2) & usable[s2] & usable[d2]
    ch = np.where(rng.random(n) < 0.8, CH["mobile_transfer"], CH["domestic_transfer"])
    blocks.append(Block(clk.draw(rng, n, clk.w_card, clk.h_card)[good], ch[good], s2[good], d2[good],
                        np.round(np.clip(_ln(rng, 55 * price_ind[ki], 1.0, n), 1, 20_000), 2)[good],
                        ref=np.where(rng.random(n) < 0.15, REF["GIFT"], -1)[good]))

    # ------------------------------------------------------------ own-account transfers and loans
    n = want["internal"]
    ki = _pick(rng, pool, n, activity[pool])
    other = np.where(pop["ind_savings"][ki] >= 0, pop["ind_savings"][ki],
                     np.where(pop["ind_wallet"][ki] >= 0, pop["ind_wallet"][ki], pop["ind_loan"][ki]))
    ok = (other >= 0) & usable[np.clip(other, 0, None)]
    ki, other = ki[ok], other[ok]
    up = rng.random(len(ki)) < 0.7
    is_loan = pop["acct_type"][other] == "loan"
    up = up | is_loan
    src = np.where(up, cur[ki], other)
    dst = np.where(up, other, cur[ki])
    ref = np.where(is_loan, REF["LOAN REPAYMENT"], np.where(rng.random(len(ki)) < 0.3, REF["SAVINGS"], -1))
    blocks.append(Block(clk.draw(rng, len(ki), clk.w_transfer, clk.h_card), np.full(len(ki), CH["internal"]), src, dst,
                        np.round(np.clip(_ln(rng, 260 * price_ind[ki], 1.0, len(ki)), 5, 80_000), 2), ref=ref))
    loans = np.nonzero((pop["ind_loan"] >= 0) & ind_ok)[0]
    if len(loans):
        n = min(want["loan"], len(loans))
        ki = rng.choice(loans, n, replace=False)
        blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank), np.full(n, CH["internal"]), pop["ind_loan"][ki],
                            cur[ki], np.round(np.clip(_ln(rng, 9000 * price_ind[ki], 0.5, n), 500, 18_000), -1),
                            ref=np.full(n, REF["LOAN DRAWDOWN"])))

    # ------------------------------------------------------------ business payments
    bw = rng.lognormal(0, 1.0, len(dom_bus))
    n = want["bus_dom"]
    kb = _pick(rng, np.arange(len(dom_bus)), n, bw)
    sup_off = rng.integers(1, 1_000_003, 10)
    sup = same_group_partner(pop["bus_country"][dom_bus], kb, sup_off, rng)
    cross = (kb + 1) % len(dom_bus)
    listed = np.isin(pop["bus_country"][dom_bus[cross]], list(w.high_risk)) | np.isin(
        pop["bus_country"][dom_bus[kb]], list(w.high_risk))
    sup = np.where((rng.random(n) < 0.08) & ~listed, cross, sup)
    src, dst = bus_acc[dom_bus[kb]], bus_acc[dom_bus[sup]]
    same_c = pop["bus_country"][dom_bus[kb]] == pop["bus_country"][dom_bus[sup]]
    ch = np.where(same_c, np.where(rng.random(n) < 0.9, CH["domestic_transfer"], CH["cheque"]), CH["wire"])
    amt = np.clip(2500 * (rng.pareto(1.6, n) + 1) * rng.lognormal(-0.6, 0.6, n), 20, 5_000_000)
    good = (src != dst) & usable[src] & usable[dst]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank)[good], ch[good], src[good], dst[good],
                        np.round(amt, 2)[good], ref=np.where(rng.random(n) < 0.4, REF["SUPPLIER PAYMENT"], REF["INVOICE PAYMENT"])[good]))
    n = want["bus_wire"]
    kb = _pick(rng, dom_bus, n, bw)
    ext = _pick(rng, pop["foreign_bus_acc"], n)
    out = rng.random(n) < 0.55
    src = np.where(out, bus_acc[kb], ext)
    dst = np.where(out, ext, bus_acc[kb])
    good = usable[src] & usable[dst]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank)[good], np.full(n, CH["wire"])[good], src[good],
                        dst[good], np.round(np.clip(_ln(rng, 7000, 1.2, n), 100, 3_000_000), 2)[good],
                        ref=np.full(n, REF["INVOICE PAYMENT"])[good]))
    n = want["cheque"]
    ki = _pick(rng, pool, n, activity[pool])
    kb = pick_in_country(rng, ind_country[ki], dom_bus, pop["bus_country"][dom_bus])
    good = usable[bus_acc[kb]]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank)[good], np.full(n, CH["cheque"])[good],
                        cur[ki][good], bus_acc[kb][good], np.round(_ln(rng, 600 * price_ind[ki], 0.9, n), 2)[good]))
    gov = pop["gov_account"]
    n = want["tax"]
    kb = _pick(rng, dom_bus, n)
    g = pick_in_country(rng, pop["bus_country"][kb], gov, pop["gov_country"])
    good = usable[bus_acc[kb]] & usable[g]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank)[good], np.full(n, CH["domestic_transfer"])[good],
                        bus_acc[kb][good], g[good], np.round(_ln(rng, 3000, 1.2, n), 2)[good],
                        ref=np.full(n, REF["TAX PAYMENT"])[good]))
    fi = pop["fi_account"]
    n = want["corr"]
    a = fi[rng.integers(0, len(fi), n)]
    b = np.where(rng.random(n) < 0.5, fi[rng.integers(0, len(fi), n)], _pick(rng, pop["foreign_bus_acc"], n))
    good = (a != b) & usable[a] & usable[b]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank)[good], np.full(n, CH["wire"])[good], a[good],
                        b[good], np.round(_ln(rng, 120_000, 1.0, n), 2)[good], ref=np.full(n, REF["SETTLEMENT"])[good]))

    # ------------------------------------------------------------ prepaid loads
    pre = np.nonzero((pop["ind_prepaid"] >= 0) & ind_ok)[0]
    if len(pre):
        n = want["prepaid_load"]
        ki = _pick(rng, pre, n)
        dst = pop["ind_prepaid"][ki]
        cash = rng.random(n) < 0.4
        src = np.where(cash, -1, cur[ki])
        good = usable[dst]
        blocks.append(Block(clk.draw(rng, n, clk.w_card, clk.h_card)[good], np.full(n, CH["prepaid_load"])[good],
                            src[good], dst[good], np.round(np.clip(_ln(rng, 120, 0.6, n), 10, 1500), 0)[good]))

    # ------------------------------------------------------------ donations and NPO spending
    npo_acc = pop["npo_account"]
    size = rng.lognormal(0, 1.0, len(npo_acc))
    n = want["donation"]
    ki = _pick(rng, pool, n, activity[pool])
    k = rng.choice(len(npo_acc), n, p=size / size.sum())
    local = pick_in_country(rng, ind_country[ki], np.arange(len(npo_acc)), pop["npo_country"])
    k = np.where(rng.random(n) < 0.85, local, k)
    dn = np.maximum(5, np.round(_ln(rng, 50, 1.1, n) / 5) * 5)
    ch = np.where(rng.random(n) < 0.6, CH["domestic_transfer"], CH["mobile_transfer"])
    good = usable[npo_acc[k]]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_card)[good], ch[good], cur[ki][good], npo_acc[k][good],
                        dn[good], ref=np.full(n, REF["DONATION"])[good]))
    # spending: about 45% of what each NPO receives, to its field partners (organisations
    # in its declared countries), in several payments
    donated = np.bincount(k[good], weights=dn[good], minlength=len(npo_acc))
    partners = pop["npo_partner"]
    part_of = pop["npo_partner_of"]
    n = max(want["npo_spend"], 1)
    k = rng.choice(len(npo_acc), n, p=size / size.sum())
    cnt = np.bincount(k, minlength=len(npo_acc))
    per = np.where(cnt > 0, 0.45 * donated / np.maximum(cnt, 1), 0)
    order = np.argsort(part_of, kind="stable")
    first = np.searchsorted(part_of[order], np.arange(len(npo_acc)))
    howmany = np.bincount(part_of, minlength=len(npo_acc))
    j = order[first[k] + (rng.integers(0, 1 << 30, n) % np.maximum(howmany[k], 1))]
    dst = partners[j]
    amt = np.round(per[k] * rng.lognormal(0, 0.3, n), 2)
    foreign = pop["acct_country"][dst] != pop["npo_country"][k]
    good = (amt >= 20) & usable[npo_acc[k]]
    blocks.append(Block(clk.draw(rng, n, clk.w_transfer, clk.h_bank)[good],
                        np.where(foreign, CH["wire"], CH["domestic_transfer"])[good], npo_acc[k][good], dst[good],
                        amt[good], ref=np.full(n, REF["PROGRAMME COSTS"])[good]))

    # ------------------------------------------------------------ card spending (the rest)
    used = sum(len(b.ts) for b in blocks)
    n = max(0, n_target - used)
    if n:
        mp = np.array([m[2] for m in MCCS])
        mi = rng.choice(len(MCCS), n, p=mp / mp.sum())
        med = np.array([m[1] for m in MCCS])[mi]
        card_acc = np.concatenate([spend_acc, pop["ind_wallet"][pop["ind_wallet"] >= 0]])
        card_own = np.concatenate([spend_own, np.nonzero(pop["ind_wallet"] >= 0)[0]])
        cw = np.concatenate([spend_w, activity[pop["ind_wallet"] >= 0] * 0.3 * usable[pop["ind_wallet"][pop["ind_wallet"] >= 0]]])
        k = rng.choice(len(card_acc), n, p=cw / cw.sum())
        travel = np.isin(mi, [MCC_CODES.index(x) for x in ("4511", "3005", "3026", "4722", "7011")])
        loc = _travel(rng, n, 0.03)
        loc = np.where(travel & (rng.random(n) < 0.5), -1, loc)
        blocks.append(Block(clk.draw(rng, n, clk.w_card, clk.h_card), np.full(n, CH["card_payment"]), card_acc[k],
                            np.full(n, -1), np.round(np.clip(med * price_ind[card_own[k]] * rng.lognormal(0, 0.7, n), 0.5, 25_000), 2),
                            loc=loc, mcc=mi))
    return _to_frame(w, blocks)


def _travel(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Index into TRAVEL_DEST for the ``share`` of rows abroad, -1 for home."""
    abroad = rng.random(n) < share
    dest = rng.choice(len(TRAVEL_DEST), n, p=TRAVEL_P / TRAVEL_P.sum())
    return np.where(abroad, dest, -1)


def _to_frame(w: World, blocks: list[Block]) -> pl.DataFrame:
    def cat(attr: str, fill: int) -> np.ndarray:
        parts = []
        for b in blocks:
            v = getattr(b, attr)
            parts.append(np.full(len(b.ts), fill, dtype=np.int16) if v is None else np.asarray(v, dtype=np.int16))
        return np.concatenate(parts)

    ts = np.concatenate([b.ts for b in blocks]).astype(np.int64)
    src = np.concatenate([b.src for b in blocks]).astype(np.int64)
    dst = np.concatenate([b.dst for b in blocks]).astype(np.int64)
    usd = np.concatenate([b.usd for b in blocks]).astype(np.float64)
    cash = np.concatenate([np.full(len(b.ts), b.cash) for b in blocks])
    ch = np.concatenate([b.ch for b in blocks]).astype(np.int16)
    loc, mcc, ref = cat("loc", -1), cat("mcc", -1), cat("ref", -1)
    blocks.clear()
    # cap to the window
    end = w.start_us + w.cfg.days * US_PER_DAY - 1_000_000
    ts = np.clip(ts, w.start_us, end)
    acct = np.where(src >= 0, src, dst)
    ccy_idx = np.array([w.ccy_index[c] for c in w.pop["acct_ccy"].tolist()], dtype=np.int64)
    ci = ccy_idx[acct]
    rate = w.fx[ci, w.month_of_us(ts)]
    local = usd / rate
    unit = np.power(10.0, np.floor(np.log10(np.maximum(20.0 / w.fx[:, 1], 1.0))))[ci]
    amount = np.where(cash, np.maximum(np.round(local / unit), 1) * unit, np.round(local, 2))
    n = len(ts)
    keys = w.n_txns + np.arange(n, dtype=np.int64)
    w.n_txns += n
    return pl.DataFrame({
        "_key": keys,
        "_ts": ts,
        "_ch": ch,
        "_src": src,
        "_dst": dst,
        "amount": amount,
        "_loc": loc,
        "_mcc": mcc,
        "_ref": ref,
    })

