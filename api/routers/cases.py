"""Cases: the queue, one case in full, assignment, transitions, notes, dispositions, merge and split."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.case_models import MergeIn, NetworkCaseDetail, SplitIn, SplitOut
from api.deps import DB, Con, Reader, require
from api.models import (
    ERROR_RESPONSES,
    AssignIn,
    CaseSort,
    CaseState,
    CaseSummary,
    Note,
    NoteIn,
    Page,
    RejectIn,
    TransitionIn,
    TransitionOut,
)
from engine import case_edit, cases
from engine.auth import User

router = APIRouter(prefix="/cases", tags=["cases"], responses=ERROR_RESPONSES)

Worker = Annotated[User, Depends(require("case.work"))]
Proposer = Annotated[User, Depends(require("case.propose"))]
Assigner = Annotated[User, Depends(require("case.assign"))]
Approver = Annotated[User, Depends(require("case.approve"))]


@router.get("", response_model=Page[CaseSummary], summary="The case queue, highest risk first")
def list_cases(
    con: Con,
    _user: Reader,
    state: CaseState | None = None,
    assignee: str | None = Query(None, max_length=64),
    typology: str | None = Query(None, max_length=64, description="cases with an alert of this typology"),
    min_risk: float | None = Query(None, ge=0, le=1),
    sort: CaseSort = Query("risk", description="risk (case risk), party_risk (subject's risk tier, then score), "
                           "age, newest, typology or due"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> Page[CaseSummary]:
    items, total = cases.list_cases(
        con, state=state, assignee=assignee, typology=typology, min_risk=min_risk, sort=sort, limit=limit,
        offset=offset,
    )
    return Page[CaseSummary](items=items, total=total, limit=limit, offset=offset)


@router.get("/{case_id}", response_model=NetworkCaseDetail,
            summary="One case with alerts, evidence, subjects, related cases, graph")
def get_case(case_id: str, con: Con, _user: Reader) -> NetworkCaseDetail:
    return NetworkCaseDetail(**cases.get_case(con, case_id))


@router.post(
    "/{case_id}/merge", response_model=CaseSummary, summary="Merge other open cases into this one (with a reason)",
    responses={409: {"description": "a case is closed or has a pending disposition proposal"}},
)
def merge(case_id: str, body: MergeIn, db: DB, user: Worker) -> CaseSummary:
    with db.writing() as con:
        return CaseSummary(**case_edit.merge_cases(con, case_id, body.cases, body.reason, user))


@router.post(
    "/{case_id}/split", response_model=SplitOut, status_code=status.HTTP_201_CREATED,
    summary="Move subjects or alerts out of this case into a new case (with a reason)",
    responses={409: {"description": "the case is closed"}},
)
def split(case_id: str, body: SplitIn, db: DB, user: Worker) -> SplitOut:
    with db.writing() as con:
        out = case_edit.split_case(con, case_id, subjects=body.subjects, alert_ids=body.alerts,
                                   reason=body.reason, user=user)
    return SplitOut(case=CaseSummary(**out["case"]), new_case=CaseSummary(**out["new_case"]))


@router.post("/{case_id}/assign", response_model=CaseSummary, summary="Assign to an analyst or supervisor")
def assign(case_id: str, body: AssignIn, db: DB, user: Assigner) -> CaseSummary:
    with db.writing() as con:
        return CaseSummary(**cases.assign(con, case_id, body.assignee, user))


@router.post(
    "/{case_id}/transition",
    response_model=TransitionOut,
    summary="Move a case; an analyst's disposition becomes a proposal",
    responses={409: {"description": "not allowed from the current state; the message names the allowed ones"}},
)
def transition(case_id: str, body: TransitionIn, db: DB, user: Proposer) -> TransitionOut:
    with db.writing() as con:
        out = cases.transition(con, case_id, body.to, body.reason, user)
    return TransitionOut(outcome=out["outcome"], case=CaseSummary(**out["case"]))


@router.post(
    "/{case_id}/dispositions/reject", response_model=CaseSummary,
    summary="Reject the pending disposition proposal (supervisor)",
)
def reject_disposition(case_id: str, body: RejectIn, db: DB, user: Approver) -> CaseSummary:
    with db.writing() as con:
        return CaseSummary(**cases.reject_disposition(con, case_id, body.reason, user))


@router.post("/{case_id}/notes", response_model=Note, status_code=status.HTTP_201_CREATED, summary="Add a note")
def add_note(case_id: str, body: NoteIn, db: DB, user: Worker) -> Note:
    with db.writing() as con:
        return Note(**cases.add_note(con, case_id, body.text, user))
