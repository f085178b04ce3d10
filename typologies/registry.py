"""Discovers the typology folders: one Python package per typology under ``typologies/``.

A folder ``typologies/<id>/`` (``tf_cash_01`` holds TF-CASH-01) is everything about one
typology (see ``docs/adding-a-typology.md``):

==================  ======================================================================
``typology.yaml``   metadata: id, name, description template, references, case weight,
                    goAML indicators (:class:`engine.detect.typology.Metadata`)
``detect.py``       the ``Params`` model and the :class:`~engine.detect.typology.Typology`
                    subclass (hooks, or a ``detect()`` of its own)
``*.sql``           the detection SQL (``detect.sql`` first), ``$name`` parameters bound
``plant.py``        the planter: ``plant(ctx)`` positives and ``benign(ctx)`` look-alikes
                    for ``ctfmon generate`` (a :class:`datagen.planters.PlantContext`)
``reading.sql``     the literal reading ``datagen.verify`` checks planted instances with
                    (per instance), and/or ``party_reading.sql`` (per party, also used to
                    cross-label overlaps), or ``reading.py`` for a reading in Python
``examples.yaml``   example cases, input rows -> expected alerts, run by one generic test
==================  ======================================================================

Adding a typology is adding such a folder: the scan, the generator, ``datagen.verify``,
case weights, goAML indicators and the docs all read it from here.  The layer above the
engine (the CLI today) hands these to the engine and to ``datagen``, which import nothing
from this package.  A folder without ``typology.yaml`` and ``detect.py`` is refused with
the file missing; the completeness of the rest is checked by ``tests/test_catalogue.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast

import typologies
from engine.detect.catalogue import Catalogue
from engine.detect.typology import METADATA_FILE, Typology
from engine.errors import CtfmonError

if TYPE_CHECKING:
    from datagen.planters import Planter

#: Files of a typology folder besides the metadata and the detector.
PLANTER, READING_SQL, PARTY_READING_SQL, READING_PY, EXAMPLES = (
    "plant.py", "reading.sql", "party_reading.sql", "reading.py", "examples.yaml")


@dataclass(frozen=True)
class Reading:
    """A typology's literal reading of its catalogue definition, for ``datagen.verify``.

    ``instances_sql`` answers, per planted instance of the label ``$tid``, whether it meets
    the definition; ``parties_sql`` gives the candidate parties (``cand``) that meet it with
    the transactions that show it; ``module`` (``reading.py``) may define ``instances(rc,
    label)`` and ``parties(rc)`` in Python instead."""

    instances_sql: str | None = None
    parties_sql: str | None = None
    module: ModuleType | None = None


@dataclass(frozen=True)
class Unit:
    """One typology folder."""

    id: str
    folder: Path
    detector: type[Typology]
    planter: Planter | None
    reading: Reading | None
    examples: Path | None


def _detector(module: ModuleType) -> type[Typology]:
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and issubclass(obj, Typology) and obj.__module__ == module.__name__
             and obj.folder is not None]
    if len(found) != 1:
        raise CtfmonError(f"{module.__file__}: expected one Typology subclass, found {len(found)}")
    return found[0]


def _unit(package: str, folder: Path) -> Unit:
    if not (folder / METADATA_FILE).is_file():
        raise CtfmonError(f"typology folder {folder} has no {METADATA_FILE}")
    if not (folder / "detect.py").is_file():
        raise CtfmonError(f"typology folder {folder} has no detect.py")
    detector = _detector(importlib.import_module(f"{package}.detect"))
    planter = cast("Planter", importlib.import_module(f"{package}.plant")) if (folder / PLANTER).is_file() else None
    texts = {name: (folder / name).read_text(encoding="utf-8")
             for name in (READING_SQL, PARTY_READING_SQL) if (folder / name).is_file()}
    module = importlib.import_module(f"{package}.reading") if (folder / READING_PY).is_file() else None
    reading = Reading(texts.get(READING_SQL), texts.get(PARTY_READING_SQL), module) if texts or module else None
    examples = folder / EXAMPLES if (folder / EXAMPLES).is_file() else None
    return Unit(detector.id, folder, detector, planter, reading, examples)


def discover() -> dict[str, Unit]:
    """Every typology folder found on ``typologies.__path__``, by id (id order)."""
    found: dict[str, Unit] = {}
    for info in pkgutil.iter_modules(typologies.__path__):
        if not info.ispkg or info.name.startswith("_"):
            continue
        spec = importlib.util.find_spec(f"typologies.{info.name}")
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(list(spec.submodule_search_locations)[0])
        unit = _unit(f"typologies.{info.name}", folder)
        if unit.id in found:
            raise CtfmonError(f"typology id {unit.id} is defined twice ({found[unit.id].folder}, {folder})")
        found[unit.id] = unit
    return dict(sorted(found.items()))


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    """Every typology folder of the package, by id (discovered once per process)."""
    return discover()


def catalogue() -> Catalogue:
    """The detectors, for the scan."""
    return Catalogue(u.detector for u in units().values())
