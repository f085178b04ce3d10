"""The machinery planters use: :class:`PlantContext` and the toolkit it hands them.

A planter is the ``plant.py`` of a typology folder (``typologies/<id>/plant.py``): it defines
``TYPOLOGY_ID``, ``plant(ctx)`` (positive instances satisfying the catalogue definition,
labelled) and ``benign(ctx)`` (look-alikes that come close but do not satisfy it, labelled
``benign:<name>``).  Planted subjects are fresh parties with a little ordinary background
activity.  Planters import nothing from ``datagen``: everything they build with comes
through their ``ctx`` (the world's builders, and the toolkit properties ``geo``, ``goods``,
``listed`` and ``trading``), and the generator receives them from its caller
(:func:`datagen.generate.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

import numpy as np

from datagen import geo
from datagen.world import Instance, World


@dataclass
class PlantContext:
    w: World
    rng: np.random.Generator
    n: int  # positive instances to plant
    n_benign: int  # look-alikes to plant
    hard: bool

    # -------------------------------------------------------------- helpers
    @property
    def days(self) -> int:
        return self.w.cfg.days

    def anchor(self, span: float, lo: float = 0.0) -> float:
        """A start day so that ``[day, day + span]`` fits in the window (after ``lo``)."""
        hi = max(lo, self.days - span - 0.5)
        return float(self.rng.uniform(lo, hi)) if hi > lo else lo

    def choice(self, items: tuple | list) -> object:  # type: ignore[type-arg]
        return items[int(self.rng.integers(len(items)))]

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def money(self, lo: float, hi: float) -> float:
        return round(float(self.rng.uniform(lo, hi)), 2)

    def resident_country(self) -> str:
        weights = np.array([geo.BY_CODE[c].weight for c in geo.APEC], dtype=float)
        return geo.APEC[int(self.rng.choice(len(geo.APEC), p=weights / weights.sum()))]

    def person(self, country: str | None = None, nationality: str | None = None, account_type: str = "current",
               background: int = 6, bg_kinds: tuple[str, ...] = ("card", "atm"), bg_from: float = 0.0,
               bg_to: float | None = None, **kw: object) -> tuple[int, int]:
        """A fresh individual with one account and some ordinary background activity."""
        c = country or self.resident_country()
        pk = self.w.new_person(self.rng, c, nationality, **kw)
        ak = self.w.new_account(pk, account_type, c)
        if background:
            self.w.background(self.rng, pk, ak, bg_from, self.days if bg_to is None else bg_to,
                              background * (2 if self.hard else 1), bg_kinds)
        return pk, ak

    def business(self, country: str | None = None, line: str | None = None, account_type: str = "business",
                 background: int = 4, **kw: object) -> tuple[int, int]:
        c = country or self.resident_country()
        pk = self.w.new_business(self.rng, c, line, **kw)
        ak = self.w.new_account(pk, account_type, c)
        if background:
            self.w.background(self.rng, pk, ak, 0, self.days, background, ("card",))
        return pk, ak

    def external_person(self, country: str) -> tuple[str, int]:
        """An external individual's account (owner not on file) and the name on it."""
        name, _ = self.w.person_name(geo.BY_CODE[country].locale, self.rng)
        return name, self.w.new_external(name, country, "current")

    def external_org(self, country: str, words: str = "Trading") -> tuple[str, int]:
        from datagen import names
        a = names.BUSINESS_WORDS_A[int(self.rng.integers(len(names.BUSINESS_WORDS_A)))]
        name = f"{a} {words} {names.LEGAL_SUFFIX.get(country, 'Ltd')}"
        return name, self.w.new_external(name, country, "business")

    def instance(self, typology_id: str) -> Instance:
        return self.w.instance(typology_id)

    def high_risk(self, categories: tuple[str, ...] | None = None) -> str:
        pool = sorted(c for c, cat in self.w.high_risk.items()
                      if (categories is None or cat in categories) and c in geo.BY_CODE)
        return str(self.choice(pool))

    # -------------------------------------------------------------- toolkit
    @property
    def geo(self) -> ModuleType:
        """:mod:`datagen.geo`: countries with their cities, airports, currencies and regions."""
        return geo

    @property
    def goods(self) -> ModuleType:
        """:mod:`datagen.trade`: the traded goods (``GOODS``, ``good(hs)``) and ``AIRLINES``."""
        from datagen import trade

        return trade

    @property
    def listed(self) -> ModuleType:
        """:mod:`datagen.planters._names`: listed names, their variations, ``designated_party``."""
        from datagen.planters import _names

        return _names

    @property
    def trading(self) -> ModuleType:
        """:mod:`datagen.planters._trade`: trader pairs and invoices with their payments."""
        from datagen.planters import _trade

        return _trade


class Planter(Protocol):
    """What the generator needs of a typology's planter (its ``plant.py`` module)."""

    TYPOLOGY_ID: str

    def plant(self, ctx: PlantContext) -> None: ...

    def benign(self, ctx: PlantContext) -> None: ...


def instances_for(transactions: int) -> int:
    """Positive instances per typology: at least 3, about 40 at 2M transactions, at most 120."""
    return int(min(120, max(3, round(40 * (transactions / 2_000_000) ** 0.6))))
