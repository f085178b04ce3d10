"""Champion/challenger: a proposed parameter set run in shadow beside the live one.

A challenger names one typology, the parameter values it proposes (validated like a change
request) and a period.  While it is active and inside its period, every scheduled scan that
runs the typology is followed by a *shadow* scan (:mod:`engine.sandbox`: alerts apart, no
cases) over the same window with the challenger's values; ``challenger_runs`` pairs the two.
The differences are then read per run: alerts only the challenger raises (added), alerts it
would drop (removed, with the dispositions analysts gave their live cases) and unchanged.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import duckdb

from engine import audit
from engine.detect.typology import Typology
from engine.errors import CtfmonError, NotFound
from engine.store import now_utc, transaction
from engine.typology_params import get_typology_overrides, validate_params

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS challengers (
  challenger_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  params JSON NOT NULL,
  reason VARCHAR NOT NULL,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  starts_at TIMESTAMP NOT NULL,
  ends_at TIMESTAMP NOT NULL,
  active BOOLEAN NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS challenger_runs (
  challenger_id VARCHAR NOT NULL,
  live_scan_id VARCHAR NOT NULL,
  shadow_scan_id VARCHAR NOT NULL,
  ran_at TIMESTAMP NOT NULL,
  PRIMARY KEY (challenger_id, shadow_scan_id)
)""",
]

COLS = ("challenger_id", "typology_id", "params", "reason", "created_by", "created_at", "starts_at", "ends_at",
        "active")


def create(con: duckdb.DuckDBPyConnection, typ: type[Typology], values: dict[str, Any], *, reason: str | None,
           starts_at: datetime, ends_at: datetime, actor: str) -> dict[str, Any]:
    """Register a challenger for ``typ`` (``values`` over the live overrides) for a period."""
    why = (reason or "").strip()
    if not why:
        raise CtfmonError("a challenger needs a reason", http_status=422)
    if not values:
        raise CtfmonError(f"typology {typ.id}: name at least one parameter value for the challenger", http_status=422)
    if ends_at <= starts_at:
        raise CtfmonError(f"challenger period: the end {ends_at} must come after the start {starts_at}",
                          http_status=422)
    params = {**get_typology_overrides(con, typ), **values}
    validate_params(typ, params)
    cid = "CH-" + uuid.uuid4().hex[:10]
    with transaction(con):
        con.execute(f"INSERT INTO challengers ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})",
                    [cid, typ.id, json.dumps(values, default=str), why, actor, now_utc(), starts_at, ends_at, True])
        audit.record(con, audit.AuditEvent(actor, "challenger.create", "challenger", cid, None,
                                           {"typology_id": typ.id, "params": values, "reason": why,
                                            "starts_at": starts_at, "ends_at": ends_at}))
    return get(con, cid)


def get(con: duckdb.DuckDBPyConnection, challenger_id: str) -> dict[str, Any]:
    rows = con.execute(f"SELECT {', '.join(COLS)} FROM challengers WHERE challenger_id = ?",
                       [challenger_id]).fetchall()
    if not rows:
        raise NotFound(f"no challenger {challenger_id!r}")
    return _row(rows[0])


def _row(r: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(COLS, r, strict=True))
    if isinstance(d["params"], str):
        d["params"] = json.loads(d["params"])
    return d


def list_all(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(f"SELECT {', '.join(COLS)} FROM challengers ORDER BY created_at DESC").fetchall()
    return [_row(r) for r in rows]


def stop(con: duckdb.DuckDBPyConnection, challenger_id: str, *, actor: str) -> dict[str, Any]:
    before = get(con, challenger_id)
    with transaction(con):
        con.execute("UPDATE challengers SET active = FALSE WHERE challenger_id = ?", [challenger_id])
        audit.record(con, audit.AuditEvent(actor, "challenger.stop", "challenger", challenger_id,
                                           {"active": before["active"]}, {"active": False}))
    return get(con, challenger_id)


def due(con: duckdb.DuckDBPyConnection, typology_ids: list[str], at: datetime) -> list[dict[str, Any]]:
    """Active challengers in their period for typologies among ``typology_ids``."""
    rows = con.execute(f"SELECT {', '.join(COLS)} FROM challengers WHERE active AND starts_at <= ? AND ends_at >= ? "
                       "ORDER BY created_at", [at, at]).fetchall()
    out = [_row(r) for r in rows]
    return [c for c in out if c["typology_id"] in typology_ids]


def record_run(con: duckdb.DuckDBPyConnection, challenger_id: str, live_scan_id: str, shadow_scan_id: str) -> None:
    con.execute("INSERT INTO challenger_runs VALUES (?, ?, ?, ?)",
                [challenger_id, live_scan_id, shadow_scan_id, now_utc()])


def runs(con: duckdb.DuckDBPyConnection, challenger_id: str) -> list[dict[str, Any]]:
    rows = con.execute("SELECT live_scan_id, shadow_scan_id, ran_at FROM challenger_runs WHERE challenger_id = ? "
                       "ORDER BY ran_at DESC", [challenger_id]).fetchall()
    return [{"live_scan_id": a, "shadow_scan_id": b, "ran_at": c} for a, b, c in rows]


def dispositions(con: duckdb.DuckDBPyConnection, alert_ids: list[str]) -> dict[str, int]:
    """How many of ``alert_ids`` (live alerts) sit in a case of each state (``no case`` otherwise)."""
    if not alert_ids:
        return {}
    marks = ",".join("?" * len(alert_ids))
    rows = con.execute(f"""
      SELECT coalesce(c.state, 'no case') AS state, count(*) FROM (SELECT unnest([{marks}]) AS alert_id) a
      LEFT JOIN case_alerts ca ON ca.alert_id = a.alert_id LEFT JOIN cases c ON c.case_id = ca.case_id
      GROUP BY 1 ORDER BY 2 DESC, 1""", alert_ids).fetchall()
    return {str(s): int(n) for s, n in rows}
