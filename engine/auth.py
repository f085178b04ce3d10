"""Users, roles, API tokens and the one permission table.

Tokens are random (``ctf_`` + 32 bytes, URL-safe), shown once when issued and stored only
as a hash: HMAC-SHA-256 keyed with ``CTFMON_TOKEN_SECRET`` when set, plain SHA-256 of the
token otherwise.  A lookup hashes the presented token and finds its row by hash.

Roles and inheritance (decided here, used everywhere through :data:`PERMISSIONS`):

- ``analyst``: read alerts/cases/scans/typologies/schedules, add notes, move a case
  into review or escalate it, *propose* a disposition.
- ``supervisor``: everything an analyst may do (supervisors work cases too), plus assign
  cases, approve or reject dispositions, close cases, file STRs and export goAML, run scans.
- ``admin``: read, plus typology parameters, schedules, ingestion, sanctions list loads,
  scans, users and tokens, the audit log.  Admin does **not** inherit case work (notes, dispositions, STRs):
  running the system and deciding cases are kept apart (segregation of duties).
- ``auditor``: read-only, the audit log included.

Four eyes on who may work cases (see ``docs`` in the README, "Governance"):

- *Granting a case role.*  A user with a case role (``analyst``, ``supervisor``) added by an
  admin user (an actor who is a ctfmon user with role ``admin``: through the API, or the CLI's
  ``--as``) is created **inactive, awaiting approval**; a second admin approves the grant
  (:func:`approve_user`) before the user can sign in or use a token.  The admin who added the
  user cannot approve it.  The CLI run without ``--as`` an admin (the operator holding the
  database file and its audit key: the bootstrap path) adds users active at once; it is audited
  under the OS user name.
- *Tokens an admin mints for someone else* are **enrolment tokens**: they read, and they can be
  exchanged once for the holder's own token (:func:`exchange_token`, ``POST /me/tokens``, which
  revokes the enrolment token), but they cannot act on cases (notes, transitions, assignment,
  dispositions, STR drafts and exports): 403.  So an admin who creates a user and a token cannot
  file an STR with it; had the admin made the exchange first, the holder finds the enrolment
  token revoked and the audit log names the exchange.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import duckdb

from engine import audit
from engine.config import get_settings
from engine.errors import Conflict, CtfmonError, NotFound
from engine.store import now_utc, transaction

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("analyst", "supervisor", "admin", "auditor")

#: permission -> roles holding it.  The one place that says who may do what.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"analyst", "supervisor", "admin", "auditor"}),
    "case.work": frozenset({"analyst", "supervisor"}),  # notes, review, escalate
    "case.propose": frozenset({"analyst", "supervisor"}),  # propose a disposition
    "case.assign": frozenset({"supervisor"}),
    "case.approve": frozenset({"supervisor"}),  # approve/reject/decide dispositions
    "report.file": frozenset({"supervisor"}),  # file STRs, export goAML
    "scan.run": frozenset({"supervisor", "admin"}),
    "typology.params": frozenset({"admin"}),
    "schedule.manage": frozenset({"admin"}),
    "ingest": frozenset({"admin"}),
    "lists.load": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"auditor", "admin"}),
    "mi.read": frozenset({"supervisor", "admin", "auditor"}),
}

#: Roles that work cases: granting one needs a second admin (see the module docstring).
CASE_ROLES: frozenset[str] = frozenset({"analyst", "supervisor"})

#: Permissions that act on cases: refused to enrolment tokens.
CASE_PERMISSIONS: frozenset[str] = frozenset({"case.work", "case.propose", "case.assign", "case.approve",
                                              "report.file"})

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS users (
  name VARCHAR PRIMARY KEY,
  role VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  active BOOLEAN NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS api_tokens (
  token_id VARCHAR PRIMARY KEY,
  user_name VARCHAR NOT NULL,
  token_hash VARCHAR NOT NULL UNIQUE,
  created_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP
)""",
    # who minted each token; a token an admin minted for someone else is an enrolment token
    "ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS issued_by VARCHAR",
    "ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS enrolment BOOLEAN DEFAULT FALSE",
    # four eyes on case roles: who granted the role, who approved it (NULL: not yet, or not needed)
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS granted_by VARCHAR",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS approved_by VARCHAR",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS pending_approval BOOLEAN DEFAULT FALSE",
    # signed-in page sessions: a random id in the browser's cookie, stored here only as a hash
    """CREATE TABLE IF NOT EXISTS ui_sessions (
  session_hash VARCHAR PRIMARY KEY,
  user_name VARCHAR NOT NULL,
  token_id VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL
)""",
]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    #: signed in with a token an admin minted for this user: no case work (module docstring)
    enrolment: bool = False

    def can(self, permission: str) -> bool:
        return self.refusal(permission) is None

    def refusal(self, permission: str) -> str | None:
        """Why this user may not use ``permission`` (None: they may)."""
        if self.role not in PERMISSIONS[permission]:
            return (f"role {self.role} may not do this; allowed: {', '.join(roles_for(permission))}")
        if self.enrolment and permission in CASE_PERMISSIONS:
            return (f"{self.name} is using an enrolment token (minted by an admin for them): it cannot act on "
                    "cases; exchange it for your own token first (POST /me/tokens)")
        return None


