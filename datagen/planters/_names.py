"""Listed names (a small extract of the UN Consolidated List shipped in ``datagen/data``),
the realistic variations planters apply to them, and a designated party made from one (the
SAN-01 subject that ML-NET-06 also plants as its seed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from datagen import geo

if TYPE_CHECKING:
    from datagen.planters import PlantContext
    from datagen.world import Instance

DATA = Path(__file__).resolve().parents[1] / "data" / "un_names.tsv"


@dataclass(frozen=True)
class Listed:
    reference: str
    kind: str  # individual | entity
    parts: tuple[str, ...]
    original_script: str
    aliases: tuple[str, ...]
    dob: str  # YYYY-MM-DD or YYYY
    nationality: str
    document: str

    @property
    def full(self) -> str:
        return " ".join(self.parts)


@lru_cache(maxsize=1)
def listed() -> tuple[Listed, ...]:
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("reference\t") or not line.strip():
            continue
        f = line.split("\t")
        parts = tuple(p for p in f[2:6] for p in [p.strip()] if p)
        out.append(Listed(f[0], f[1], parts, f[6], tuple(a for a in f[7].split("|") if a), f[8], f[9], f[10]))
    return tuple(out)


def individuals() -> tuple[Listed, ...]:
    return tuple(x for x in listed() if x.kind == "individual" and len(x.parts) >= 2 and x.nationality)


def entities() -> tuple[Listed, ...]:
    return tuple(x for x in listed() if x.kind == "entity" and x.parts)


_TRANSLIT = (
    ("MOHAMMED", "MUHAMMAD"), ("MOHAMMAD", "MUHAMMAD"), ("MUHAMMAD", "MOHAMED"), ("AHMAD", "AHMED"),
    ("AHMED", "AHMAD"), ("ABDUL", "ABD AL"), ("ABD AL", "ABDUL"), ("AL-", "AL "), ("OU", "U"), ("YOUSSEF", "YUSUF"),
    ("HUSSEIN", "HUSAYN"), ("HASSAN", "HASAN"), ("QA", "KA"), ("KH", "H"), ("EE", "I"), ("OO", "U"), ("J", "DJ"),
)


def _title(s: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() if w.isupper() or w.islower() else w for w in s.split())


def common_only(name: str) -> bool:
    """Every token of ``name`` is a world-wide common given or family name (Ahmad Mahmoud
    Hassan): on a payment such a name alone is no match (catalogue v2, "Common names")."""
    import re

    from datagen.everyday.build import COMMON_TOKENS

    toks = [t for t in re.split(r"[^A-Z0-9]+", name.upper()) if t]
    return bool(toks) and all(t in COMMON_TOKENS for t in toks)


def vary(entry: Listed, rng: np.random.Generator, mode: str | None = None) -> tuple[str, str]:
    """(variant name, how it was varied): another transliteration, a dropped middle name,
    swapped order, one typo or an alias; ``exact`` as recorded otherwise."""
    modes = ["translit", "drop_middle", "swap", "typo", "alias", "exact"]
    if mode is None:
        mode = modes[int(rng.integers(len(modes)))]
    parts = list(entry.parts)
    name = " ".join(parts)
    if mode == "translit":
        up = name.upper()
        for a, b in _TRANSLIT:
            if a in up:
                return _title(up.replace(a, b, 1)), mode
        mode = "typo"
    if mode == "drop_middle" and len(parts) >= 3:
        shorter = " ".join([parts[0], *parts[2:]])
        if len(shorter) >= 0.7 * len(name):  # a short middle name only: the rest still identifies
            return _title(shorter), mode
    if mode in ("drop_middle", "swap"):
        return _title(" ".join([parts[-1], *parts[:-1]])), "swap"
    if mode == "alias" and entry.aliases:
        return _title(entry.aliases[int(rng.integers(len(entry.aliases)))]), mode
    if mode in ("typo", "alias"):
        longest = max(range(len(parts)), key=lambda i: len(parts[i]))
        w = parts[longest]
        spots = [i for i in range(1, len(w) - 1) if w[i].isalpha() and w[i + 1].isalpha() and w[i] != w[i + 1]]
        if len(w) >= 5 and spots:
            i = spots[int(rng.integers(len(spots)))]
            w = w[:i] + w[i + 1] + w[i] + w[i + 2:]  # swap two adjacent letters of one word
            parts[longest] = w
            return _title(" ".join(parts)), "typo"
    return _title(name), "exact"


COMMON_FAMILY = ("Rahimi", "Siddiqui", "Haddad", "Karimi", "Mansour", "Santos", "Nguyen", "Tanaka", "Okafor", "Petrov")


@lru_cache(maxsize=1)
def _all_listed_names() -> tuple[str, ...]:
    return tuple(n.upper() for e in listed() for n in (e.full, *e.aliases))


def one_token(entry: Listed, rng: np.random.Generator) -> str:
    """A different person's name sharing one token with ``entry`` and not resembling any
    listed name or alias (best of plain and token-sort ratio below 75)."""
    from rapidfuzz import fuzz, process

    first = _title(entry.parts[0].split()[0])
    order = rng.permutation(len(COMMON_FAMILY))
    name = f"{first} {COMMON_FAMILY[int(order[0])]}"
    for i in order:
        fam = COMMON_FAMILY[int(i)]
        if fam.upper() in (p.upper() for p in entry.parts):
            continue
        name = f"{first} {fam}"
        a = process.extractOne(name.upper(), _all_listed_names(), scorer=fuzz.ratio)
        b = process.extractOne(name.upper(), _all_listed_names(), scorer=fuzz.token_sort_ratio)
        if max(a[1] if a else 0, b[1] if b else 0) < 75:
            return name
    return name


def _dob(ctx: PlantContext, dob: str) -> date:
    if len(dob) == 10:
        return date.fromisoformat(dob)
    return date(int(dob[:4]), 1, 1) + timedelta(days=int(ctx.rng.integers(0, 365)))


def designated_party(ctx: PlantContext, inst: Instance, entity: bool = False) -> tuple[int, int]:
    """Create a listed party (labelled as a SAN-01 subject on ``inst``); returns (party, account)."""
    w = ctx.w
    if entity and entities():
        e = entities()[int(ctx.rng.integers(len(entities())))]
        name, _how = vary(e, ctx.rng, "exact" if ctx.rng.random() < 0.5 else "typo")
        country = e.nationality if e.nationality in geo.BY_CODE else ctx.resident_country()
        pk, ak = ctx.business(country=country, background=3, name=name, alt_names=list(e.aliases[:1]) or None,
                              risk_rating="high")
    else:
        e = individuals()[int(ctx.rng.integers(len(individuals())))]
        name, _how = vary(e, ctx.rng)
        residence = e.nationality if e.nationality in geo.BY_CODE and ctx.rng.random() < 0.4 else ctx.resident_country()
        alts = [x for x in (e.original_script, e.full.title()) if x and x != name]
        kw: dict[str, object] = {"name": name, "alt_names": alts[:2] or None, "date_of_birth": _dob(ctx, e.dob),
                                 "risk_rating": "medium"}
        if e.document and ctx.rng.random() < 0.5:
            kw["id_number"] = e.document
        pk = w.new_person(ctx.rng, residence, e.nationality, locale="en", **kw)
        ak = w.new_account(pk, "current", residence)
        w.background(ctx.rng, pk, ak, 0, ctx.days, 6 * (2 if ctx.hard else 1), ("card", "atm"))
    inst.subject(pk)
    return pk, ak
