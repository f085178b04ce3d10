"""The detector base class: a typology's metadata, parameters, SQL and row-to-alert hooks.

A typology is one folder (a Python package under ``typologies/``) holding everything
about it.  The engine reads three of its files:

- ``typology.yaml`` — metadata (:class:`Metadata`): ``id``, ``name``, ``description`` (a
  template filled from the parameters in force, e.g. ``"at least {min_transactions} cash
  deposits ... ({threshold:,.0f})"``), ``references``, ``case_weight`` (the typology's
  weight in a case's risk score), ``goaml_indicators`` (goAML report indicator codes with
  their meaning) and ``depends_on`` (typologies whose alerts it reads, run first);
- ``detect.py`` — the pydantic ``Params`` model (the catalogue's defaults, every field
  described) and one subclass of :class:`Typology`, which gets the metadata above when it
  is defined;
- ``detect.sql`` (and any other ``.sql`` its ``detect()`` runs) — the detection query in
  the portable core of SQL over the scan's views, its values bound as ``$name`` parameters
  (:mod:`engine.detect.sql`).

The default :meth:`Typology.detect` runs ``detect.sql`` with the values of :meth:`bind`
(the parameters, the scan window and whatever derived values a typology adds) and turns
each row into alerts through small hooks: :meth:`subjects`, :meth:`window`,
:meth:`evidence`, :meth:`details`, :meth:`score` and :meth:`explanation`.  Their defaults
read the row's columns of the same names (``subject_type``/``subject_id`` or ``subjects``,
``window_start``/``window_end``, ``evidence``, ``details``, ``score``, ``explanation``), so a
typology whose SQL computes them needs no Python at all.  A detector that needs more than
one query and row shaping (the graph searches, the screening) overrides :meth:`detect`,
runs its SQL files with :meth:`query` and :meth:`execute`, and hands the rows it finds to
:meth:`alerts` like the default does.

The other files of the folder (planter, literal reading, example cases) belong to the
generator and the tests; the registry (``typologies.registry``) discovers the folders and
hands the scan a :class:`engine.detect.catalogue.Catalogue`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Generic

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.detect import sql
from engine.detect.base import Alert, P, Params, ScanContext
from engine.errors import CtfmonError

#: The base parameter model, named apart from the ``Params`` class attribute that shadows it.
AnyParams = Params
#: Metadata file of a typology folder.
METADATA_FILE = "typology.yaml"
#: Weight in a case's risk score of a typology whose metadata is not on record.
DEFAULT_CASE_WEIGHT = 0.8

#: One result row of a detection query, column name -> value.
Row = dict[str, Any]


class Metadata(BaseModel):
    """The ``typology.yaml`` of a typology folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z]+(-[A-Z]+)?-[0-9]{2}$", description="catalogue id, e.g. TF-CASH-01")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1, description="template filled from the parameters in force")
    references: tuple[str, ...] = Field(min_length=1)
    case_weight: float = Field(gt=0, le=1, description="weight in a case's risk score")
    goaml_indicators: dict[str, str] = Field(min_length=1, description="goAML indicator code -> meaning")
    depends_on: tuple[str, ...] = ()


