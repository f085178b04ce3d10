"""Users and API tokens (admin); ``GET /me`` for anyone with a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import DB, Con, current_user, forget_tokens, require
from api.models import ERROR_RESPONSES, TokenOut, UserIn, UserOut
from engine import auth
from engine.auth import User

router = APIRouter(tags=["users"], responses=ERROR_RESPONSES)

Admin = Annotated[User, Depends(require("users.manage"))]


@router.get("/me", summary="Who the token belongs to, with the permissions of its role")
def me(user: Annotated[User, Depends(current_user)]) -> dict[str, object]:
    perms = sorted(p for p, roles in auth.PERMISSIONS.items() if user.role in roles)
    return {"name": user.name, "role": user.role, "permissions": perms}


@router.get("/users", response_model=list[UserOut], summary="All users (admin)")
def list_users(con: Con, _user: Admin) -> list[UserOut]:
    return [UserOut(**u) for u in auth.list_users(con)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Add a user (admin)")
def add_user(body: UserIn, db: DB, user: Admin) -> UserOut:
    with db.writing() as con:
        auth.add_user(con, body.name, body.role, actor=user.name)
        return UserOut(**auth.get_user(con, body.name))


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
