"""The generator's working state: key spaces, FX rates, and the builder API planters use.

Every entity is first created under an integer key (party, account, transaction,
declaration, trade document).  String ids are assigned only at the end
(:mod:`datagen.finalize`), from a seeded permutation for parties and accounts and in time
order for transactions, declarations and trade documents, so that a planted row's id says
nothing about how it was made.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from datagen import geo, names
from engine.reference import jurisdiction_risk

#: The world's currencies and base rates, frozen apart from the shipped FX defaults.
WORLD_FX = Path(__file__).parent / "data" / "fx_world.csv"

US_PER_DAY = 86_400_000_000
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class GenConfig:
    """Arguments of one ``ctfmon generate`` run (also written to ``manifest.json``)."""

    seed: int
    transactions: int
    parties: int
    start: date
    days: int
    fmt: str = "parquet"
    typologies: tuple[str, ...] = ()
    profile: str = "default"
    inject_errors: float = 0.0

    @property
    def hard(self) -> bool:
        return self.profile == "hard"

    @property
    def everyday(self) -> bool:
        """The realistic and hard profiles build the everyday world; clean does not."""
        return self.profile in ("realistic", "hard")


def sub_rng(seed: int, name: str) -> np.random.Generator:
    """An independent, stable random stream for one component (a planter, the errors...)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


@dataclass
class Instance:
    """Bookkeeping handle a planter gets for one planted occurrence."""

    world: World
    typology_id: str
    instance_id: str

    def label(self, entity_type: str, key: int, role: str) -> None:
        self.world.labels.append((self.typology_id, self.instance_id, entity_type, int(key), role))

    def subject(self, pk: int) -> None:
        self.label("party", pk, "subject")

    def evidence(self, tk: int) -> None:
        self.label("transaction", tk, "evidence")


