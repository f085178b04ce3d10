"""Stored tuning runs and below-the-line review batches.

``tuning_runs``: one sweep (:func:`engine.tuning.sweep`) with its figures, recommendation
and chart (SVG), so the tuning page can show it again.

Below-the-line testing: the alerts the live value raises and a stricter value would drop
(those of the live sandbox scan that are not in the stricter one) are sampled (seeded,
reproducible) into a *review batch*.  Analysts disposition each item like a case - worth a
case or not - once; the batch reports the share found worth a case, i.e. what the stricter
value would have missed.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import duckdb

from engine import audit
from engine.errors import Conflict, CtfmonError, NotFound
from engine.store import now_utc, transaction

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS tuning_runs (
  tuning_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  param VARCHAR NOT NULL,
  label_source VARCHAR NOT NULL,
  result JSON NOT NULL,
  recommended JSON,
  chart_svg VARCHAR,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS review_batches (
  batch_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  param VARCHAR NOT NULL,
  live_value JSON,
  stricter_value JSON,
  live_scan_id VARCHAR NOT NULL,
  stricter_scan_id VARCHAR NOT NULL,
  dropped INTEGER NOT NULL,
  tuning_id VARCHAR,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS review_items (
  batch_id VARCHAR NOT NULL,
  alert_id VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  explanation VARCHAR NOT NULL,
  decision VARCHAR,
  decided_by VARCHAR,
  decided_at TIMESTAMP,
  note VARCHAR,
  PRIMARY KEY (batch_id, alert_id)
)""",
]

DECISIONS = ("worth_case", "not_worth_case")


def save_run(con: duckdb.DuckDBPyConnection, result: dict[str, Any], recommended: dict[str, Any] | None,
             chart_svg: str | None, *, actor: str) -> str:
    tid = "TU-" + now_utc().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    con.execute("INSERT INTO tuning_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tid, result["typology_id"], result["param"], result["label_source"],
                 json.dumps(result, default=str), json.dumps(recommended, default=str) if recommended else None,
                 chart_svg, actor, now_utc()])
    return tid


def get_run(con: duckdb.DuckDBPyConnection, tuning_id: str) -> dict[str, Any]:
    rows = con.execute("SELECT tuning_id, typology_id, param, label_source, result, recommended, chart_svg, "
                       "created_by, created_at FROM tuning_runs WHERE tuning_id = ?", [tuning_id]).fetchall()
    if not rows:
        raise NotFound(f"no tuning run {tuning_id!r}")
    keys = ("tuning_id", "typology_id", "param", "label_source", "result", "recommended", "chart_svg",
            "created_by", "created_at")
    d = dict(zip(keys, rows[0], strict=True))
    for k in ("result", "recommended"):
        if isinstance(d[k], str):
            d[k] = json.loads(d[k])
    return d


def list_runs(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict[str, Any]]:
    rows = con.execute("SELECT tuning_id, typology_id, param, label_source, created_by, created_at "
                       "FROM tuning_runs ORDER BY created_at DESC LIMIT ?", [limit]).fetchall()
    keys = ("tuning_id", "typology_id", "param", "label_source", "created_by", "created_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def create_batch(con: duckdb.DuckDBPyConnection, *, typology_id: str, param: str, live_value: Any,
                 stricter_value: Any, live_scan_id: str, stricter_scan_id: str, sample: int, seed: int,
                 actor: str, tuning_id: str | None = None) -> dict[str, Any]:
    """Sample up to ``sample`` alerts of ``live_scan_id`` missing from ``stricter_scan_id`` into a batch."""
    if not 1 <= sample <= 1000:
        raise CtfmonError(f"sample size {sample}: expected 1 to 1000", http_status=422)
    dropped = con.execute("""
      SELECT alert_id, subject_type, subject_id, score, explanation FROM sandbox_alerts l WHERE l.scan_id = ?
        AND NOT EXISTS (SELECT 1 FROM sandbox_alerts s WHERE s.scan_id = ? AND s.alert_id = l.alert_id)
      ORDER BY alert_id""", [live_scan_id, stricter_scan_id]).fetchall()
    picked = random.Random(seed).sample(dropped, min(sample, len(dropped)))
    bid = "BTL-" + now_utc().strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:6]
    with transaction(con):
        con.execute("INSERT INTO review_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [bid, typology_id, param, json.dumps(live_value, default=str),
                     json.dumps(stricter_value, default=str), live_scan_id, stricter_scan_id, len(dropped),
                     tuning_id, actor, now_utc()])
        if picked:
            con.executemany("INSERT INTO review_items (batch_id, alert_id, subject_type, subject_id, score, "
                            "explanation) VALUES (?, ?, ?, ?, ?, ?)", [[bid, *r] for r in picked])
        audit.record(con, audit.AuditEvent(actor, "review.batch_create", "review_batch", bid, None,
                                           {"typology_id": typology_id, "param": param, "live_value": live_value,
                                            "stricter_value": stricter_value, "dropped": len(dropped),
                                            "sampled": len(picked), "seed": seed}))
    return batch(con, bid)


