"""The analyst pages under ``/ui``: sign-in, case queue, case page, dashboard, scans and
schedules (the last three in :mod:`api.ui.ops_pages`).  Handlers read through :mod:`engine` (and :mod:`api.ui.views` for display-only
shapes) and change data only through the same engine calls the JSON API makes; role
checks use :data:`engine.auth.PERMISSIONS`, and the engine enforces its own rules again.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.ui import views
from api.ui.render import (
    STATE_LABELS,
    STATIC,
    TRANSITION_VERBS,
    _error,
    _redirect,
    _render,
    _set_flash,
)
from api.ui.session import (
    COOKIE,
    LOGIN_COOKIE,
    FormUser,
    PageUser,
    current_page_user,
    db_of,
    login_csrf,
    login_csrf_ok,
    need,
    safe_next,
    session_hours,
    session_of,
    set_login_cookie,
)
from engine import auth, cases
from engine.auth import User
from engine.cases import DISPOSITIONS, OPEN_STATES, TRANSITIONS
from engine.errors import CtfmonError, NotFound
from engine.reports import goaml
from services import reports

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ui", include_in_schema=False)


# --------------------------------------------------------------------------- static files
@router.get("/static/{name:path}")
def static(name: str) -> FileResponse:
    target = (STATIC / name).resolve()
    if not target.is_file() or STATIC not in target.parents or target.suffix not in (".js", ".css", ".txt", ".png"):
        raise HTTPException(404, "no such file")
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media, headers={"Cache-Control": "public, max-age=3600"})


# --------------------------------------------------------------------------- sign-in
@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/ui/cases", status_code=303)


#: The site root opens the pages: signed-in users go to the queue; on a demo server
#: (``ctfmon serve --demo``) a visitor is signed in as the demo analyst; otherwise the
#: sign-in page.  So the URL the server prints opens the pages.
root_router = APIRouter(include_in_schema=False)


@root_router.get("/")
def site_root(request: Request) -> RedirectResponse:
    if current_page_user(request) is not None:
        return RedirectResponse("/ui/cases", status_code=303)
    if request.app.state.demo_tokens:
        return RedirectResponse("/ui/demo-login?as=analyst", status_code=303)
    return RedirectResponse("/ui/login", status_code=303)


def _login_page(request: Request, next: str | None, *, error: str | None = None, status: int = 200) -> HTMLResponse:
    resp = _render(request, "login.html", None, status=status, next=safe_next(next), error=error,
                   login_csrf=login_csrf(request))
    set_login_cookie(request, resp)
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next)


def _signed_in(request: Request, token: str, target: str) -> Response:
    """Open a server-side session for ``token`` and send its id in the cookie; None token: refused."""
    with db_of(request).writing() as con:
        started = auth.start_session(con, token, hours=session_hours())
    if started is None:
        return _login_page(request, target, status=401, error=(
            "That token is not valid: it is unknown, revoked, or its user is deactivated. "
            "An admin can issue a new one with `ctfmon users token NAME`."))
    session_id, user = started
    log.info("ui sign-in: %s (%s)", user.name, user.role)
    resp = _redirect(target)
    resp.set_cookie(COOKIE, session_id, max_age=int(session_hours() * 3600), path="/", httponly=True,
                    samesite="lax", secure=request.url.scheme == "https")
    resp.delete_cookie(LOGIN_COOKIE, path="/ui")
    return resp


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = "") -> Response:
    if not login_csrf_ok(request, csrf):
        return _login_page(request, next, status=403, error=(
            "The sign-in form expired or came from another site; sign in again with this form."))
    token = token.strip()
    if not token:
        return _login_page(request, next, status=401, error="Enter your API token.")
    return _signed_in(request, token, safe_next(next))


@router.post("/logout")
def logout(request: Request, _user: FormUser) -> RedirectResponse:
    with db_of(request).writing() as con:
        auth.end_session(con, session_of(request) or "")
    resp = _redirect("/ui/login", "You are signed out.")
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/demo-login")
def demo_login(request: Request, as_: Annotated[str, Query(alias="as")] = "analyst") -> Response:
    """One-click sign-in as a demo user; exists only when the server runs with ``--demo``."""
    tokens: dict[str, str] = request.app.state.demo_tokens
    if not tokens:
        raise HTTPException(404, "Not Found")
    token = tokens.get(f"demo-{as_}")
    if token is None:
        roles = ", ".join(sorted(n.removeprefix("demo-") for n in tokens))
        return _render(request, "error.html", None, status=422, title="No such demo user",
                       message=f"There is no demo user for role {as_!r}; try one of: {roles}.")
    return _signed_in(request, token, "/ui/cases")


# --------------------------------------------------------------------------- queue
# The queue and bulk triage are in api.ui.queue_page; search and the party page in api.ui.party_pages.


# --------------------------------------------------------------------------- case page
def _actions(user: User, case: dict[str, Any]) -> list[dict[str, Any]]:
    """The transitions the signed-in role may make or propose from the case's state."""
    out = []
    pending = next((d for d in case["dispositions"] if d["status"] == "pending"), None)
    for to, who in case["allowed_transitions"].items():
        four_eyes = TRANSITIONS[(case["state"], to)].four_eyes
        if user.role in who["direct"] and four_eyes and (pending is None or pending["to_state"] != to):
            if pending is not None:
                continue
            kind = "propose"  # alone, a supervisor proposes; a second one approves (engine.cases)
        elif user.role in who["direct"]:
            if four_eyes and pending is not None and pending["proposed_by"] == user.name:
                continue  # nobody approves their own proposal
            kind = "approve" if pending is not None and pending["to_state"] == to else "move"
        elif user.role in who["propose"]:
            if pending is not None:
                continue
            kind = "propose"
        else:
            continue
        verb = TRANSITION_VERBS.get(to, f"Move to {STATE_LABELS.get(to, to)}")
        if case["state"] in DISPOSITIONS and to == "in_review":
            verb = "Reopen for review"
        if kind == "propose":
            verb = f"Propose: {verb[0].lower()}{verb[1:]}"
        elif kind == "approve":
            verb = f"Approve: {verb[0].lower()}{verb[1:]}"
        out.append({"to": to, "label": verb, "kind": kind,
                    "needs_reason": to in DISPOSITIONS or to == "escalated" or case["state"] in DISPOSITIONS})
    return out