@dataclass
class World:
    cfg: GenConfig
    rng: np.random.Generator
    # reference
    currencies: list[str] = field(default_factory=list)
    ccy_index: dict[str, int] = field(default_factory=dict)
    fx: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # [currency, month] USD per unit
    month_starts: list[date] = field(default_factory=list)
    high_risk: dict[str, str] = field(default_factory=dict)
    # planted rows (python lists: planters are small)
    p_parties: list[dict[str, Any]] = field(default_factory=list)
    p_accounts: list[dict[str, Any]] = field(default_factory=list)
    p_txns: list[dict[str, Any]] = field(default_factory=list)
    p_decls: list[dict[str, Any]] = field(default_factory=list)
    p_trades: list[dict[str, Any]] = field(default_factory=list)
    labels: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    party_rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    account_rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    # key counters (normal population occupies [0, n_normal) in each space)
    n_parties: int = 0
    n_accounts: int = 0
    n_txns: int = 0
    n_decls: int = 0
    n_trades: int = 0
    # population handles used by planters (filled by population.build)
    pop: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ setup
    @classmethod
    def create(cls, cfg: GenConfig) -> World:
        w = cls(cfg=cfg, rng=sub_rng(cfg.seed, "world"))
        fx = pl.read_csv(WORLD_FX, comment_prefix="#", schema_overrides={"rate_to_base": pl.Float64})
        w.currencies = sorted(fx["currency"].to_list())
        w.ccy_index = {c: i for i, c in enumerate(w.currencies)}
        base = dict(zip(fx["currency"].to_list(), fx["rate_to_base"].to_list(), strict=True))
        # months from the one before the window to the one after it
        first = date(cfg.start.year, cfg.start.month, 1)
        first = (first - timedelta(days=1)).replace(day=1)
        end = cfg.start + timedelta(days=cfg.days + 31)
        months = []
        d = first
        while d <= end:
            months.append(d)
            d = (d + timedelta(days=32)).replace(day=1)
        w.month_starts = months
        frng = sub_rng(cfg.seed, "fx")
        steps = frng.normal(0.0, 0.012, size=(len(w.currencies), len(months)))
        steps[:, 0] = 0.0
        walk = np.exp(np.cumsum(steps, axis=1))
        rates = np.array([base[c] for c in w.currencies])[:, None] * walk
        rates[w.ccy_index["USD"], :] = 1.0
        w.fx = np.round(rates, 8)
        w.fx[w.fx <= 0] = 1e-8
        jr = jurisdiction_risk()
        w.high_risk = dict(zip(jr["country"].to_list(), jr["category"].to_list(), strict=True))
        return w

    # ------------------------------------------------------------------ time and money
    @property
    def start_us(self) -> int:
        return int((datetime.combine(self.cfg.start, datetime.min.time()) - EPOCH).total_seconds()) * 1_000_000

    def ts(self, day: float) -> int:
        """Microsecond timestamp ``day`` days (fractional) after the window start."""
        return self.start_us + int(round(day * US_PER_DAY / 1_000_000)) * 1_000_000

    def day_date(self, day: float) -> date:
        return self.cfg.start + timedelta(days=int(np.floor(day)))

    def month_of_us(self, ts_us: np.ndarray) -> np.ndarray:
        """Index into ``month_starts`` for microsecond timestamps (vectorised)."""
        edges = np.array(
            [(datetime.combine(m, datetime.min.time()) - EPOCH).total_seconds() * 1e6 for m in self.month_starts]
        )
        idx = np.searchsorted(edges, ts_us, side="right") - 1
        return np.clip(idx, 0, len(edges) - 1)

    def rate(self, ccy: str, ts_us: int) -> float:
        return float(self.fx[self.ccy_index[ccy], int(self.month_of_us(np.array([ts_us]))[0])])

    def to_local(self, usd: float, ccy: str, ts_us: int) -> float:
        return round(usd / self.rate(ccy, ts_us), 2)

    def is_high_risk(self, country: str) -> bool:
        return country in self.high_risk

    # ------------------------------------------------------------------ names
    def person_name(self, locale: str, rng: np.random.Generator) -> tuple[str, list[str]]:
        """A random name of ``locale`` that does not resemble a UN-listed name."""
        from datagen.population import _F_SPAN, _G_SPAN, _blocked

        blocked = _blocked()
        g0, f0 = _G_SPAN[locale][0], _F_SPAN[locale][0]
        ng, nf = len(names.GIVEN[locale]), len(names.FAMILY[locale])
        gi, fi = int(rng.integers(ng)), int(rng.integers(nf))
        for _ in range(ng):
            if not blocked[g0 + gi, f0 + fi]:
                break
            gi = (gi + 1) % ng
        return compose_name(locale, names.GIVEN[locale][gi], names.FAMILY[locale][fi])

    # ------------------------------------------------------------------ builder API
    def new_party(self, party_type: str, country: str, name: str, **kw: Any) -> int:
        key = self.n_parties
        self.n_parties += 1
        row = {"_key": key, "party_type": party_type, "country": country, "name": name}
        row.update(kw)
        self.p_parties.append(row)
        self.party_rows[key] = row
        return key

    def new_person(self, rng: np.random.Generator, country: str, nationality: str | None = None,
                   locale: str | None = None, **kw: Any) -> int:
        nat = nationality or country
        loc = locale or geo.BY_CODE[nat].locale
        name, alt = self.person_name(loc, rng)
        c = geo.BY_CODE[country]
        age = int(rng.integers(20, 66))
        fields: dict[str, Any] = {
            "alt_names": alt or None,
            "date_of_birth": self.cfg.start - timedelta(days=age * 365 + int(rng.integers(0, 365))),
            "nationality": nat,
            "city": c.cities[int(rng.integers(len(c.cities)))],
            "address": f"{int(rng.integers(1, 400))} {STREETS[int(rng.integers(len(STREETS)))]}",
            "id_number": f"{nat}{int(rng.integers(10_000_000, 99_999_999))}",
            "occupation": names.OCCUPATIONS[int(rng.integers(len(names.OCCUPATIONS)))],
            "registered_on": self.cfg.start - timedelta(days=int(rng.integers(200, 4000))),
            "risk_rating": "low" if rng.random() < 0.8 else "medium",
            "is_pep": False,
        }
        fields.update(kw)
        name = fields.pop("name", name)
        return self.new_party("individual", country, name, **fields)

    def new_business(self, rng: np.random.Generator, country: str, line: str | None = None, **kw: Any) -> int:
        a = names.BUSINESS_WORDS_A[int(rng.integers(len(names.BUSINESS_WORDS_A)))]
        b = names.BUSINESS_WORDS_B[int(rng.integers(len(names.BUSINESS_WORDS_B)))]
        suffix = names.LEGAL_SUFFIX.get(country, "Ltd")
        name = f"{suffix} {a} {b}" if suffix == "PT" else f"{a} {b} {suffix}"
        c = geo.BY_CODE[country]
        fields: dict[str, Any] = {
            "city": c.cities[int(rng.integers(len(c.cities)))],
            "address": f"{int(rng.integers(1, 900))} {STREETS[int(rng.integers(len(STREETS)))]}",
            "id_number": f"{country}-REG-{int(rng.integers(1_000_000, 9_999_999))}",
            "occupation": line or names.BUSINESS_LINES[int(rng.integers(len(names.BUSINESS_LINES)))][0],
            "registered_on": self.cfg.start - timedelta(days=int(rng.integers(400, 7000))),
            "risk_rating": "low" if rng.random() < 0.7 else "medium",
            "is_pep": False,
        }
        fields.update(kw)
        name = fields.pop("name", name)
        return self.new_party("business", country, name, **fields)

    def new_npo(self, rng: np.random.Generator, country: str, purpose: str, operating: list[str],
                **kw: Any) -> int:
        word = names.NPO_WORDS[int(rng.integers(len(names.NPO_WORDS)))]
        kinds = names.NPO_KINDS[purpose]
        name = f"{word} {kinds[int(rng.integers(len(kinds)))]}"
        c = geo.BY_CODE[country]
        fields: dict[str, Any] = {
            "city": c.cities[int(rng.integers(len(c.cities)))],
            "address": f"{int(rng.integers(1, 300))} {STREETS[int(rng.integers(len(STREETS)))]}",
            "id_number": f"{country}-NPO-{int(rng.integers(100_000, 999_999))}",
            "occupation": f"{purpose} charity",
            "registered_on": self.cfg.start - timedelta(days=int(rng.integers(400, 6000))),
            "npo_purpose": purpose,
            "npo_operating_countries": operating,
            "risk_rating": "medium",
            "is_pep": False,
        }
        fields.update(kw)
        name = fields.pop("name", name)
        return self.new_party("npo", country, name, **fields)

    def new_account(self, pk: int | None, account_type: str, country: str, currency: str | None = None,
                    opened_on: date | None = None, closed_on: date | None = None, *,
                    internal: bool = True, name: str | None = None) -> int:
        """An account.  ``internal=False`` makes an external account (not written to accounts)."""
        key = self.n_accounts
        self.n_accounts += 1
        row = {
            "_key": key, "_owner": -1 if pk is None else pk, "_internal": internal, "_name": name,
            "account_type": account_type, "country": country,
            "currency": currency or geo.BY_CODE[country].currency,
            "opened_on": opened_on if opened_on is not None else self.cfg.start - timedelta(days=900),
            "closed_on": closed_on,
            "_explicit_open": opened_on is not None,
        }
        self.p_accounts.append(row)
        self.account_rows[key] = row
        return key

    def new_external(self, name: str, country: str, account_type: str = "current",
                     currency: str | None = None, pk: int | None = None) -> int:
        return self.new_account(pk, account_type, country, currency, internal=False, name=name)

    def txn(self, ts: int, channel: str, src: int | None, dst: int | None, *, usd: float | None = None,
            amount: float | None = None, currency: str | None = None, **kw: Any) -> int:
        """A transaction; give ``usd`` (converted into the account currency) or ``amount``+``currency``."""
        key = self.n_txns
        self.n_txns += 1
        row = {"_key": key, "_ts": int(ts), "channel": channel, "_src": -1 if src is None else src,
               "_dst": -1 if dst is None else dst, "_usd": usd, "amount": amount, "currency": currency}
        row.update(kw)
        self.p_txns.append(row)
        return key

    def declaration(self, ts: int, **kw: Any) -> int:
        key = self.n_decls
        self.n_decls += 1
        row = {"_key": key, "_ts": int(ts), "_party": kw.pop("party", -1)}
        row.update(kw)
        self.p_decls.append(row)
        return key

    def trade(self, day: date, exporter: int, importer: int, **kw: Any) -> int:
        key = self.n_trades
        self.n_trades += 1
        row = {"_key": key, "date": day, "_exporter": exporter, "_importer": importer,
               "_payment": kw.pop("payment", -1)}
        row.update(kw)
        self.p_trades.append(row)
        return key

    def instance(self, typology_id: str) -> Instance:
        """A new planted occurrence, numbered per typology id (``TF-CASH-01:0007``)."""
        number = self.planted.get(typology_id, 0) + 1
        self.planted[typology_id] = number
        return Instance(self, typology_id, f"{typology_id}:{number:04d}")

    # ------------------------------------------------------------------ background activity
    def background(self, rng: np.random.Generator, pk: int, ak: int, day_from: float, day_to: float,
                   n: int, kinds: tuple[str, ...] = ("card", "atm")) -> list[int]:
        """Ordinary small activity on a planted party's account (card spending, ATM, salary),
        spread evenly over ``[day_from, day_to)``.  In the realistic profile a planted party
        lives in the everyday world: 30% of its card spending is a bill paid to one of the
        world's utilities or telcos, and its salary comes from one of the world's payroll
        employers.  In the hard profile the account also does ordinary business over the same
        period (:meth:`datagen.everyday.Everyday.ordinary_business`)."""
        owner_country = self._party_country(pk)
        out: list[int] = []
        if day_to <= day_from or n <= 0:
            return out
        # spread over the period (one every ~90 days at least), so that ordinary accounts do
        # not show long silent stretches that would read as dormancy
        n = max(n, int(np.ceil((day_to - day_from) / 90)))
        step = (day_to - day_from) / n
        ev = self.pop.get("everyday")  # the realistic profile's everyday world, when there is one
        for i in range(n):
            kind = kinds[int(rng.integers(len(kinds)))]
            day = float(day_from + (i + rng.random()) * step)
            if kind == "card":
                mcc, med = CARD_MCCS[int(rng.integers(len(CARD_MCCS)))]
                usd = round(float(med * rng.lognormal(0, 0.6)), 2)
                # the everyday world decides with its own generator, so that the planter's
                # draws (and so every planted value) are the same in every profile
                if ev is not None and ev.bg_rng.random() < 0.3:
                    biller, ref, usd = ev.bill_for(owner_country, ev.bg_rng)
                    out.append(self.txn(self.ts(day), "domestic_transfer", ak, biller, usd=usd, reference=ref))
                    continue
                out.append(self.txn(self.ts(day), "card_payment", ak, None, usd=usd, merchant_category=mcc,
                                    location_country=owner_country))
            elif kind == "atm":
                out.append(self.txn(self.ts(day), "atm_withdrawal", ak, None,
                                    usd=float(20 * int(rng.integers(2, 15))), location_country=owner_country))
            elif kind == "salary":
                name = self._employer_name(rng, owner_country)
                employer = ev.employer_for(owner_country, ev.bg_rng) if ev is not None else None
                if employer is None:
                    employer = self.new_external(name, owner_country, "business")
                out.append(self.txn(self.ts(day), "domestic_transfer", employer, ak,
                                    usd=round(float(2500 * rng.lognormal(0, 0.3)), 2), reference="SALARY"))
        if ev is not None and self.cfg.hard:
            out += ev.ordinary_business(pk, ak, owner_country, day_from, day_to, "salary" in kinds)
        return out

    def account_country(self, ak: int) -> str:
        row = self.account_rows.get(ak)
        return str(row["country"]) if row is not None else str(self.pop["acct_country"][ak])

    def party_row(self, pk: int) -> dict[str, Any]:
        """A planted party's fields (planters only look at the ones they created)."""
        return self.party_rows[pk]

    def _party_country(self, pk: int) -> str:
        row = self.party_rows.get(pk)
        return str(row["country"]) if row is not None else str(self.pop["party_country"][pk])

    def _employer_name(self, rng: np.random.Generator, country: str) -> str:
        a = names.BUSINESS_WORDS_A[int(rng.integers(len(names.BUSINESS_WORDS_A)))]
        b = names.BUSINESS_WORDS_B[int(rng.integers(len(names.BUSINESS_WORDS_B)))]
        return f"{a} {b} {names.LEGAL_SUFFIX.get(country, 'Ltd')}"


