"""What every analyst page shares: the templates and their filters, the labels of states and
transitions, rendering with the security headers, one-time flash messages, redirects and
error pages (see :mod:`api.ui.pages`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.ui.jobs import ScanJobs
from api.ui.session import (
    db_of,
)
from engine.auth import User
from engine.errors import CtfmonError

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
FLASH = "ctfmon_flash"
PAGE_SIZE = 25
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

STATE_LABELS: dict[str, str] = {
    "new": "New",
    "in_review": "In review",
    "escalated": "Escalated",
    "str_filed": "STR filed",
    "closed_false_positive": "Closed: false positive",
    "closed_no_action": "Closed: no action",
}
TRANSITION_VERBS: dict[str, str] = {
    "in_review": "Start review",
    "escalated": "Escalate",
    "str_filed": "File STR",
    "closed_false_positive": "Close as false positive",
    "closed_no_action": "Close with no action",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))


# --------------------------------------------------------------------------- formatting
def _dt(v: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return v
    return v.strftime(fmt) if hasattr(v, "strftime") else str(v)


def _money(v: Any, digits: int = 2) -> str:
    if v is None:
        return ""
    try:
        return f"{float(v):,.{digits}f}"
    except (TypeError, ValueError):
        return str(v)


templates.env.filters["dt"] = _dt
templates.env.filters["day"] = lambda v: _dt(v, "%Y-%m-%d")
templates.env.filters["money"] = _money
templates.env.filters["pct"] = lambda v: f"{float(v) * 100:.0f}%" if v is not None else ""
templates.env.filters["state"] = lambda s: STATE_LABELS.get(s, s)
templates.env.globals["STATE_LABELS"] = STATE_LABELS


# --------------------------------------------------------------------------- responses
def _render(request: Request, name: str, user: User | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    raw = request.cookies.get(FLASH)
    flash = unquote(raw) if raw else None
    resp = templates.TemplateResponse(
        request, name,
        {"user": user, "csrf": getattr(request.state, "csrf", ""), "flash": flash,
         "demo": bool(request.app.state.demo_tokens), "path": request.url.path, **ctx},
        status_code=status,
    )
    if raw:
        resp.delete_cookie(FLASH, path="/ui")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def _set_flash(resp: Response, message: str) -> None:
    """A one-time message for the next page (kept URL-encoded in a short-lived cookie)."""
    resp.set_cookie(FLASH, quote(message[:300], safe=""), max_age=60, path="/ui", httponly=True, samesite="lax")


def _redirect(url: str, flash: str | None = None) -> RedirectResponse:
    resp = RedirectResponse(url, status_code=303)
    if flash:
        _set_flash(resp, flash)
    return resp


def _error(request: Request, user: User | None, exc: CtfmonError, *, title: str = "That did not work") -> HTMLResponse:
    return _render(request, "error.html", user, status=exc.http_status, title=title, message=exc.message)


def _scan_jobs(request: Request) -> ScanJobs:
    jobs = getattr(request.app.state, "ui_scan_jobs", None)
    if jobs is None:
        jobs = ScanJobs(db_of(request), request.app.state.catalogue)
        request.app.state.ui_scan_jobs = jobs
    return jobs
