"""The typologies a scan can run, and the record of their metadata in the database.

:class:`Catalogue` is what the layer above hands the engine: the detector classes by id
(``typologies.registry`` builds it from the typology folders; the engine imports nothing
from there).  A scan records the metadata of every typology it runs in the table
``typology_catalogue`` (:func:`record`): name, case weight, goAML indicator codes and the
description filled with the parameters of that scan.  Cases (:mod:`engine.cases`) and
goAML reports (:mod:`engine.reports.goaml`) read their weights and indicators from that
table, so they need no registry and always agree with the typology that raised the
alerts; a typology id with no row (an alert from before the table existed) gets
:data:`engine.detect.typology.DEFAULT_CASE_WEIGHT` and :data:`FALLBACK_INDICATORS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import duckdb

from engine.detect.base import Params
from engine.detect.typology import Typology
from engine.errors import CtfmonError, NotFound
from engine.store import now_utc

#: goAML indicators of a typology whose metadata is not on record.
FALLBACK_INDICATORS: tuple[str, ...] = ("SCTFS",)

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS typology_catalogue (
  typology_id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  case_weight DOUBLE NOT NULL,
  goaml_indicators VARCHAR[] NOT NULL,
  description VARCHAR NOT NULL,
  recorded_at TIMESTAMP NOT NULL
)""",
]


class Catalogue(Mapping[str, type[Typology]]):
    """Detector classes by typology id (id order)."""

    def __init__(self, typologies: Iterable[type[Typology]]) -> None:
        found: dict[str, type[Typology]] = {}
        for t in typologies:
            if t.id in found and found[t.id] is not t:
                raise CtfmonError(f"typology id {t.id} is defined twice ({found[t.id].__module__}, {t.__module__})")
            found[t.id] = t
        self._by_id = dict(sorted(found.items()))

    def __getitem__(self, typology_id: str) -> type[Typology]:
        return self._by_id[typology_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def typology(self, typology_id: str) -> type[Typology]:
        """The typology ``typology_id``; an unknown id is :class:`NotFound` listing the known ones."""
        try:
            return self._by_id[typology_id]
        except KeyError:
            known = ", ".join(self._by_id) or "none"
            raise NotFound(f"unknown typology {typology_id!r}; known: {known}") from None

    def select(self, ids: Iterable[str] | None) -> list[type[Typology]]:
        """The typologies named by ``ids`` (all when None or empty); unknown ids are refused."""
        wanted = [i.strip() for i in ids or () if i.strip()]
        if not wanted:
            return list(self._by_id.values())
        return [self.typology(i) for i in wanted]


def record(con: duckdb.DuckDBPyConnection, typologies: Mapping[type[Typology], Params]) -> None:
    """Store (replace) the metadata of ``typologies``, descriptions filled from their parameters."""
    now = now_utc()
    rows = [[t.id, t.name, float(t.case_weight), list(t.goaml_indicators), t.description_for(p), now]
            for t, p in typologies.items()]
    if rows:
        con.executemany("INSERT OR REPLACE INTO typology_catalogue VALUES (?, ?, ?, ?, ?, ?)", rows)


def case_weights(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Recorded case weight per typology id."""
    return dict(con.execute("SELECT typology_id, case_weight FROM typology_catalogue").fetchall())


def goaml_indicators(con: duckdb.DuckDBPyConnection, typology_ids: Iterable[str]) -> list[str]:
    """goAML indicator codes of ``typology_ids`` in order, each once (:data:`FALLBACK_INDICATORS`
    for an id with no recorded metadata)."""
    ids = list(typology_ids)
    if not ids:
        return []
    recorded = dict(con.execute(
        "SELECT typology_id, goaml_indicators FROM typology_catalogue WHERE list_contains(?, typology_id)",
        [ids],
    ).fetchall())
    codes: list[str] = []
    for tid in ids:
        for code in recorded.get(tid) or FALLBACK_INDICATORS:
            if code not in codes:
                codes.append(code)
    return codes
