"""Bulk triage: assign many cases, or move / propose them with one reason (:mod:`services.case_bulk`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import DB, Reader
from api.models import ERROR_RESPONSES, CaseState
from services import case_bulk

router = APIRouter(prefix="/cases", tags=["cases"], responses=ERROR_RESPONSES)


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[str] = Field(min_length=1, max_length=case_bulk.MAX_CASES)
    action: Literal["assign", "transition"]
    assignee: str | None = Field(None, max_length=64, description="for assign: an active analyst or supervisor")
    to: CaseState | None = Field(None, description="for transition: the target state")
    reason: str = Field("", max_length=8000, description="one reason for every case; needed for dispositions")


class BulkItem(BaseModel):
    case_id: str
    ok: bool
    outcome: Literal["assigned", "moved", "proposed"] | None = None
    state: CaseState | None = None
    assignee: str | None = None
    error: str | None = Field(None, description="why this case was refused")
    status: int | None = Field(None, description="the HTTP status this case alone would have had")


class BulkOut(BaseModel):
    action: str
    done: int
    refused: int
    results: list[BulkItem] = Field(description="one per case, in the order sent")


@router.post("/bulk", response_model=BulkOut,
             summary="One action over many cases, each with its own audit entry; refusals are per case")
def bulk(body: BulkIn, db: DB, user: Reader) -> BulkOut:
    with db.writing() as con:
        out = case_bulk.apply(con, body.case_ids, body.action, user, assignee=body.assignee, to=body.to,
                              reason=body.reason)
    return BulkOut(**out.as_dict())
