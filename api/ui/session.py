"""Who is signed in to the pages: server-side sessions, CSRF fields and role checks.

Signing in with an API token opens a server-side session (:func:`engine.auth.start_session`):
the browser's HttpOnly, SameSite=Lax cookie holds only a random session id, stored hashed,
which expires after ``CTFMON_SESSION_HOURS`` (default 12), ends at sign-out and stops
working when its token is revoked.  Every form that changes something carries a CSRF field
derived from the session id (HMAC), so another site cannot post on the user's behalf; the
sign-in form carries one too, bound to a short-lived cookie set with the form (double
submit), so another site cannot sign a user in to an account of its choosing.  Role checks
use the one permission table, :data:`engine.auth.PERMISSIONS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request, Response

from engine import auth
from engine.auth import User
from engine.config import get_settings
from engine.errors import CtfmonError
from engine.schedule import SharedDatabase

COOKIE = "ctfmon_ui"
LOGIN_COOKIE = "ctfmon_login"
LOGIN_MAX_AGE = 3600

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


def session_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def session_hours() -> float:
    return get_settings().session_hours


def csrf_for(session_id: str) -> str:
    """The CSRF value of a signed-in session (bound to its id)."""
    return hmac.new(session_id.encode("utf-8"), b"ctfmon-ui-csrf", hashlib.sha256).hexdigest()[:40]


def login_csrf(request: Request) -> str:
    """The sign-in form's CSRF value, bound to the short-lived ``ctfmon_login`` cookie (a new
    one is made when the browser has none; :func:`set_login_cookie` sends it)."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or len(nonce) > 100:
        nonce = secrets.token_urlsafe(24)
        request.state.login_nonce = nonce
    return hmac.new(nonce.encode("utf-8"), b"ctfmon-login-csrf", hashlib.sha256).hexdigest()[:40]


def set_login_cookie(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "login_nonce", None)
    if nonce:
        response.set_cookie(LOGIN_COOKIE, nonce, max_age=LOGIN_MAX_AGE, path="/ui", httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")


def login_csrf_ok(request: Request, value: str) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not value:
        return False
    expected = hmac.new(nonce.encode("utf-8"), b"ctfmon-login-csrf", hashlib.sha256).hexdigest()[:40]
    return hmac.compare_digest(value, expected)


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(303, "sign in first", headers={"Location": f"/ui/login?next={quote(target, safe='')}"})


def current_page_user(request: Request) -> User | None:
    """The user of the request's session, or None (and the CSRF value of the session)."""
    sid = session_of(request)
    if sid is None:
        return None
    with db_of(request).reading() as cur:
        user = auth.session_user(cur, sid)
    if user is not None:
        request.state.csrf = csrf_for(sid)
    return user


def page_user(request: Request) -> User:
    """The signed-in user; anyone else is redirected to the sign-in page."""
    user = current_page_user(request)
    if user is None:
        raise _login_redirect(request)
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
    if user.role in auth.PERMISSIONS[permission]:  # the role may, the token may not (enrolment)
        raise CtfmonError(user.refusal(permission) or "", http_status=403)
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
