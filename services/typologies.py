"""The typology catalogue as the faces see it, and audited parameter changes.

The catalogue is built by :mod:`typologies.registry` from the typology folders, looked up
on every call (so a test may hand in another catalogue)."""

from __future__ import annotations

from typing import Any

import duckdb

from engine import audit, scan
from engine.detect.catalogue import Catalogue
from engine.store import transaction
from typologies import registry


def catalogue() -> Catalogue:
    """Every registered typology (what scans run)."""
    return registry.catalogue()


def units() -> dict[str, Any]:
    """Every typology folder's unit (detector, planter, literal reading ...)."""
    return registry.units()


def set_params(con: duckdb.DuckDBPyConnection, cat: Catalogue, typology_id: str, values: dict[str, Any], *,
               actor: str) -> dict[str, Any]:
    """Store parameter overrides (``None`` removes one) and write a ``typology.params`` entry
    with the effective parameters before and after; returns the effective parameters."""
    typ = cat.typology(typology_id)
    with transaction(con):  # the change and its audit entry together, or neither
        before = scan.get_typology_params(con, typ)
        after = scan.set_typology_params(con, typ, values)
        audit.record(con, audit.AuditEvent(actor, "typology.params", "typology", typology_id, before, after))
    return after
