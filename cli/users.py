"""`ctfmon users add|approve|token|list|revoke`: API users, roles and tokens (audited as --as USER).

A case role added ``--as`` an admin user waits for a second admin (``users approve``); see
:mod:`engine.auth`."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()


users_app = typer.Typer(help="API users, roles and tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option("--role", help="analyst, supervisor, admin or auditor")],
    db: DbOption = None,
) -> None:
    """Add a user with a role."""
    from engine import auth

    with store.connect(common.db_path(db)) as con:
        auth.add_user(con, name, role, actor=common.actor())
        pending = auth.get_user(con, name)["pending_approval"]
    if pending:
        common.console.print(f"user {name} added ({role}), inactive until a second admin approves: "
                             f"`ctfmon --as ADMIN users approve {name}`", highlight=False)
        return
    common.console.print(f"user {name} added ({role}); get a token with `ctfmon users token {name}`")


@users_app.command("approve")
def users_approve(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = None) -> None:
    """Approve a case role another admin granted (run as a second admin: `ctfmon --as ADMIN`)."""
    from engine import auth

    with store.connect(common.db_path(db)) as con:
        auth.approve_user(con, name, actor=common.actor())
    common.console.print(f"user {name} approved by {common.actor()}: active", highlight=False)


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = None) -> None:
    """Issue a new API token for a user and print it (it is not shown again)."""
    from engine import auth

    with store.connect(common.db_path(db)) as con:
        token_id, token = auth.issue_token(con, name, actor=common.actor())
    common.err_console.print(f"token {token_id} for {name} (store it now; it is not shown again):")
    typer.echo(token)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Users with their roles and active token counts."""
    from rich.table import Table

    from engine import auth

    with common.reading(db) as (con, api):
        rows = auth.list_users(con) if con is not None else api.get("/users")
    out = Table()
    for col in ("name", "role", "active", "tokens", "created", "granted by", "approved by"):
        out.add_column(col)
    for u in rows:
        active = "awaiting approval" if u.get("pending_approval") else str(u["active"])
        out.add_row(u["name"], u["role"], active, str(u["active_tokens"]), str(u["created_at"])[:19],
                    u.get("granted_by") or "-", u.get("approved_by") or "-")
    common.console.print(out)


@users_app.command("revoke")
def users_revoke(name: str, token_id: str, db: DbOption = None) -> None:
    """Revoke one of a user's tokens."""
    from engine import auth

    with store.connect(common.db_path(db)) as con:
        auth.revoke_token(con, name, token_id, actor=common.actor())
    common.console.print(f"token {token_id} of {name} revoked")
