"""The typology framework: what every detector module provides and receives.

A typology module in this package defines one subclass of :class:`Typology` with
``id``, ``name``, ``description``, ``references``, a pydantic ``Params`` model holding the
catalogue defaults, and ``detect(ctx)`` returning :class:`Alert` objects.  The registry
(:mod:`typologies.registry`) discovers them; nothing else needs editing to add one.

Detection is set-based SQL over the scan's views (see :class:`ScanContext`), written in
the portable core of SQL (CTEs, joins, window functions, CASE), so that the same query can
be transpiled for another engine.  Python only post-processes the small candidate result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, get_origin

import duckdb
import polars as pl
from pydantic import BaseModel, ConfigDict, model_validator


class Params(BaseModel):
    """Base for typology parameters: unknown names are refused, values are validated.

    A list parameter also takes a JSON list or one comma-separated string (``--param
    TF-PASS-01.excluded_account_types=correspondent,money_service``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            info = cls.model_fields.get(name)
            if isinstance(value, str) and info is not None and get_origin(info.annotation) in (tuple, list):
                text = value.strip()
                if text.startswith("["):
                    try:
                        out[name] = json.loads(text)
                        continue
                    except json.JSONDecodeError:
                        pass
                out[name] = tuple(v.strip() for v in text.split(",") if v.strip())
        return out


@dataclass
class Alert:
    """One alert as a detector produces it (the scan adds ids, typology and scan id).

    ``subject_type`` is ``party`` or ``account``; an account subject whose owner is on
    file is re-attributed to the owning party by the scan.  ``details`` holds the measured
    figures (and for graph typologies ``nodes``/``edges``); ``explanation`` is one plain
    sentence built from them.
    """

    subject_type: str
    subject_id: str
    score: float
    window_start: datetime
    window_end: datetime
    evidence: list[str]
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)

    def details_json(self) -> str:
        return json.dumps(self.details, default=str, sort_keys=True)


@dataclass
class ScanContext:
    """What a detector sees.

    Views available on ``con`` for the duration of the scan (all timestamps naive UTC,
    money in the base currency in ``*_base`` columns):

    - ``scan_transactions``, ``scan_cash_declarations``, ``scan_trade_documents``: the
      contract tables restricted to ``[window_start, window_end]``;
    - the full tables ``transactions``, ``accounts``, ``parties``, ... for history
      (e.g. dormancy needs activity before the window);
    - ``ref_jurisdiction_risk(country, category, weight)``: the high-risk jurisdictions;
    - ``ref_mcc_groups(mcc_from, mcc_to, mcc_group)``: merchant category groups.
    """

    con: duckdb.DuckDBPyConnection
    scan_id: str
    window_start: datetime
    window_end: datetime
    params: Params

    def sql(self, query: str, params: list[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a query and return a polars frame."""
        return self.con.sql(query, params=params).pl()


class Typology:
    """Base class of a detector.  Subclasses set the class attributes and ``detect``."""

    id: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    references: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type[Params]] = Params
    depends_on: ClassVar[tuple[str, ...]] = ()  # typology ids whose alerts this one reads (run first)

    def detect(self, ctx: ScanContext) -> list[Alert]:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must define detect()")

    @classmethod
    def describe(cls) -> dict[str, Any]:
        params = {
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
            "description": cls.description,
            "references": list(cls.references),
            "params": params,
        }