def load_metadata(path: Path) -> Metadata:
    """The metadata file at ``path``; a bad file is an error naming it and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Metadata.model_validate(data)
    except yaml.YAMLError as exc:
        raise CtfmonError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "?"
        raise CtfmonError(f"{path}: {where}: {err.get('msg')}") from None


class Typology(Generic[P]):
    """Base class of a detector; ``Typology[MyParams]`` makes ``ctx.params`` a ``MyParams``."""

    id: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str] = ""
    references: ClassVar[tuple[str, ...]] = ()
    case_weight: ClassVar[float] = DEFAULT_CASE_WEIGHT
    goaml_indicators: ClassVar[Mapping[str, str]] = MappingProxyType({})
    depends_on: ClassVar[tuple[str, ...]] = ()  # typology ids whose alerts this one reads (run first)
    Params: ClassVar[type[Params]] = Params
    #: the typology's folder (where ``typology.yaml`` and its SQL files are); None for one without
    folder: ClassVar[Path | None] = None
    #: the query the default :meth:`detect` runs
    query_file: ClassVar[str] = "detect.sql"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        module_file = getattr(sys.modules.get(cls.__module__), "__file__", None)
        if module_file is None or "id" in cls.__dict__:
            return
        folder = Path(module_file).parent
        meta_file = folder / METADATA_FILE
        if not meta_file.is_file():
            return
        meta = load_metadata(meta_file)
        cls.folder = folder
        cls.id = meta.id
        cls.name = meta.name
        cls.description = meta.description
        cls.references = meta.references
        cls.case_weight = meta.case_weight
        cls.goaml_indicators = MappingProxyType(dict(meta.goaml_indicators))
        cls.depends_on = meta.depends_on

    # ------------------------------------------------------------------ description
    @classmethod
    def description_for(cls, params: AnyParams | None = None) -> str:
        """The description with the values of ``params`` (the defaults when None) filled in."""
        values = (params if params is not None else cls.Params()).model_dump()
        try:
            return cls.description.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise CtfmonError(f"typology {cls.id}: description template cannot be filled: {exc!r}") from None

    @classmethod
    def describe(cls, params: AnyParams | None = None) -> dict[str, Any]:
        """Metadata, description filled from ``params`` and every parameter with its default."""
        described = {
            name: {
                "default": f.default,
                "type": getattr(f.annotation, "__name__", str(f.annotation)),
                "description": f.description or "",
            }
            for name, f in cls.Params.model_fields.items()
        }
        return {
            "id": cls.id,
            "name": cls.name,
            "description": cls.description_for(params),
            "references": list(cls.references),
            "case_weight": cls.case_weight,
            "goaml_indicators": dict(cls.goaml_indicators),
            "params": described,
        }

    # ------------------------------------------------------------------ SQL
    def sql_path(self, name: str) -> Path:
        """The SQL file ``name`` of this typology's folder."""
        if self.folder is None:
            raise CtfmonError(f"typology {self.id} has no folder, so no SQL file {name}")
        return self.folder / name

    def bind(self, ctx: ScanContext[P]) -> dict[str, Any]:
        """Values for the ``$names`` of this typology's SQL: its parameters and the scan window
        (``$window_start``, ``$window_end``).  A typology adds derived values (an interval, a
        product of two parameters) by extending this."""
        values = ctx.params.model_dump()
        values.update(window_start=ctx.window_start, window_end=ctx.window_end)
        return values

    def query(self, ctx: ScanContext[P], name: str, **extra: Any) -> pl.DataFrame:
        """Rows of the folder's query ``name``, bound from :meth:`bind` and ``extra``."""
        return sql.query(ctx.con, self.sql_path(name), {**self.bind(ctx), **extra})

    def execute(self, ctx: ScanContext[P], name: str, **extra: Any) -> None:
        """Run the folder's statement ``name`` (e.g. a temp table), bound like :meth:`query`."""
        sql.execute(ctx.con, self.sql_path(name), {**self.bind(ctx), **extra})

    # ------------------------------------------------------------------ detection
    def detect(self, ctx: ScanContext[P]) -> list[Alert]:
        """Alerts of the scan window: :attr:`query_file` run, each row shaped by the hooks."""
        rows = self.query(ctx, self.query_file)
        return [alert for row in rows.iter_rows(named=True) for alert in self.alerts(row, ctx)]

    def alerts(self, row: Row, ctx: ScanContext[P]) -> list[Alert]:
        """The alerts of one result row: one per subject, sharing figures and evidence."""
        details = self.details(row, ctx)
        start, end = self.window(row, ctx)
        score = self.score(row, details, ctx)
        explanation = self.explanation(row, details, ctx)
        evidence = self.evidence(row, ctx)
        return [Alert(st, sid, score, start, end, evidence, explanation, details)
                for st, sid in self.subjects(row, ctx)]

    def subjects(self, row: Row, ctx: ScanContext[P]) -> list[tuple[str, str]]:
        """``(subject_type, subject_id)`` of each alert of the row: its ``subjects`` (a list of
        such pairs, for a row that alerts several parties) or its ``subject_type``/``subject_id``."""
        if "subjects" in row:
            return [(str(t), str(i)) for t, i in row["subjects"]]
        return [(str(row["subject_type"]), str(row["subject_id"]))]

    def window(self, row: Row, ctx: ScanContext[P]) -> tuple[datetime, datetime]:
        """First and last moment of the activity behind the row."""
        return row["window_start"], row["window_end"]

    def evidence(self, row: Row, ctx: ScanContext[P]) -> list[str]:
        """Ids of the records behind the row."""
        return [str(e) for e in row["evidence"] if e is not None]

    def details(self, row: Row, ctx: ScanContext[P]) -> dict[str, Any]:
        """The measured figures of the row (its ``details`` column: a struct or JSON text)."""
        value = row.get("details")
        if isinstance(value, str):
            return dict(json.loads(value))
        return dict(value or {})

    def score(self, row: Row, details: dict[str, Any], ctx: ScanContext[P]) -> float:
        """Strength of the indicator, 0..1."""
        return float(row["score"])

    def explanation(self, row: Row, details: dict[str, Any], ctx: ScanContext[P]) -> str:
        """One plain sentence with the figures."""
        return str(row["explanation"])
