"""Typologies: the detectors with their parameters; admins change parameter values."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import DB, Con, Reader, require
from api.models import ERROR_RESPONSES, ParamsIn, TypologyOut
from engine import audit, scan
from engine.auth import User
from typologies import registry

router = APIRouter(prefix="/typologies", tags=["typologies"], responses=ERROR_RESPONSES)

Admin = Annotated[User, Depends(require("typology.params"))]


def _out(con: object, typology_id: str) -> TypologyOut:
    typ = registry.get(typology_id)
    return TypologyOut(**typ.describe(), effective=scan.get_typology_params(con, typology_id))


@router.get("", response_model=list[TypologyOut], summary="Every typology with its parameters")
def list_typologies(con: Con, _user: Reader) -> list[TypologyOut]:
    return [_out(con, tid) for tid in registry.all_typologies()]


@router.get("/{typology_id}", response_model=TypologyOut, summary="One typology")
def get_typology(typology_id: str, con: Con, _user: Reader) -> TypologyOut:
    return _out(con, typology_id)


@router.put("/{typology_id}/params", response_model=TypologyOut, summary="Set parameter values (admin)")
def set_params(typology_id: str, body: ParamsIn, db: DB, user: Admin) -> TypologyOut:
    with db.writing() as con:
        registry.get(typology_id)
        before = scan.get_typology_params(con, typology_id)
        after = scan.set_typology_params(con, typology_id, body.values)
        audit.record(con, audit.AuditEvent(user.name, "typology.params", "typology", typology_id,
                                           before, after))
        return _out(con, typology_id)
