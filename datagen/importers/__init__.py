"""Importers for public synthetic AML datasets: IBM AMLSim and IBM AMLworld.

Each importer reads the dataset's own files and writes contract files (``parties``,
``accounts``, ``transactions``, optionally ``fx_rates``) plus ``labels`` and a
``manifest.json`` into an output directory, ready for ``ctfmon ingest OUT``.  Pattern
names map to typology ids (:data:`PATTERN_TYPOLOGY`); the subjects of each pattern follow
the project's label conventions (:func:`pattern_roles`).
"""

from datagen.importers.common import PATTERN_TYPOLOGY, pattern_roles

__all__ = ["PATTERN_TYPOLOGY", "pattern_roles"]
