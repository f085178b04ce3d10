"""Request dependencies: the shared database, the current user and role checks.

Every endpoint except ``GET /health`` and the docs needs ``Authorization: Bearer <token>``:
no or an unknown token answers 401, a known token whose role lacks the permission 403.
Who may do what is :data:`engine.auth.PERMISSIONS`; routers say ``require("case.assign")``
(or ``require_role("supervisor")``) rather than spelling role lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Annotated

import duckdb
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine import auth
from engine.auth import User
from engine.detect.catalogue import Catalogue
from engine.schedule import ScheduleService, SharedDatabase

bearer = HTTPBearer(auto_error=False, description="API token from `ctfmon users token NAME`")


def get_db(request: Request) -> SharedDatabase:
    return request.app.state.db


def get_scheduler(request: Request) -> ScheduleService:
    return request.app.state.scheduler


def get_catalogue(request: Request) -> Catalogue:
    """The typologies this app runs (the registry's catalogue, set by ``create_app``)."""
    return request.app.state.catalogue


def get_con(db: Annotated[SharedDatabase, Depends(get_db)]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read cursor on the shared connection for the duration of the request."""
    with db.reading() as cur:
        yield cur


class TokenCache:
    """Known tokens for a few seconds, so that a burst of requests does not look each one up.

    Only the server process writes users and tokens, and it clears this cache on every
    change to them (:func:`forget_tokens`), so a revoked token stops working at once.
    """

    def __init__(self, ttl_seconds: float = 30.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[User, float]] = {}

    def get(self, token: str) -> User | None:
        with self._lock:
            hit = self._entries.get(token)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, token: str, user: User) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token] = (user, time.monotonic() + self.ttl)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_tokens(request: Request) -> None:
    """Drop cached tokens (after any change to users or tokens)."""
    request.app.state.token_cache.clear()


def current_user(
    request: Request,
    db: Annotated[SharedDatabase, Depends(get_db)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    cache: TokenCache = request.app.state.token_cache
    user = cache.get(creds.credentials)
    if user is not None:
        return user
    with db.reading() as cur:
        user = auth.authenticate(cur, creds.credentials)
    if user is not None:
        cache.put(creds.credentials, user)
    if user is None:
        raise HTTPException(401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency admitting users whose role is one of ``roles`` (else 403)."""
    allowed = frozenset(roles)

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in allowed:
            raise HTTPException(
                403, f"role {user.role} may not do this; allowed: {', '.join(sorted(allowed))}"
            )
        return user

    return check


def require(permission: str) -> Callable[[User], User]:
    """A dependency admitting the roles that hold ``permission`` in engine.auth.PERMISSIONS (and
    refusing enrolment tokens the case permissions, :func:`engine.auth.User.refusal`)."""

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        why = user.refusal(permission)
        if why is not None:
            raise HTTPException(403, why)
        return user

    return check


Con = Annotated[duckdb.DuckDBPyConnection, Depends(get_con)]
Typologies = Annotated[Catalogue, Depends(get_catalogue)]
DB = Annotated[SharedDatabase, Depends(get_db)]
Reader = Annotated[User, Depends(require("read"))]
