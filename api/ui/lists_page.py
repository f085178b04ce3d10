"""The list-changes page under ``/ui/lists``: every loaded list version, and for a version
loaded over an earlier one, each new, amended or removed entry with what it caused — the alerts
it raised (subject, score, payments before and on or after the listing, the case each is in)
and the open cases flagged for review — read through :mod:`engine.screening.change_report`
as ``GET /screening/lists/{version_id}/changes`` and ``ctfmon lists changes`` are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.ui.render import _error, _render
from api.ui.session import PageUser, db_of
from engine.errors import NotFound
from engine.screening import change_report, lists

router = APIRouter(prefix="/ui/lists", include_in_schema=False)


def _versions(con: Any) -> list[dict[str, Any]]:
    loads = change_report.change_loads(con)
    return [{**r, "changes": loads.get(int(r["version_id"]))} for r in lists.list_versions(con).iter_rows(named=True)]


@router.get("", response_class=HTMLResponse)
def lists_page(request: Request, user: PageUser) -> HTMLResponse:
    """The versions, and the changes of the newest version loaded over another."""
    with db_of(request).reading() as con:
        versions = _versions(con)
        latest = max((int(v["version_id"]) for v in versions if v["changes"]), default=None)
        report = change_report.version_changes(con, latest) if latest is not None else None
    return _render(request, "lists.html", user, versions=versions, report=report)


@router.get("/{version_id}", response_class=HTMLResponse)
def version_page(request: Request, version_id: int, user: PageUser) -> HTMLResponse:
    """One version's changes and what each caused."""
    try:
        with db_of(request).reading() as con:
            versions = _versions(con)
            report = change_report.version_changes(con, version_id)
    except NotFound as exc:
        return _error(request, user, exc, title="No such list version")
    return _render(request, "lists.html", user, versions=versions, report=report)
