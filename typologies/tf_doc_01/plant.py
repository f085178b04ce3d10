"""TF-DOC-01 lost, stolen or invalid travel documents (one variant per instance, in turn):

- ``listed_declaration``: a traveller on file crosses 1-2 times, 2-330 days into the data, on a
  document number of the shipped sample list (``engine/screening/data/sample_lost_stolen_
  documents_2026-11-30.csv``, synthetic) reported before the data start, declaring the list's
  issuing country as nationality; the number is written as the list has it, in lower case, or
  with spaces or dashes (hard: always rewritten);
- ``listed_identity``: a customer onboarded 1-400 days after the listed document was reported,
  with that document as its ``id_number``;
- ``shared_number``: 2-3 travellers on file (different names and birth dates) declare one
  document number within 60 days.
When the sample list has no entry reported before the data start (a ``--start`` before 2018),
the listed variants plant ``shared_number`` instead.

Look-alikes: ``benign:valid_documents`` (a traveller whose number differs from a listed one by
one digit), ``benign:reported_after_use`` (a traveller who crossed on a listed document 3-60
days before it was reported; when no entry of the list falls inside the data, a name-variant
traveller instead) and ``benign:same_traveller_variants`` (one traveller on file declaring one
number 3 times with the name written differently: as on file, its Latin spelling in upper case,
family name first; the third declaration is not linked to the party).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from engine.screening.documents import number_key, sample_entries

if TYPE_CHECKING:
    from datagen.planters import PlantContext

TYPOLOGY_ID = "TF-DOC-01"
VARIANTS = ("listed_declaration", "listed_identity", "shared_number")
SAFE_ABROAD = ("JP", "SG", "HK", "US", "AU", "KR", "TH", "GB", "AE", "CA")


def _entries(ctx: PlantContext, before: date | None = None, after: date | None = None) -> list[Any]:
    """Sample-list entries of countries the generator knows, reported in (after, before)."""
    out = [e for e in sample_entries() if e.issuing_country in ctx.geo.BY_CODE
           and (before is None or date.fromisoformat(e.reported_on) < before)
           and (after is None or date.fromisoformat(e.reported_on) > after)]
    order = ctx.rng.permutation(len(out))
    return [out[int(i)] for i in order]


def _written(ctx: PlantContext, number: str) -> str:
    """The number as a traveller's form may carry it."""
    key = number_key(number)
    r = ctx.rng.random()
    if ctx.hard or r < 0.5:
        return str(ctx.choice((key.lower(), f"{key[:2]} {key[2:]}", f"{key[:2]}-{key[2:5]}-{key[5:]}")))
    return number


def _declare(ctx: PlantContext, pk: int, name: str, number: str, nationality: str, day: float,
             inbound: bool | None = None) -> int:
    w = ctx.w
    home = w._party_country(pk) if pk >= 0 else nationality
    abroad = str(ctx.choice([c for c in SAFE_ABROAD if c != home]))
    inbound = bool(ctx.rng.random() < 0.5) if inbound is None else inbound
    return w.declaration(
        w.ts(day), party=pk, traveller_name=name, document_number=number, nationality=nationality,
        direction="inbound" if inbound else "outbound", port=ctx.geo.BY_CODE[home].airport,
        origin_country=abroad if inbound else home, destination_country=home if inbound else abroad,
        _usd=ctx.money(10_500, 30_000), currency="USD", declared=True,
        transport_ref=f"{ctx.choice(ctx.goods.AIRLINES)}{int(ctx.rng.integers(1, 999)):03d}",
        purpose=str(ctx.choice(("business travel", "family visit", "tourism"))),
    )


def _shared(ctx: PlantContext) -> None:
    w = ctx.w
    inst = ctx.instance(TYPOLOGY_ID)
    nat = ctx.resident_country()
    number = f"{nat}{int(ctx.rng.integers(10_000_000, 99_999_999))}"
    day0 = ctx.anchor(60)
    for _ in range(int(ctx.rng.integers(2, 4))):
        pk, _ak = ctx.person(country=nat, nationality=nat, background=3)
        inst.subject(pk)
        inst.label("cash_declaration", _declare(ctx, pk, w.party_row(pk)["name"], _written(ctx, number), nat,
                                                day0 + ctx.uniform(0, 60)), "evidence")


