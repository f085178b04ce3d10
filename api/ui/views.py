"""Read-only shapes for the pages: dashboard figures, the case timeline
and the drawable graph.  Nothing here changes data; decisions stay in :mod:`engine`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

import duckdb

from api.ui.graph_view import DEFAULT_COLOUR, ROLE_COLOURS, graph_elements  # noqa: F401 (the pages' import)
from engine.cases import OPEN_STATES

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under 7 days", 0, 7),
    ("7-30 days", 7, 30),
    ("30-90 days", 30, 90),
    ("over 90 days", 90, None),
)



# --------------------------------------------------------------------------- dashboard
def dashboard(con: duckdb.DuckDBPyConnection, now: datetime, *, weeks: int = 12) -> dict[str, Any]:
    """Alerts per typology over the ``weeks`` calendar weeks up to the latest alert (by the
    end of their activity window), open cases by state and age, headline counts and the
    last scans."""
    weekly = con.execute(
        """SELECT typology_id, CAST(date_trunc('week', coalesce(window_end, created_at)) AS DATE) AS week,
                  count(*) AS n
           FROM alerts GROUP BY 1, 2"""
    ).fetchall()
    latest = max((w for _, w, _ in weekly), default=None)
    shown = [latest - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)] if latest is not None else []
    per: dict[str, dict[Any, int]] = {}
    for typ, week, n in weekly:
        if week in shown:
            per.setdefault(typ, {})[week] = int(n)
    week_totals = {w: sum(per_t.get(w, 0) for per_t in per.values()) for w in shown}
    peak_cell = max((n for per_t in per.values() for n in per_t.values()), default=0)
    peak_week = max(week_totals.values(), default=0)
    typ_rows = sorted(
        ({"typology": t, "cells": [per[t].get(w, 0) for w in shown], "total": sum(per[t].values())}
         for t in per),
        key=lambda r: (-r["total"], r["typology"]),
    )

    bucket_sql = " ".join(
        f"WHEN age_days >= {lo}" + (f" AND age_days < {hi}" if hi is not None else "") + f" THEN {i}"
        for i, (_, lo, hi) in enumerate(AGE_BUCKETS)
    )
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATES)
    aged = con.execute(
        f"""SELECT state, CASE {bucket_sql} END AS bucket, count(*) AS n,
                   sum(CASE WHEN due_at < ? THEN 1 ELSE 0 END) AS overdue
            FROM (SELECT state, due_at, date_diff('day', created_at, CAST(? AS TIMESTAMP)) AS age_days
                  FROM cases WHERE state IN ({open_list})) x
            GROUP BY 1, 2""",
        [now, now],
    ).fetchall()
    grid = {s: [0] * len(AGE_BUCKETS) for s in OPEN_STATES}
    overdue = 0
    for state, bucket, n, od in aged:
        grid[state][int(bucket)] += int(n)
        overdue += int(od or 0)
    state_rows = [{"state": s, "cells": grid[s], "total": sum(grid[s])} for s in OPEN_STATES]
    peak_state = max((r["total"] for r in state_rows), default=0)

    head = con.execute(
        f"""SELECT (SELECT count(*) FROM alerts),
                   (SELECT count(*) FROM cases WHERE state IN ({open_list})),
                   (SELECT count(*) FROM cases WHERE state IN ({open_list}) AND assignee IS NULL),
                   (SELECT count(*) FROM case_dispositions WHERE status = 'pending')"""
    ).fetchall()[0]
    closed = con.execute(
        "SELECT state, count(*) FROM cases WHERE state NOT IN (" + open_list + ") GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return {
        "weeks": shown,
        "typology_rows": typ_rows,
        "week_totals": [week_totals[w] for w in shown],
        "peak_cell": peak_cell,
        "peak_week": peak_week,
        "age_buckets": [b[0] for b in AGE_BUCKETS],
        "state_rows": state_rows,
        "peak_state": peak_state,
        "counts": {"alerts": int(head[0]), "open_cases": int(head[1]), "unassigned": int(head[2]),
                   "pending_proposals": int(head[3]), "overdue": overdue},
        "closed": [{"state": s, "n": int(n)} for s, n in closed],
        "scans": recent_scans(con, limit=8),
    }


def recent_scans(con: duckdb.DuckDBPyConnection, *, limit: int = 20) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT s.scan_id, s.started_at, s.finished_at, s.window_start, s.window_end, s.status,
                  s.triggered_by, len(s.typologies),
                  CASE WHEN coalesce(s.mode, 'live') = 'live'
                       THEN (SELECT count(*) FROM alerts a WHERE a.scan_id = s.scan_id)
                       ELSE (SELECT count(*) FROM sandbox_alerts b WHERE b.scan_id = s.scan_id) END,
                  coalesce(s.mode, 'live')
           FROM scans s ORDER BY s.started_at DESC, s.scan_id LIMIT ?""",
        [limit],
    ).fetchall()
    cols = ("scan_id", "started_at", "finished_at", "window_start", "window_end", "status", "triggered_by",
            "typology_count", "alerts", "mode")
    return [dict(zip(cols, r, strict=True)) for r in rows]


_SCAN_COLS = ("scan_id", "started_at", "finished_at", "as_of", "window_start", "window_end", "typologies",
              "status", "counts", "timings", "errors", "warnings", "triggered_by", "mode", "param_version")


