"""Who is signed in to the pages: the token cookie, the CSRF field and role checks.

The pages authenticate with the same API tokens as the JSON API, kept in an HttpOnly,
SameSite=Lax cookie.  Every form that changes something carries a CSRF field derived from
the token (HMAC), so another site cannot post on the user's behalf.  Role checks use the
one permission table, :data:`engine.auth.PERMISSIONS`.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request

from engine import auth
from engine.auth import User
from engine.errors import CtfmonError
from engine.schedule import SharedDatabase

COOKIE = "ctfmon_ui"
COOKIE_MAX_AGE = 12 * 3600

#: What each permission lets someone do, in words for error messages.
ACTIONS: dict[str, str] = {
    "case.work": "working on cases (notes, review, escalation)",
    "case.propose": "moving or proposing a disposition of a case",
    "case.assign": "assigning cases",
    "case.approve": "approving or rejecting dispositions",
    "report.file": "exporting goAML reports",
    "scan.run": "starting scans",
    "schedule.manage": "managing schedules",
}


def db_of(request: Request) -> SharedDatabase:
    return request.app.state.db


def token_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def csrf_for(token: str) -> str:
    """The CSRF value of a signed-in session (bound to its token)."""
    return hmac.new(token.encode("utf-8"), b"ctfmon-ui-csrf", hashlib.sha256).hexdigest()[:40]


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(303, "sign in first", headers={"Location": f"/ui/login?next={quote(target, safe='')}"})


def page_user(request: Request) -> User:
    """The signed-in user; anyone else is redirected to the sign-in page."""
    token = token_of(request)
    if token is None:
        raise _login_redirect(request)
    with db_of(request).reading() as cur:
        user = auth.authenticate(cur, token)
    if user is None:
        raise _login_redirect(request)
    request.state.csrf = csrf_for(token)
    return user


def form_user(request: Request, csrf: Annotated[str, Form()] = "") -> User:
    """The signed-in user of a form post, after checking its CSRF field."""
    user = page_user(request)
    if not hmac.compare_digest(csrf, request.state.csrf):
        raise HTTPException(403, "the form is stale or came from another site; reload the page and try again")
    return user


PageUser = Annotated[User, Depends(page_user)]
FormUser = Annotated[User, Depends(form_user)]


def need(user: User, permission: str) -> None:
    """Refuse (403, in words) a user whose role lacks ``permission``."""
    if user.can(permission):
        return
    roles = auth.roles_for(permission)
    what = ACTIONS.get(permission, permission)
    plural = "role" if len(roles) == 1 else "roles"
    raise CtfmonError(
        f"{what[0].upper()}{what[1:]} needs the {' or '.join(roles)} {plural}; "
        f"you are signed in as {user.name} ({user.role}).",
        http_status=403,
    )


def safe_next(target: str | None) -> str:
    """A redirect target inside the pages (never another site)."""
    if target and target.startswith("/ui") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/cases"
