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

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "SAN-01"


def plant(ctx: PlantContext) -> None:
    for i in range(ctx.n):
        inst = ctx.instance(TYPOLOGY_ID)
        ctx.listed.designated_party(ctx, inst, entity=i % 5 == 4)


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    for _ in range(ctx.n_benign):
        inst = ctx.instance("benign:common_name_one_token")
        e = ctx.listed.individuals()[int(ctx.rng.integers(len(ctx.listed.individuals())))]
        country = ctx.resident_country()
        nat = country if country != e.nationality else "SG"
        pk = w.new_person(ctx.rng, country, nat, locale="en", name=ctx.listed.one_token(e, ctx.rng),
                          date_of_birth=date(1990 + int(ctx.rng.integers(0, 12)), 3, 14))
        ak = w.new_account(pk, "current", country)
        w.background(ctx.rng, pk, ak, 0, ctx.days, 6, ("card", "atm"))
        inst.subject(pk)
