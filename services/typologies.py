"""The typology catalogue as the faces see it, and parameter changes under four eyes.

The catalogue is built by :mod:`typologies.registry` from the typology folders, looked up
on every call (so a test may hand in another catalogue)."""

from __future__ import annotations

from typing import Any

import duckdb

from engine import param_versions, scan
from engine.detect.catalogue import Catalogue
from typologies import registry


def catalogue() -> Catalogue:
    """Every registered typology (what scans run)."""
    return registry.catalogue()


def units() -> dict[str, Any]:
    """Every typology folder's unit (detector, planter, literal reading ...)."""
    return registry.units()


def propose(con: duckdb.DuckDBPyConnection, cat: Catalogue, typology_id: str, values: dict[str, Any], *,
            reason: str | None, actor: str) -> dict[str, Any]:
    """A parameter change request (``None`` puts a parameter back to its default); it goes live
    only when a second person approves it (:mod:`engine.param_versions`)."""
    return param_versions.propose(con, cat.typology(typology_id), values, reason=reason, actor=actor)


def approve(con: duckdb.DuckDBPyConnection, cat: Catalogue, change_id: str, *, actor: str,
            note: str | None = None) -> dict[str, Any]:
    """Approve a pending change (not its proposer): it goes live as a new parameter version."""
    change = param_versions.get_change(con, change_id)
    return param_versions.approve(con, cat.typology(change["typology_id"]), change_id, actor=actor, note=note)


def reject(con: duckdb.DuckDBPyConnection, change_id: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    return param_versions.reject(con, change_id, actor=actor, note=note)


def rollback(con: duckdb.DuckDBPyConnection, cat: Catalogue, typology_id: str, *, actor: str,
             reason: str | None = None, to_version: int | None = None) -> dict[str, Any]:
    """Restore a typology's previous parameters in one action (a new, audited version)."""
    return param_versions.rollback(con, cat.typology(typology_id), actor=actor, reason=reason, to_version=to_version)


def overview(con: duckdb.DuckDBPyConnection, cat: Catalogue, typology_id: str) -> dict[str, Any]:
    """One typology as the typologies page shows it: description with the live values, each
    parameter's default and live value, pending change requests and version history."""
    typ = cat.typology(typology_id)
    live = scan.effective_params(con, typ)
    d = typ.describe(live)
    return {**d, "effective": live.model_dump(), "overrides": scan.get_typology_overrides(con, typ),
            "pending": param_versions.list_changes(con, typology_id=typology_id, status="pending"),
            "changes": param_versions.list_changes(con, typology_id=typology_id),
            "versions": param_versions.list_versions(con, typology_id)}
