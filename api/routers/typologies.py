"""Typologies: the detectors with their live parameters; parameter changes are change requests
that a second person approves (four eyes) before they go live, as numbered versions; rollback
is one action."""

from __future__ import annotations

from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, Query

from api.deps import DB, Con, Reader, Typologies, require
from api.models import ERROR_RESPONSES, TypologyOut
from api.tuning_models import ChangeOut, DecisionIn, ParamsIn, RollbackIn, VersionOut
from engine import param_versions, scan
from engine.auth import User
from engine.detect.typology import Typology
from services import typologies as typology_service

router = APIRouter(prefix="/typologies", tags=["typologies"], responses=ERROR_RESPONSES)

Admin = Annotated[User, Depends(require("typology.params"))]


def _out(con: duckdb.DuckDBPyConnection, typ: type[Typology]) -> TypologyOut:
    params = scan.effective_params(con, typ)
    return TypologyOut(**typ.describe(params), effective=params.model_dump())


@router.get("", response_model=list[TypologyOut], summary="Every typology with its live parameters")
def list_typologies(con: Con, _user: Reader, catalogue: Typologies) -> list[TypologyOut]:
    return [_out(con, typ) for typ in catalogue.values()]


@router.get("/changes", response_model=list[ChangeOut], summary="Parameter change requests, newest first")
def list_changes(con: Con, _user: Reader, status: str | None = Query(None, pattern="^(pending|approved|rejected|withdrawn)$"),
                 typology: str | None = None) -> list[ChangeOut]:
    return [ChangeOut(**c) for c in param_versions.list_changes(con, typology_id=typology, status=status)]


@router.post("/changes/{change_id}/approve", response_model=ChangeOut,
             summary="Approve a pending change (not its proposer): it goes live as a new version")
def approve_change(change_id: str, body: DecisionIn, db: DB, user: Admin, catalogue: Typologies) -> ChangeOut:
    with db.writing() as con:
        return ChangeOut(**typology_service.approve(con, catalogue, change_id, actor=user.name, note=body.note))


@router.post("/changes/{change_id}/reject", response_model=ChangeOut,
             summary="Reject a pending change (withdraw it, for its proposer)")
def reject_change(change_id: str, body: DecisionIn, db: DB, user: Admin) -> ChangeOut:
    with db.writing() as con:
        return ChangeOut(**typology_service.reject(con, change_id, actor=user.name, note=body.note))


@router.get("/{typology_id}", response_model=TypologyOut, summary="One typology")
def get_typology(typology_id: str, con: Con, _user: Reader, catalogue: Typologies) -> TypologyOut:
    return _out(con, catalogue.typology(typology_id))


@router.post("/{typology_id}/changes", response_model=ChangeOut, status_code=201,
             summary="Propose a parameter change with a reason (admin); live after a second admin approves")
def propose_change(typology_id: str, body: ParamsIn, db: DB, user: Admin, catalogue: Typologies) -> ChangeOut:
    with db.writing() as con:
        return ChangeOut(**typology_service.propose(con, catalogue, typology_id, body.values, reason=body.reason,
                                                    actor=user.name))


@router.put("/{typology_id}/params", response_model=ChangeOut, status_code=202,
            summary="Propose parameter values (same as POST .../changes): not live until approved")
def set_params(typology_id: str, body: ParamsIn, db: DB, user: Admin, catalogue: Typologies) -> ChangeOut:
    return propose_change(typology_id, body, db, user, catalogue)


@router.get("/{typology_id}/versions", response_model=list[VersionOut], summary="Parameter versions, newest first")
def list_versions(typology_id: str, con: Con, _user: Reader, catalogue: Typologies) -> list[VersionOut]:
    catalogue.typology(typology_id)
    return [VersionOut(**v) for v in param_versions.list_versions(con, typology_id)]


@router.post("/{typology_id}/rollback", response_model=VersionOut,
             summary="Restore the values before the latest version (one audited action, a new version)")
def rollback(typology_id: str, body: RollbackIn, db: DB, user: Admin, catalogue: Typologies) -> VersionOut:
    with db.writing() as con:
        return VersionOut(**typology_service.rollback(con, catalogue, typology_id, actor=user.name,
                                                      reason=body.reason, to_version=body.to_version))