def check_case_actor(user: User, permission: str = "case.work") -> None:
    """Refuse (403) a user who may not act on cases with ``permission``: the engine checks this
    again whatever the caller checked."""
    why = user.refusal(permission)
    if why is not None:
        raise CtfmonError(why, http_status=403)


def _is_admin(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT 1 FROM users WHERE name = ? AND role = 'admin' AND active",
                            [name]).fetchall())


def roles_for(permission: str) -> tuple[str, ...]:
    """Roles holding ``permission``, in the order of :data:`ROLES`."""
    return tuple(r for r in ROLES if r in PERMISSIONS[permission])


def hash_token(token: str) -> str:
    secret = get_settings().token_secret
    data = token.encode("utf-8")
    if secret:
        return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise CtfmonError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", http_status=422)


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, *, actor: str = "cli") -> User:
    """Create a user; refuses a bad name, an unknown role or an existing name."""
    if not _NAME_RE.match(name):
        raise CtfmonError(
            f"user name {name!r} is not valid: 1-64 letters, digits, '.', '_', '@', '-'", http_status=422
        )
    _check_role(role)
    with transaction(con):
        if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchall():
            raise Conflict(f"user {name!r} already exists")
        pending = role in CASE_ROLES and _is_admin(con, actor)
        con.execute("INSERT INTO users (name, role, created_at, active, granted_by, pending_approval) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [name, role, now_utc(), not pending, actor, pending])
        audit.record(con, audit.AuditEvent(actor, "user.add", "user", name, None,
                                           {"role": role, "active": not pending, "pending_approval": pending}))
    log.info("user %s added with role %s%s", name, role, " (awaiting a second admin)" if pending else "")
    return User(name, role)


def approve_user(con: duckdb.DuckDBPyConnection, name: str, *, actor: str) -> dict[str, Any]:
    """A second admin approves the case role an admin granted: the user becomes active."""
    with transaction(con):
        u = get_user(con, name)
        if not u["pending_approval"]:
            raise Conflict(f"user {name!r} has no role grant awaiting approval")
        if not _is_admin(con, actor):
            raise CtfmonError(f"only an admin may approve the role grant of {name!r}", http_status=403)
        if u["granted_by"] == actor:
            raise CtfmonError(
                f"{actor} granted the {u['role']} role to {name!r} and cannot also approve it: a second admin "
                "must (four eyes)", http_status=403)
        con.execute("UPDATE users SET active = TRUE, pending_approval = FALSE, approved_by = ? WHERE name = ?",
                    [actor, name])
        audit.record(con, audit.AuditEvent(actor, "user.approve", "user", name,
                                           {"active": False, "pending_approval": True, "role": u["role"]},
                                           {"active": True, "role": u["role"], "granted_by": u["granted_by"]}))
    return get_user(con, name)


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    rows = con.execute(
        "SELECT name, role, created_at, active, granted_by, approved_by, coalesce(pending_approval, FALSE) "
        "FROM users WHERE name = ?", [name]
    ).fetchall()
    if not rows:
        raise NotFound(f"no user {name!r}")
    r = rows[0]
    return {"name": r[0], "role": r[1], "created_at": r[2], "active": r[3], "granted_by": r[4],
            "approved_by": r[5], "pending_approval": bool(r[6])}


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT u.name, u.role, u.created_at, u.active,
                  count(t.token_id) FILTER (WHERE t.revoked_at IS NULL) AS active_tokens,
                  u.granted_by, u.approved_by, coalesce(u.pending_approval, FALSE)
           FROM users u LEFT JOIN api_tokens t ON t.user_name = u.name
           GROUP BY ALL ORDER BY u.name"""
    ).fetchall()
    return [
        {"name": r[0], "role": r[1], "created_at": r[2], "active": r[3], "active_tokens": int(r[4]),
         "granted_by": r[5], "approved_by": r[6], "pending_approval": bool(r[7])}
        for r in rows
    ]


def issue_token(con: duckdb.DuckDBPyConnection, name: str, *, actor: str = "cli") -> tuple[str, str]:
    """Create a new token for ``name``; returns (token_id, token).  The token is not stored."""
    get_user(con, name)
    token_id = secrets.token_hex(6)
    token = "ctf_" + secrets.token_urlsafe(32)
    with transaction(con):
        enrolment = actor != name and _is_admin(con, actor)
        con.execute(
            "INSERT INTO api_tokens (token_id, user_name, token_hash, created_at, revoked_at, issued_by, enrolment) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?)",
            [token_id, name, hash_token(token), now_utc(), actor, enrolment],
        )
        audit.record(con, audit.AuditEvent(actor, "token.issue", "user", name, None,
                                           {"token_id": token_id, "enrolment": enrolment}))
    log.info("token %s issued for %s", token_id, name)
    return token_id, token


def exchange_token(con: duckdb.DuckDBPyConnection, token: str) -> tuple[str, str]:
    """The holder of a live token gets a token of their own (not an enrolment token); an enrolment
    token used for this is revoked.  Returns (token_id, token)."""
    held = _holder(con, token)
    if held is None:
        raise CtfmonError("invalid or revoked token", http_status=401)
    old_id, user = held
    with transaction(con):
        new_id, new = issue_token(con, user.name, actor=user.name)
        if user.enrolment:
            con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [now_utc(), old_id])
            audit.record(con, audit.AuditEvent(user.name, "token.exchange", "user", user.name,
                                               {"token_id": old_id, "enrolment": True},
                                               {"token_id": new_id, "revoked": old_id}))
    return new_id, new


def revoke_token(con: duckdb.DuckDBPyConnection, name: str, token_id: str, *, actor: str = "cli") -> None:
    with transaction(con):
        rows = con.execute(
            "SELECT revoked_at FROM api_tokens WHERE token_id = ? AND user_name = ?", [token_id, name]
        ).fetchall()
        if not rows:
            raise NotFound(f"user {name!r} has no token {token_id!r}")
        if rows[0][0] is not None:
            raise Conflict(f"token {token_id!r} is already revoked")
        con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [now_utc(), token_id])
        audit.record(
            con, audit.AuditEvent(actor, "token.revoke", "user", name, {"token_id": token_id}, None)
        )


def _holder(con: duckdb.DuckDBPyConnection, token: str) -> tuple[str, User] | None:
    """(token id, user) of a live token of an active user, or None."""
    if not token or len(token) > 512:
        return None
    digest = hash_token(token)
    rows = con.execute(
        """SELECT t.token_id, t.token_hash, u.name, u.role, coalesce(t.enrolment, FALSE)
           FROM api_tokens t JOIN users u ON u.name = t.user_name
           WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active""",
        [digest],
    ).fetchall()
    if not rows or not hmac.compare_digest(rows[0][1], digest):
        return None
    return rows[0][0], User(rows[0][2], rows[0][3], bool(rows[0][4]))


def authenticate(con: duckdb.DuckDBPyConnection, token: str) -> User | None:
    """The active user holding ``token``, or None."""
    held = _holder(con, token)
    return held[1] if held else None


# --------------------------------------------------------------------------- page sessions
def start_session(con: duckdb.DuckDBPyConnection, token: str, *, hours: float) -> tuple[str, User] | None:
    """Sign in to the pages with an API token: a new session, or None for a bad token.

    Returns (session id, user).  The session id is random and goes into the browser's
    cookie; the database keeps only its hash, the token it was opened with and when it
    expires.  It ends at expiry, at sign-out (:func:`end_session`) and when its token is
    revoked or its user deactivated.  The API token itself never reaches the cookie."""
    held = _holder(con, token)
    if held is None:
        return None
    token_id, user = held
    session_id = secrets.token_urlsafe(32)
    now = now_utc()
    with transaction(con):
        con.execute("DELETE FROM ui_sessions WHERE expires_at <= ?", [now])
        con.execute("INSERT INTO ui_sessions VALUES (?, ?, ?, ?, ?)",
                    [hash_token(session_id), user.name, token_id, now, now + timedelta(hours=hours)])
        audit.record(con, audit.AuditEvent(user.name, "session.start", "user", user.name, None,
                                           {"token_id": token_id, "hours": hours}))
    log.info("page session started for %s", user.name)
    return session_id, user


def session_user(con: duckdb.DuckDBPyConnection, session_id: str) -> User | None:
    """The user of a live session (not expired, token not revoked, user active), or None."""
    if not session_id or len(session_id) > 512:
        return None
    digest = hash_token(session_id)
    rows = con.execute(
        """SELECT s.session_hash, u.name, u.role, coalesce(t.enrolment, FALSE) FROM ui_sessions s
           JOIN api_tokens t ON t.token_id = s.token_id AND t.revoked_at IS NULL
           JOIN users u ON u.name = s.user_name AND u.active
           WHERE s.session_hash = ? AND s.expires_at > ?""",
        [digest, now_utc()],
    ).fetchall()
    if not rows or not hmac.compare_digest(rows[0][0], digest):
        return None
    return User(rows[0][1], rows[0][2], bool(rows[0][3]))


def end_session(con: duckdb.DuckDBPyConnection, session_id: str) -> None:
    """Sign out: the session is deleted, so its cookie no longer opens anything."""
    if not session_id:
        return
    with transaction(con):
        gone = con.execute("DELETE FROM ui_sessions WHERE session_hash = ? RETURNING user_name",
                           [hash_token(session_id)]).fetchall()
        if gone:
            audit.record(con, audit.AuditEvent(gone[0][0], "session.end", "user", gone[0][0], None, None))