def _case_page(request: Request, user: User, case_id: str, *, error: str | None = None,
               status: int = 200, note_text: str = "") -> HTMLResponse:
    try:
        with db_of(request).reading() as con:
            case = cases.get_case(con, case_id)
            graph = views.graph_elements(con, case)
            people = [u for u in auth.list_users(con) if u["active"] and u["role"] in ("analyst", "supervisor")]
    except NotFound as exc:
        return _error(request, user, exc, title="No such case")
    pending = next((d for d in case["dispositions"] if d["status"] == "pending"), None)
    blocked = [
        f"{STATE_LABELS.get(to, to)} needs the {' or '.join(sorted(set(who['direct']) | set(who['propose'])))} role"
        for to, who in case["allowed_transitions"].items()
        if user.role not in who["direct"] and user.role not in who["propose"]
    ]
    return _render(
        request, "case.html", user, status=status, case=case, graph=graph, timeline=views.timeline(case),
        actions=_actions(user, case), pending=pending, blocked=blocked, people=people, error=error, note_text=note_text,
        can_work=user.can("case.work"), can_assign=user.can("case.assign") and case["state"] in OPEN_STATES,
        can_approve=user.can("case.approve"), can_export=user.can("report.file"),
        exportable=case["state"] in goaml.EXPORTABLE_STATES, export_states=goaml.EXPORTABLE_STATES,
        case_open=case["state"] in OPEN_STATES, open_states=list(OPEN_STATES),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, user: PageUser) -> HTMLResponse:
    return _case_page(request, user, case_id)


def _case_action(request: Request, user: User, case_id: str, fn: Callable[[duckdb.DuckDBPyConnection], None],
                 done: str,
                 note_text: str = "") -> Response:
    """Run a change on the case; on an error show the case again with the message in words."""
    try:
        with db_of(request).writing() as con:
            fn(con)
    except CtfmonError as exc:
        return _case_page(request, user, case_id, error=exc.message, status=exc.http_status, note_text=note_text)
    return _redirect(f"/ui/cases/{case_id}", done)


@router.post("/cases/{case_id}/notes")
def add_note(request: Request, case_id: str, user: FormUser, text: Annotated[str, Form()] = "") -> Response:
    def act(con: duckdb.DuckDBPyConnection) -> None:
        need(user, "case.work")
        cases.add_note(con, case_id, text, user)

    return _case_action(request, user, case_id, act, "Note added.", note_text=text)


@router.post("/cases/{case_id}/transition")
def transition(request: Request, case_id: str, user: FormUser, to: Annotated[str, Form()] = "",
               reason: Annotated[str, Form()] = "") -> Response:
    outcome: dict[str, Any] = {}

    def act(con: duckdb.DuckDBPyConnection) -> None:
        need(user, "case.propose")
        outcome.update(cases.transition(con, case_id, to, reason, user))

    resp = _case_action(request, user, case_id, act, "")
    if outcome:
        label = STATE_LABELS.get(to, to)
        msg = (f"Case moved to {label}." if outcome["outcome"] == "moved"
               else f"Proposed {label}; another supervisor must approve it." if user.role == "supervisor"
               else f"Proposed {label}; a supervisor must approve it.")
        _set_flash(resp, msg)
    return resp


@router.post("/cases/{case_id}/assign")
def assign(request: Request, case_id: str, user: FormUser, assignee: Annotated[str, Form()] = "") -> Response:
    def act(con: duckdb.DuckDBPyConnection) -> None:
        need(user, "case.assign")
        if not assignee.strip():
            raise CtfmonError("choose someone to assign the case to", http_status=422)
        cases.assign(con, case_id, assignee.strip(), user)

    return _case_action(request, user, case_id, act, f"Case assigned to {assignee.strip()}.")


@router.post("/cases/{case_id}/reject")
def reject(request: Request, case_id: str, user: FormUser, reason: Annotated[str, Form()] = "") -> Response:
    def act(con: duckdb.DuckDBPyConnection) -> None:
        need(user, "case.approve")
        cases.reject_disposition(con, case_id, reason, user)

    return _case_action(request, user, case_id, act, "Proposal rejected.")


@router.post("/cases/{case_id}/goaml")
def goaml_export(request: Request, case_id: str, user: FormUser) -> Response:
    """The goAML STR as a download: a form post with the CSRF field (it writes an audit entry,
    so it is never a GET another site could trigger)."""
    try:
        need(user, "report.file")
        with db_of(request).writing() as con:
            xml = reports.export_goaml(con, case_id, actor=user.name)
    except CtfmonError as exc:
        return _error(request, user, exc, title="The goAML report cannot be exported")
    return Response(content=xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{case_id}-goaml.xml"'})


