"""The ``score_decisions`` table: every real-time decision with what it was made on.

One row per scored record: its kind (``transaction`` or ``declaration``) and id, who asked,
the record as received (``inputs``), the verdict, the reasons, the typologies that fired
with their figures (``hits``), the rule versions (each reader's parameter hash, the active
list versions, the risk rating run), whether the record was stored, and the latency from
receipt to verdict.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from engine.errors import NotFound

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS score_decisions (
  decision_id VARCHAR PRIMARY KEY,
  decided_at TIMESTAMP NOT NULL,
  kind VARCHAR NOT NULL,
  record_id VARCHAR NOT NULL,
  actor VARCHAR NOT NULL,
  verdict VARCHAR NOT NULL,
  fired VARCHAR[] NOT NULL,
  reasons JSON NOT NULL,
  hits JSON NOT NULL,
  inputs JSON NOT NULL,
  rule_versions JSON NOT NULL,
  recorded BOOLEAN NOT NULL,
  latency_ms DOUBLE NOT NULL
)""",
]

COLUMNS = ("decision_id", "decided_at", "kind", "record_id", "actor", "verdict", "fired", "reasons", "hits",
           "inputs", "rule_versions", "recorded", "latency_ms")
_JSON = ("reasons", "hits", "inputs", "rule_versions")


def _default(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return str(v)


def dumps(v: Any) -> str:
    return json.dumps(v, default=_default, sort_keys=True)


def write(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Insert decision rows (dicts with :data:`COLUMNS`; a JSON column may come as text
    already), inside the caller's transaction."""
    if not rows:
        return
    frame = pl.DataFrame(
        {c: [(r[c] if isinstance(r[c], str) else dumps(r[c])) if c in _JSON else r[c] for r in rows]
         for c in COLUMNS},
        schema={"decision_id": pl.String, "decided_at": pl.Datetime("us"), "kind": pl.String, "record_id": pl.String,
                "actor": pl.String, "verdict": pl.String, "fired": pl.List(pl.String), "reasons": pl.String,
                "hits": pl.String, "inputs": pl.String, "rule_versions": pl.String, "recorded": pl.Boolean,
                "latency_ms": pl.Float64},
    )
    con.register("score_decision_rows", frame.to_arrow())
    try:
        cols = ", ".join(COLUMNS)
        con.execute(f"INSERT INTO score_decisions ({cols}) SELECT {cols} FROM score_decision_rows")
    finally:
        con.unregister("score_decision_rows")


def _row(r: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(COLUMNS, r, strict=True))
    for c in _JSON:
        d[c] = json.loads(d[c]) if isinstance(d[c], str) else d[c]
    d["fired"] = list(d["fired"] or [])
    return d


def get(con: duckdb.DuckDBPyConnection, decision_id: str) -> dict[str, Any]:
    row = con.execute(f"SELECT {', '.join(COLUMNS)} FROM score_decisions WHERE decision_id = ?",
                      [decision_id]).fetchone()
    if row is None:
        raise NotFound(f"decision {decision_id!r} not found")
    return _row(row)


def recent(con: duckdb.DuckDBPyConnection, *, record_id: str | None = None, verdict: str | None = None,
           limit: int = 100) -> list[dict[str, Any]]:
    where, args = [], []
    if record_id:
        where.append("record_id = ?")
        args.append(record_id)
    if verdict:
        where.append("verdict = ?")
        args.append(verdict)
    sql = f"SELECT {', '.join(COLUMNS)} FROM score_decisions"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = con.execute(sql + " ORDER BY decided_at DESC, decision_id LIMIT ?", [*args, limit]).fetchall()
    return [_row(r) for r in rows]
