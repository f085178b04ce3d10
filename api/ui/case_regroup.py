"""Merge and split forms of the case page (``/ui/cases/{id}/merge|split``): the same engine calls
as ``POST /cases/{id}/merge|split``; an error shows the case again with the message."""

from __future__ import annotations

import re
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.ui.pages import _case_action
from api.ui.render import _set_flash
from api.ui.session import FormUser, need
from engine import case_edit

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.post("/cases/{case_id}/merge")
def merge(request: Request, case_id: str, user: FormUser, cases: Annotated[list[str], Form()] = [],  # noqa: B006
          case_ids: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    others = [*cases, *(x for x in re.split(r"[\s,;]+", case_ids) if x)]

    def act(con: duckdb.DuckDBPyConnection) -> None:
        need(user, "case.work")
        case_edit.merge_cases(con, case_id, others, reason, user)

    return _case_action(request, user, case_id, act, f"Merged {', '.join(dict.fromkeys(others))} into {case_id}.")


@router.post("/cases/{case_id}/split")
def split(request: Request, case_id: str, user: FormUser, subjects: Annotated[list[str], Form()] = [],  # noqa: B006
          alerts: Annotated[list[str], Form()] = [], reason: Annotated[str, Form()] = "") -> Response:  # noqa: B006
    out: dict[str, Any] = {}

    def act(con: duckdb.DuckDBPyConnection) -> None:
        need(user, "case.work")
        out.update(case_edit.split_case(con, case_id, subjects=subjects, alert_ids=alerts, reason=reason, user=user))

    resp = _case_action(request, user, case_id, act, "")
    if out:
        new = out["new_case"]
        n = new["alert_count"]
        _set_flash(resp, f"Split {n} alert{'' if n == 1 else 's'} into the new case {new['case_id']}.")
    return resp
