"""Users and API tokens (admin); ``GET /me`` and ``POST /me/tokens`` for anyone with a token.

Four eyes (:mod:`engine.auth`): a case role an admin grants waits for a second admin
(``POST /users/{name}/approve``); a token an admin mints for someone else is an enrolment
token, exchanged by its holder for their own (``POST /me/tokens``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import Field

from api.deps import DB, Con, bearer, current_user, forget_tokens, require
from api.models import ERROR_RESPONSES, TokenOut, UserIn
from api.models import UserOut as _UserOut
from engine import auth
from engine.auth import User

router = APIRouter(tags=["users"], responses=ERROR_RESPONSES)


class UserOut(_UserOut):
    """A user with who granted its role and, for a case role an admin granted, its approval."""

    granted_by: str | None = Field(None, description="who added the user with its role")
    approved_by: str | None = Field(None, description="the second admin who approved a case role")
    pending_approval: bool = Field(False, description="a case role granted by an admin, awaiting a second admin")

Admin = Annotated[User, Depends(require("users.manage"))]


@router.get("/me", summary="Who the token belongs to, with the permissions of its role")
def me(user: Annotated[User, Depends(current_user)]) -> dict[str, object]:
    perms = sorted(p for p in auth.PERMISSIONS if user.can(p))
    return {"name": user.name, "role": user.role, "permissions": perms, "enrolment_token": user.enrolment}


@router.post("/me/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED,
             summary="A token of your own for the token you hold; an enrolment token is revoked by this")
def exchange_token(request: Request, db: DB, _user: Annotated[User, Depends(current_user)],
                   creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> TokenOut:
    with db.writing() as con:
        token_id, token = auth.exchange_token(con, creds.credentials if creds else "")
    forget_tokens(request)
    return TokenOut(user=_user.name, token_id=token_id, token=token)


@router.get("/users", response_model=list[UserOut], summary="All users (admin)")
def list_users(con: Con, _user: Admin) -> list[UserOut]:
    return [UserOut(**u) for u in auth.list_users(con)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Add a user (admin)")
def add_user(body: UserIn, db: DB, user: Admin) -> UserOut:
    with db.writing() as con:
        auth.add_user(con, body.name, body.role, actor=user.name)
        return UserOut(**auth.get_user(con, body.name))  # a case role waits for a second admin


@router.post("/users/{name}/approve", response_model=UserOut,
             summary="Approve a case role another admin granted (a second admin; four eyes)")
def approve_user(name: str, request: Request, db: DB, user: Admin) -> UserOut:
    with db.writing() as con:
        auth.approve_user(con, name, actor=user.name)
        out = next(u for u in auth.list_users(con) if u["name"] == name)
    forget_tokens(request)
    return UserOut(**out)


@router.post("/users/{name}/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED,
             summary="Issue a token (admin); it is shown once")
def issue_token(name: str, db: DB, user: Admin) -> TokenOut:
    with db.writing() as con:
        token_id, token = auth.issue_token(con, name, actor=user.name)
    return TokenOut(user=name, token_id=token_id, token=token)


@router.delete("/users/{name}/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke a token (admin)")
def revoke_token(name: str, token_id: str, request: Request, db: DB, user: Admin) -> Response:
    with db.writing() as con:
        auth.revoke_token(con, name, token_id, actor=user.name)
    forget_tokens(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