def scan_detail(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any] | None:
    """One scan row with its JSON figures decoded; a running scan also gets ``so_far``
    (new alerts stored per typology until now).  None when there is no such scan."""
    rows = con.execute(f"SELECT {', '.join(_SCAN_COLS)} FROM scans WHERE scan_id = ?", [scan_id]).fetchall()
    if not rows:
        return None
    row = dict(zip(_SCAN_COLS, rows[0], strict=True))
    for k in ("counts", "timings", "errors"):
        row[k] = json.loads(row[k]) if isinstance(row[k], str) else (row[k] or {})
    row["warnings"] = json.loads(row["warnings"]) if isinstance(row["warnings"], str) else (row["warnings"] or [])
    row["typologies"] = list(row["typologies"] or [])
    row["so_far"] = scan_alerts_so_far(con, scan_id) if row["status"] == "running" else {}
    return row


def scan_alerts_so_far(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, int]:
    """New alerts stored by a scan so far, per typology (a running scan's progress)."""
    return {t: int(n) for t, n in con.execute(
        "SELECT typology_id, count(*) FROM alerts WHERE scan_id = ? GROUP BY 1 ORDER BY 1", [scan_id]
    ).fetchall()}


def scan_of_tag(con: duckdb.DuckDBPyConnection, triggered_by: str) -> str | None:
    rows = con.execute(
        "SELECT scan_id FROM scans WHERE triggered_by = ? ORDER BY started_at DESC LIMIT 1", [triggered_by]
    ).fetchall()
    return rows[0][0] if rows else None


# --------------------------------------------------------------------------- case page
def timeline(case: dict[str, Any], *, width: int = 1000, height: int = 130) -> dict[str, Any]:
    """The case's money movements in time order (evidence transactions, declarations and
    trade documents) with their direction relative to the case's subjects, plus dot positions
    for a small SVG strip.  Transfers between others (a chain's middle hops) are ``related``;
    declarations are only the subjects' own: a co-traveller's declaration is not the subject's
    outflow (co-travellers alerted with it are subjects of the case, or related cases)."""
    mine = {a["account_id"] for a in (case.get("subject") or {}).get("accounts") or []}
    if case.get("subject_type") == "account":
        mine.add(case["subject_id"])
    parties = {case["subject_id"]} if case.get("subject_type") == "party" else set()
    for s in case.get("subjects") or []:  # every subject of a network case is "mine"
        mine.update(s.get("accounts") or [])
        if s.get("subject_type") == "party":
            parties.add(s["subject_id"])
    ev = case.get("evidence") or {}
    items: list[dict[str, Any]] = []
    for t in ev.get("transactions", []):
        if t.get("to_account") in mine and t.get("from_account") not in mine:
            direction, other = "in", t.get("originator_name") or t.get("from_account")
        elif t.get("from_account") in mine and t.get("to_account") not in mine:
            direction, other = "out", t.get("beneficiary_name") or t.get("to_account")
        else:
            direction = "within" if t.get("from_account") in mine else "related"
            other = f"{t.get('from_account') or 'cash'} → {t.get('to_account') or 'cash'}"
        items.append({"kind": "transaction", "id": t["txn_id"], "at": t["timestamp"], "channel": t.get("channel"),
                      "direction": direction, "counterparty": other or "cash", "amount": t.get("amount"),
                      "currency": t.get("currency"), "amount_base": t.get("amount_base")})
    for d in ev.get("cash_declarations", []):
        if d.get("party_id") not in parties:
            continue  # a co-traveller's own declaration: listed among subjects or related cases, not here
        items.append({"kind": "declaration", "id": d["declaration_id"], "at": d["timestamp"],
                      "channel": f"cash {d.get('direction') or ''} at {d.get('port') or '?'} "
                                 f"by {d.get('traveller_name') or '?'}".strip(),
                      "direction": "out" if d.get("direction") == "outbound" else "in",
                      "counterparty": " → ".join(x for x in (d.get("origin_country"), d.get("destination_country")) if x),
                      "amount": d.get("amount"), "currency": d.get("currency"), "amount_base": d.get("amount_base")})
    for d in ev.get("trade_documents", []):
        at = d["date"]
        at = datetime(at.year, at.month, at.day) if not isinstance(at, datetime) else at
        items.append({"kind": "trade document", "id": d["trade_id"], "at": at, "channel": f"HS {d.get('hs_code')}",
                      "direction": "related",
                      "counterparty": f"{d.get('exporter_party_id') or '?'} → {d.get('importer_party_id') or '?'}",
                      "amount": d.get("invoice_value"), "currency": d.get("currency"),
                      "amount_base": d.get("invoice_value_base")})
    items.sort(key=lambda i: (i["at"], i["id"]))
    dots: list[dict[str, Any]] = []
    ticks: list[dict[str, Any]] = []
    if items:
        t0, t1 = items[0]["at"], items[-1]["at"]
        span = max((t1 - t0).total_seconds(), 1.0)
        peak = max(float(i["amount_base"] or 0) for i in items) or 1.0
        pad = 24
        lanes = {"in": height * 0.3, "out": height * 0.7}
        for i in items:
            x = pad + (i["at"] - t0).total_seconds() / span * (width - 2 * pad)
            r = 3 + 9 * math.sqrt(max(float(i["amount_base"] or 0), 0.0) / peak)
            dots.append({**i, "x": round(x, 1), "y": round(lanes.get(i["direction"], height * 0.5), 1),
                         "r": round(r, 1)})
        n_ticks = 1 if span <= 3600 else 4
        fmt = "%Y-%m-%d" if span > 8 * 86400 else "%m-%d %H:%M"
        for k in range(n_ticks + 1):
            at = t0 + timedelta(seconds=span * k / n_ticks)
            ticks.append({"x": round(pad + (width - 2 * pad) * k / n_ticks, 1), "label": at.strftime(fmt)})
    return {"rows": items, "dots": dots, "ticks": ticks, "width": width, "height": height}
