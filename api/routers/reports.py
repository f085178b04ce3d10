"""Report exports: goAML STR XML for a case and its narrative draft (supervisor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import DB, Con, Reader, require
from api.models import ERROR_RESPONSES, UtcDatetime
from engine.auth import User, check_case_actor
from engine.reports import narrative
from services import reports

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)

Filer = Annotated[User, Depends(require("report.file"))]


class NarrativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=narrative.MAX_CHARS)


class NarrativeVersion(BaseModel):
    version: int
    text: str
    author: str
    created_at: UtcDatetime


class NarrativeOut(BaseModel):
    case_id: str
    state: str
    editable: bool = Field(description="whether a supervisor may save a new version now")
    version: int = Field(description="0: generated from the case, never saved")
    generated: bool
    text: str = Field(description="what the export's <reason> holds now")
    author: str | None
    created_at: UtcDatetime | None
    versions: list[NarrativeVersion]


@router.get("/goaml/{case_id}/narrative", response_model=NarrativeOut,
            summary="The STR narrative the export would use: latest saved version or the generated draft")
def get_narrative(case_id: str, con: Con, _user: Reader) -> NarrativeOut:
    return NarrativeOut(**narrative.draft(con, case_id))


@router.post("/goaml/{case_id}/narrative", response_model=NarrativeOut,
             summary="Save an edited STR narrative as a new version (supervisor; audited)")
def save_narrative(case_id: str, body: NarrativeIn, db: DB, user: Filer) -> NarrativeOut:
    check_case_actor(user, "report.file")
    with db.writing() as con:
        return NarrativeOut(**narrative.save(con, case_id, body.text, user))


@router.get(
    "/goaml/{case_id}",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "goAML 5.0.2 STR, schema-valid"}},
    summary="goAML STR for an escalated or filed case (supervisor)",
)
def goaml_report(case_id: str, db: DB, user: Filer) -> Response:
    with db.writing() as con:
        xml = reports.export_goaml(con, case_id, actor=user.name)
    return Response(
        content=xml, media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{case_id}-goaml.xml"'},
    )
