"""Typologies: the detectors with their parameters; admins change parameter values."""

from __future__ import annotations

from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends

from api.deps import DB, Con, Reader, Typologies, require
from api.models import ERROR_RESPONSES, ParamsIn, TypologyOut
from engine import scan
from engine.auth import User
from engine.detect.typology import Typology
from services import typologies as typology_service

router = APIRouter(prefix="/typologies", tags=["typologies"], responses=ERROR_RESPONSES)

Admin = Annotated[User, Depends(require("typology.params"))]


def _out(con: duckdb.DuckDBPyConnection, typ: type[Typology]) -> TypologyOut:
    params = scan.effective_params(con, typ)
    return TypologyOut(**typ.describe(params), effective=params.model_dump())


@router.get("", response_model=list[TypologyOut], summary="Every typology with its parameters")
def list_typologies(con: Con, _user: Reader, catalogue: Typologies) -> list[TypologyOut]:
    return [_out(con, typ) for typ in catalogue.values()]


@router.get("/{typology_id}", response_model=TypologyOut, summary="One typology")
def get_typology(typology_id: str, con: Con, _user: Reader, catalogue: Typologies) -> TypologyOut:
    return _out(con, catalogue.typology(typology_id))


@router.put("/{typology_id}/params", response_model=TypologyOut, summary="Set parameter values (admin)")
def set_params(typology_id: str, body: ParamsIn, db: DB, user: Admin, catalogue: Typologies) -> TypologyOut:
    typ = catalogue.typology(typology_id)
    with db.writing() as con:
        typology_service.set_params(con, catalogue, typology_id, body.values, actor=user.name)
        return _out(con, typ)
