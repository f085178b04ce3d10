"""Versioned typology parameters with four eyes (maker-checker).

A parameter change is a *change request* (``param_changes``): the typology, the values asked
for (``None`` puts a parameter back to its catalogue default) and a reason, proposed by one
person.  It goes live only when a second person approves it (the approver must differ from
the proposer); approving writes the live overrides (``typology_params``) and a new *version*
(``param_versions``).  Versions are numbered across all typologies (1, 2, 3 ...): the number
in force is the parameter version every scan records.  Version 0 is what was stored before
versioning (or the catalogue defaults).

Rollback is one action: it restores the overrides a typology had before its latest version
(or as of a named version) and is itself a new version, audited like any change.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import duckdb

from engine import audit
from engine.detect.typology import Typology
from engine.errors import Conflict, CtfmonError, NotFound
from engine.store import now_utc, transaction
from engine.typology_params import get_typology_overrides, set_typology_params, validate_params

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS param_changes (
  change_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  requested JSON NOT NULL,
  reason VARCHAR NOT NULL,
  proposed_by VARCHAR NOT NULL,
  proposed_at TIMESTAMP NOT NULL,
  status VARCHAR NOT NULL,
  decided_by VARCHAR,
  decided_at TIMESTAMP,
  decision_note VARCHAR,
  version INTEGER
)""",
    """CREATE TABLE IF NOT EXISTS param_versions (
  version INTEGER PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  overrides JSON NOT NULL,
  previous JSON NOT NULL,
  change_id VARCHAR,
  proposed_by VARCHAR NOT NULL,
  approved_by VARCHAR,
  reason VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)""",
]

CHANGE_COLS = ("change_id", "typology_id", "requested", "reason", "proposed_by", "proposed_at", "status",
               "decided_by", "decided_at", "decision_note", "version")
VERSION_COLS = ("version", "typology_id", "kind", "overrides", "previous", "change_id", "proposed_by",
                "approved_by", "reason", "created_at")


def _decode(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    for k in keys:
        if isinstance(d.get(k), str):
            d[k] = json.loads(d[k])
    return d


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The parameter version in force (0: nothing approved since versioning began)."""
    rows = con.execute("SELECT max(version) FROM param_versions").fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise CtfmonError("a parameter change needs a reason (why this value)", http_status=422)
    if len(text) > 2000:
        raise CtfmonError("reason: at most 2000 characters", http_status=422)
    return text


def _merged(con: duckdb.DuckDBPyConnection, typ: type[Typology], values: dict[str, Any]) -> dict[str, Any]:
    """The typology's overrides with ``values`` applied (``None`` removes one), validated."""
    merged = get_typology_overrides(con, typ)
    for k, v in values.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    validate_params(typ, merged)
    return merged


def propose(con: duckdb.DuckDBPyConnection, typ: type[Typology], values: dict[str, Any], *, reason: str | None,
            actor: str) -> dict[str, Any]:
    """Record a pending change request after validating it against the live overrides."""
    if not isinstance(values, dict) or not values:
        raise CtfmonError(f"typology {typ.id}: name at least one parameter to change", http_status=422)
    _merged(con, typ, values)  # unknown names and bad values are refused here, nothing stored
    why = _reason(reason)
    change_id = "PC-" + now_utc().strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8]
    with transaction(con):
        con.execute(
            "INSERT INTO param_changes (change_id, typology_id, requested, reason, proposed_by, proposed_at, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
            [change_id, typ.id, json.dumps(values, default=str), why, actor, now_utc()])
        audit.record(con, audit.AuditEvent(actor, "typology.change_proposed", "typology", typ.id, None,
                                           {"change_id": change_id, "requested": values, "reason": why}))
    return get_change(con, change_id)


def get_change(con: duckdb.DuckDBPyConnection, change_id: str) -> dict[str, Any]:
    rows = con.execute(f"SELECT {', '.join(CHANGE_COLS)} FROM param_changes WHERE change_id = ?",
                       [change_id]).fetchall()
    if not rows:
        raise NotFound(f"no parameter change {change_id!r}")
    return _decode(dict(zip(CHANGE_COLS, rows[0], strict=True)), "requested")


def list_changes(con: duckdb.DuckDBPyConnection, *, typology_id: str | None = None,
                 status: str | None = None) -> list[dict[str, Any]]:
    where, args = [], []
    if typology_id:
        where.append("typology_id = ?")
        args.append(typology_id)
    if status:
        where.append("status = ?")
        args.append(status)
    sql = f"SELECT {', '.join(CHANGE_COLS)} FROM param_changes"
    sql += (" WHERE " + " AND ".join(where)) if where else ""
    rows = con.execute(sql + " ORDER BY proposed_at DESC, change_id", args).fetchall()
    return [_decode(dict(zip(CHANGE_COLS, r, strict=True)), "requested") for r in rows]