def compose_name(locale: str, given: tuple[str, str], family: tuple[str, str]) -> tuple[str, list[str]]:
    """(name as recorded, [Latin transliteration]) for one given/family pair."""
    if locale in names.FAMILY_FIRST:
        sep = "" if locale in ("zh", "ja", "ko") else " "
        native = f"{family[0]}{sep}{given[0]}"
        latin = f"{family[1]} {given[1]}"
    else:
        native = f"{given[0]} {family[0]}"
        latin = f"{given[1]} {family[1]}"
    return native, ([latin] if latin != native else [])


STREETS: tuple[str, ...] = (
    "Harbour Road", "Jalan Ampang", "Orchard Road", "Queen Street", "Avenida Reforma", "Main Street",
    "Nathan Road", "Sukhumvit Road", "Rizal Avenue", "Le Loi Street", "Jalan Sudirman", "George Street",
    "Nevsky Prospekt", "Gangnam-daero", "Chome Street", "Calle Larga", "Victoria Street", "Market Street",
)
#: (MCC, median USD amount) used for ordinary card spending.
CARD_MCCS: tuple[tuple[str, float], ...] = (
    ("5411", 45.0), ("5812", 28.0), ("5814", 9.0), ("5541", 40.0), ("5311", 60.0), ("5912", 18.0),
    ("4121", 14.0), ("5999", 30.0), ("4900", 85.0), ("4814", 40.0), ("5732", 180.0), ("5651", 55.0),
)
