"""SAN-01 designated party: a party whose name or alt name matches a UN-listed entry, with
qualifiers (birth date, nationality, document) agreeing.

Positives: a fresh party named after an entry of ``datagen/data/un_names.tsv`` with one
realistic variation (another transliteration, a dropped middle name, swapped order, one
typo, an alias, or as listed), the listed birth date (or a date in the listed birth year)
and nationality, the listed document number when there is one, the original-script name or
the listed spelling in ``alt_names``; every fifth one is a listed entity (a business).
Ordinary background card/ATM activity only.
Look-alike ``benign:common_name_one_token``: a person sharing one name token with a listed
individual, with another birth date and nationality.
"""

from __future__ import annotations

from datetime import date, timedelta

from datagen import geo
from datagen.planters import PlantContext
from datagen.planters._names import entities, individuals, one_token, vary
from datagen.world import Instance

TYPOLOGY_ID = "SAN-01"


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


def plant(ctx: PlantContext) -> None:
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        designated_party(ctx, inst, entity=i % 5 == 4)


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:common_name_one_token")
        e = individuals()[int(ctx.rng.integers(len(individuals())))]
        country = ctx.resident_country()
        nat = country if country != e.nationality else "SG"
        pk = w.new_person(ctx.rng, country, nat, locale="en", name=one_token(e, ctx.rng),
                          date_of_birth=date(1990 + int(ctx.rng.integers(0, 12)), 3, 14))
        ak = w.new_account(pk, "current", country)
        w.background(ctx.rng, pk, ak, 0, ctx.days, 6, ("card", "atm"))
        inst.subject(pk)
