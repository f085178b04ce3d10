"""Typology parameters: catalogue defaults < stored overrides (table ``typology_params``) <
per-scan values, validated by each typology's ``Params`` model; a bad name or value is refused
naming the typology and the parameter."""

from __future__ import annotations

import json
import logging
from typing import Any

import duckdb
from pydantic import ValidationError

from engine.detect.base import Params
from engine.detect.typology import Typology
from engine.errors import CtfmonError
from engine.store import now_utc, transaction

log = logging.getLogger(__name__)


def _format_validation(typology_id: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(x) for x in err.get("loc", ())) or "?"
        if err.get("type") == "extra_forbidden":
            parts.append(f"unknown parameter {name!r}")
        else:
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"parameter {name!r}: {msg} (got {err.get('input')!r})")
    return f"typology {typology_id}: " + "; ".join(parts)


def validate_params(typology: type[Typology], values: dict[str, Any]) -> Params:
    """Build the typology's Params from ``values``; bad names/values raise CtfmonError."""
    if not isinstance(values, dict):
        raise CtfmonError(f"typology {typology.id}: parameters must be a mapping of name to value")
    known = ", ".join(typology.Params.model_fields) or "none"
    unknown = [k for k in values if k not in typology.Params.model_fields]
    if unknown:
        raise CtfmonError(
            f"typology {typology.id}: unknown parameter {unknown[0]!r}; known parameters: {known}"
        )
    try:
        return typology.Params(**values)
    except ValidationError as exc:
        raise CtfmonError(_format_validation(typology.id, exc)) from None


def _stored_overrides(con: duckdb.DuckDBPyConnection, typology_id: str) -> dict[str, Any]:
    row = con.execute(
        "SELECT params FROM typology_params WHERE typology_id = ?", [typology_id]
    ).fetchone()
    if not row or row[0] is None:
        return {}
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return dict(value)


def get_typology_params(con: duckdb.DuckDBPyConnection, typology: type[Typology]) -> dict[str, Any]:
    """The effective parameters of a typology: catalogue defaults overlaid by stored overrides."""
    return effective_params(con, typology).model_dump()


def effective_params(con: duckdb.DuckDBPyConnection, typology: type[Typology]) -> Params:
    """The typology's Params in force: catalogue defaults overlaid by stored overrides."""
    return validate_params(typology, _stored_overrides(con, typology.id))


def get_typology_overrides(con: duckdb.DuckDBPyConnection, typology: type[Typology]) -> dict[str, Any]:
    """Only the stored overrides of a typology (names whose value differs from the catalogue)."""
    return _stored_overrides(con, typology.id)


def set_typology_params(
    con: duckdb.DuckDBPyConnection, typology: type[Typology], values: dict[str, Any]
) -> dict[str, Any]:
    """Store parameter overrides for a typology and return its effective parameters.

    ``values`` is merged into the stored overrides; a value of ``None`` removes that
    override (back to the catalogue default).  Everything is validated with the typology's
    Params model before anything is stored.
    """
    typ, typology_id = typology, typology.id
    merged = _stored_overrides(con, typology_id)
    for k, v in values.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    model = validate_params(typ, merged)
    dumped = model.model_dump()
    overrides = {k: dumped[k] for k in merged}
    with transaction(con):
        con.execute("DELETE FROM typology_params WHERE typology_id = ?", [typology_id])
        con.execute(
            "INSERT INTO typology_params VALUES (?, ?, ?)",
            [typology_id, json.dumps(overrides, default=str), now_utc()],
        )
    log.info("typology %s parameters set: %s", typology_id, overrides)
    return dumped


def resolve_params(
    con: duckdb.DuckDBPyConnection,
    typology: type[Typology],
    per_scan: dict[str, Any] | None = None,
) -> Params:
    """Catalogue defaults < stored overrides < per-scan values, validated."""
    values = _stored_overrides(con, typology.id)
    values.update(per_scan or {})
    return validate_params(typology, values)


def parse_param_assignments(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["TF-CASH-01.threshold=12000", ...]`` -> ``{"TF-CASH-01": {"threshold": "12000"}}``.

    Values stay strings (JSON literals such as ``true``, ``[1,2]`` are decoded); the
    typology's Params model converts and validates them.
    """
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        tid, dot, name = key.strip().rpartition(".")
        if not sep or not dot or not tid or not name:
            raise CtfmonError(f"--param {item!r}: expected TYPOLOGY_ID.parameter=value")
        value: Any = raw.strip()
        if value[:1] in "[{" or value in ("true", "false", "null"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        out.setdefault(tid, {})[name] = value
    return out
