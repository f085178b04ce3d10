"""The audit page (``/ui/audit``, auditor and admin): the log filtered by actor, action, object
and dates, the chain verification (:func:`engine.audit.verify`) and a CSV export of the filtered
entries (a form post with the CSRF field, since the export is itself audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.routers.audit import day_range, export_csv
from api.ui.render import _error, _render
from api.ui.session import FormUser, PageUser, db_of, need
from engine import audit
from engine.errors import CtfmonError

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE = 50
FILTERS = ("actor", "action", "object_type", "object_id", "since", "until")


def _day(v: str | None, field: str) -> date | None:
    if not v:
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise CtfmonError(f"{field} {v!r} is not a date; expected YYYY-MM-DD", http_status=422) from None


def _filters(raw: dict[str, str | None]) -> dict[str, Any]:
    f: dict[str, Any] = {k: (raw.get(k) or "").strip() or None for k in FILTERS}
    f["since"], f["until"] = _day(f["since"], "from"), _day(f["until"], "to")
    if f["since"] and f["until"] and f["since"] > f["until"]:
        raise CtfmonError(f"from {f['since']} is after to {f['until']}", http_status=422)
    return f


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: PageUser,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    raw = {"actor": actor, "action": action, "object_type": object_type, "object_id": object_id,
           "since": since, "until": until}
    try:
        need(user, "audit.read")
        f = _filters(raw)
        lo, hi = day_range(f["since"], f["until"])
        with db_of(request).reading() as con:
            items, total = audit.list_entries(
                con, actor=f["actor"], action=f["action"], object_type=f["object_type"], object_id=f["object_id"],
                since=lo, until=hi, limit=PAGE, offset=(page - 1) * PAGE)
            chain = audit.verify(con).as_dict()
            choices = audit.distinct_values(con)
    except CtfmonError as exc:
        return _error(request, user, exc, title="The audit log cannot be shown")
    kept = {k: v for k, v in raw.items() if v}
    pages = max(1, -(-total // PAGE))

    def link(p: int) -> str:
        return "/ui/audit?" + urlencode({**kept, "page": p})

    return _render(request, "audit.html", user, items=items, total=total, page=page, pages=pages, chain=chain,
                   choices=choices, form={k: v or "" for k, v in raw.items()},
                   prev_url=link(page - 1) if page > 1 else None, next_url=link(page + 1) if page < pages else None)


@router.post("/audit/export")
def audit_export(
    request: Request,
    user: FormUser,
    actor: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    object_type: Annotated[str, Form()] = "",
    object_id: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    try:
        need(user, "audit.read")
        f = _filters({"actor": actor, "action": action, "object_type": object_type, "object_id": object_id,
                      "since": since, "until": until})
    except CtfmonError as exc:
        return _error(request, user, exc, title="The audit log cannot be exported")
    return export_csv(db_of(request), user, f)