def batch(con: duckdb.DuckDBPyConnection, batch_id: str) -> dict[str, Any]:
    rows = con.execute("SELECT batch_id, typology_id, param, live_value, stricter_value, live_scan_id, "
                       "stricter_scan_id, dropped, tuning_id, created_by, created_at FROM review_batches "
                       "WHERE batch_id = ?", [batch_id]).fetchall()
    if not rows:
        raise NotFound(f"no review batch {batch_id!r}")
    keys = ("batch_id", "typology_id", "param", "live_value", "stricter_value", "live_scan_id", "stricter_scan_id",
            "dropped", "tuning_id", "created_by", "created_at")
    d = dict(zip(keys, rows[0], strict=True))
    for k in ("live_value", "stricter_value"):
        if isinstance(d[k], str):
            d[k] = json.loads(d[k])
    ikeys = ("alert_id", "subject_type", "subject_id", "score", "explanation", "decision", "decided_by",
             "decided_at", "note")
    d["items"] = [dict(zip(ikeys, r, strict=True)) for r in con.execute(
        f"SELECT {', '.join(ikeys)} FROM review_items WHERE batch_id = ? ORDER BY score DESC, alert_id",
        [batch_id]).fetchall()]
    decided = [i for i in d["items"] if i["decision"]]
    worth = sum(1 for i in decided if i["decision"] == "worth_case")
    d["summary"] = {"sampled": len(d["items"]), "decided": len(decided), "worth_case": worth,
                    "share_worth_case": round(worth / len(decided), 4) if decided else None}
    return d


def list_batches(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    ids = [r[0] for r in con.execute("SELECT batch_id FROM review_batches ORDER BY created_at DESC").fetchall()]
    return [batch(con, b) for b in ids]


def decide(con: duckdb.DuckDBPyConnection, batch_id: str, alert_id: str, decision: str, *, actor: str,
           note: str | None = None) -> dict[str, Any]:
    """Record one analyst's decision on one sampled alert (once)."""
    if decision not in DECISIONS:
        raise CtfmonError(f"decision {decision!r}: expected one of {', '.join(DECISIONS)}", http_status=422)
    batch(con, batch_id)
    with transaction(con):
        rows = con.execute("SELECT decision, decided_by FROM review_items WHERE batch_id = ? AND alert_id = ?",
                           [batch_id, alert_id]).fetchall()
        row = rows[0] if rows else None
        if row is None:
            raise NotFound(f"alert {alert_id!r} is not in review batch {batch_id}")
        if row[0] is not None:
            raise Conflict(f"alert {alert_id} in {batch_id} was decided already ({row[0]} by {row[1]})")
        con.execute("UPDATE review_items SET decision = ?, decided_by = ?, decided_at = ?, note = ? "
                    "WHERE batch_id = ? AND alert_id = ?",
                    [decision, actor, now_utc(), (note or "").strip() or None, batch_id, alert_id])
        audit.record(con, audit.AuditEvent(actor, "review.decide", "review_batch", batch_id, {"alert_id": alert_id},
                                           {"alert_id": alert_id, "decision": decision, "note": note}))
    return batch(con, batch_id)