def plant(ctx: PlantContext) -> None:
    w = ctx.w
    start = w.cfg.start
    pool = _entries(ctx, before=start)
    for i in range(ctx.n):
        variant = VARIANTS[i % len(VARIANTS)]
        if variant == "shared_number" or not pool:
            _shared(ctx)
            continue
        e = pool.pop()
        inst = ctx.instance(TYPOLOGY_ID)
        nat = str(e.issuing_country)
        reported = date.fromisoformat(e.reported_on)
        if variant == "listed_declaration":
            pk, _ak = ctx.person(nationality=nat, background=4)
            inst.subject(pk)
            name = w.party_row(pk)["name"]
            for _ in range(int(ctx.rng.integers(1, 3))):
                day = ctx.uniform(2, min(330.0, ctx.days - 1.0))
                inst.label("cash_declaration", _declare(ctx, pk, name, _written(ctx, e.document_number), nat, day),
                           "evidence")
        else:  # listed_identity: onboarded on the listed document after it was reported
            onboard = reported + timedelta(days=int(ctx.rng.integers(1, 401)))
            onboard = min(onboard, start + timedelta(days=ctx.days - 1))
            pk, _ak = ctx.person(nationality=nat, background=4, id_number=_written(ctx, e.document_number),
                                 registered_on=onboard, bg_from=max(0.0, float((onboard - start).days)))
            inst.subject(pk)


def benign(ctx: PlantContext) -> None:
    w = ctx.w
    start = w.cfg.start
    near = _entries(ctx, before=start)
    later = _entries(ctx, after=start + timedelta(days=4), before=start + timedelta(days=ctx.days))
    for i in range(ctx.n_benign):
        kind = ("valid_documents", "reported_after_use", "same_traveller_variants")[i % 3]
        if kind == "valid_documents" and near:
            e = near[int(ctx.rng.integers(len(near)))]
            key = number_key(e.document_number)
            last = int(key[-1])
            number = key[:-1] + str((last + 1 + int(ctx.rng.integers(0, 8))) % 10)
            inst = ctx.instance("benign:valid_documents")
            pk, _ak = ctx.person(nationality=str(e.issuing_country), background=4)
            inst.subject(pk)
            inst.label("cash_declaration", _declare(ctx, pk, w.party_row(pk)["name"], number, str(e.issuing_country),
                                                    ctx.uniform(1, ctx.days - 1)), "evidence")
            continue
        if kind == "reported_after_use" and later:
            e = later.pop()
            reported = (date.fromisoformat(e.reported_on) - start).days
            day = reported - ctx.uniform(3, 60)
            if day > 0.5:
                inst = ctx.instance("benign:reported_after_use")
                pk, _ak = ctx.person(nationality=str(e.issuing_country), background=4)
                inst.subject(pk)
                inst.label("cash_declaration", _declare(ctx, pk, w.party_row(pk)["name"], e.document_number,
                                                        str(e.issuing_country), day), "evidence")
                continue
        # one traveller, one number, the name written three ways; the last crossing is not
        # linked to the party on file
        inst = ctx.instance("benign:same_traveller_variants")
        nat = ctx.resident_country()
        pk, _ak = ctx.person(country=nat, nationality=nat, background=4)
        inst.subject(pk)
        row = w.party_row(pk)
        name = (row.get("alt_names") or [row["name"]])[0]  # the Latin spelling of a name in another script
        parts = name.split()
        variants = [row["name"], name.upper(), (f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name)]
        number = f"{nat}{int(ctx.rng.integers(10_000_000, 99_999_999))}"
        day0 = ctx.anchor(80)
        for j, shown in enumerate(variants):
            inst.label("cash_declaration", _declare(ctx, pk if j < 2 else -1, shown, number, nat,
                                                    day0 + 40 * j + ctx.uniform(0, 1)), "evidence")
