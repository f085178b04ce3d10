"""Request dependencies: the shared database, the current user and role checks.

Every endpoint except ``GET /health`` and the docs needs ``Authorization: Bearer <token>``:
no or an unknown token answers 401, a known token whose role lacks the permission 403.
Who may do what is :data:`engine.auth.PERMISSIONS`; routers say ``require("case.assign")``
(or ``require_role("supervisor")``) rather than spelling role lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

import duckdb
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine import auth
from engine.auth import User
from engine.schedule import ScheduleService, SharedDatabase

bearer = HTTPBearer(auto_error=False, description="API token from `ctfmon users token NAME`")


def get_db(request: Request) -> SharedDatabase:
    return request.app.state.db


def get_scheduler(request: Request) -> ScheduleService:
    return request.app.state.scheduler


def get_con(db: Annotated[SharedDatabase, Depends(get_db)]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read cursor on the shared connection for the duration of the request."""
    with db.reading() as cur:
        yield cur


def current_user(
    db: Annotated[SharedDatabase, Depends(get_db)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    with db.reading() as cur:
        user = auth.authenticate(cur, creds.credentials)
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
    """A dependency admitting the roles that hold ``permission`` in engine.auth.PERMISSIONS."""
    return require_role(*auth.roles_for(permission))


Con = Annotated[duckdb.DuckDBPyConnection, Depends(get_con)]
DB = Annotated[SharedDatabase, Depends(get_db)]
Reader = Annotated[User, Depends(require("read"))]
