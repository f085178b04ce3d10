"""Report exports: goAML STR XML for a case (supervisor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import DB, require
from api.models import ERROR_RESPONSES
from engine.auth import User
from services import reports

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)

Filer = Annotated[User, Depends(require("report.file"))]


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