def list_versions(con: duckdb.DuckDBPyConnection, typology_id: str | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT {', '.join(VERSION_COLS)} FROM param_versions"
    args = [typology_id] if typology_id else []
    rows = con.execute(sql + (" WHERE typology_id = ?" if typology_id else "") + " ORDER BY version DESC",
                       args).fetchall()
    return [_decode(dict(zip(VERSION_COLS, r, strict=True)), "overrides", "previous") for r in rows]


def _new_version(con: duckdb.DuckDBPyConnection, typ: type[Typology], overrides: dict[str, Any], *, kind: str,
                 change_id: str | None, proposed_by: str, approved_by: str | None, reason: str,
                 actor: str) -> int:
    """Write ``overrides`` live as the next version, with its audit entries (inside a transaction)."""
    before_overrides = get_typology_overrides(con, typ)
    before = validate_params(typ, before_overrides).model_dump()
    after = set_typology_params(con, typ, {**dict.fromkeys(before_overrides), **overrides})
    version = current_version(con) + 1
    con.execute(
        f"INSERT INTO param_versions ({', '.join(VERSION_COLS)}) VALUES ({', '.join('?' * len(VERSION_COLS))})",
        [version, typ.id, kind, json.dumps(get_typology_overrides(con, typ), default=str),
         json.dumps(before_overrides, default=str), change_id, proposed_by, approved_by, reason, now_utc()])
    audit.record(con, audit.AuditEvent(actor, "typology.params", "typology", typ.id, before,
                                       {**after, "_version": version, "_kind": kind, "_change_id": change_id}))
    return version


def approve(con: duckdb.DuckDBPyConnection, typ: type[Typology], change_id: str, *, actor: str,
            note: str | None = None) -> dict[str, Any]:
    """Approve a pending change as a second person: it goes live as a new version."""
    with transaction(con):
        ch = get_change(con, change_id)
        if ch["typology_id"] != typ.id:
            raise NotFound(f"no parameter change {change_id!r} for typology {typ.id}")
        if ch["status"] != "pending":
            raise Conflict(f"parameter change {change_id} is {ch['status']} already (by {ch['decided_by']}); "
                           "only a pending change can be approved")
        if ch["proposed_by"] == actor:
            raise CtfmonError(f"parameter change {change_id} was proposed by {actor}: a second person must "
                              "approve it (four eyes)", http_status=403)
        merged = _merged(con, typ, ch["requested"])
        version = _new_version(con, typ, merged, kind="change", change_id=change_id, proposed_by=ch["proposed_by"],
                               approved_by=actor, reason=ch["reason"], actor=actor)
        con.execute("UPDATE param_changes SET status = 'approved', decided_by = ?, decided_at = ?, "
                    "decision_note = ?, version = ? WHERE change_id = ?",
                    [actor, now_utc(), (note or "").strip() or None, version, change_id])
        audit.record(con, audit.AuditEvent(actor, "typology.change_approved", "typology", typ.id,
                                           {"change_id": change_id, "status": "pending"},
                                           {"change_id": change_id, "status": "approved", "version": version}))
    return get_change(con, change_id)


def reject(con: duckdb.DuckDBPyConnection, change_id: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    """Reject (or, by its proposer, withdraw) a pending change; nothing goes live."""
    with transaction(con):
        ch = get_change(con, change_id)
        if ch["status"] != "pending":
            raise Conflict(f"parameter change {change_id} is {ch['status']} already; only a pending change "
                           "can be rejected")
        status = "withdrawn" if ch["proposed_by"] == actor else "rejected"
        con.execute("UPDATE param_changes SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
                    "WHERE change_id = ?", [status, actor, now_utc(), (note or "").strip() or None, change_id])
        audit.record(con, audit.AuditEvent(actor, f"typology.change_{status}", "typology", ch["typology_id"],
                                           {"change_id": change_id, "status": "pending"},
                                           {"change_id": change_id, "status": status, "note": note}))
    return get_change(con, change_id)


def rollback(con: duckdb.DuckDBPyConnection, typ: type[Typology], *, actor: str, reason: str | None = None,
             to_version: int | None = None) -> dict[str, Any]:
    """Restore the overrides before the typology's latest version (or those in force after
    ``to_version``, a version of this typology, 0 for the catalogue defaults); one action, a new version."""
    versions = list_versions(con, typ.id)
    if not versions:
        raise CtfmonError(f"typology {typ.id} has no parameter version to roll back", http_status=409)
    if to_version is None:
        target, label = versions[0]["previous"], f"before version {versions[0]['version']}"
    elif to_version == 0:
        target, label = (versions[-1]["previous"] if versions else {}), "version 0"
    else:
        match = [v for v in versions if v["version"] == to_version]
        if not match:
            raise NotFound(f"typology {typ.id} has no parameter version {to_version}")
        target, label = match[0]["overrides"], f"version {to_version}"
    why = (reason or "").strip() or f"rollback to {label}"
    with transaction(con):
        validate_params(typ, target)
        version = _new_version(con, typ, dict(target), kind="rollback", change_id=None, proposed_by=actor,
                               approved_by=None, reason=why, actor=actor)
        audit.record(con, audit.AuditEvent(actor, "typology.rollback", "typology", typ.id,
                                           {"version": versions[0]["version"]},
                                           {"version": version, "restored": label, "reason": why}))
    return list_versions(con, typ.id)[0]
