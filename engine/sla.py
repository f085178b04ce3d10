"""Case due dates (SLA) per priority and typology, replacing the one due date for every case.

A case's **priority** comes from its risk score: ``high`` from ``CTFMON_CASE_PRIORITY_HIGH``
(0.8), ``medium`` from ``CTFMON_CASE_PRIORITY_MEDIUM`` (0.5), else ``low``.  Its **due date**
is the earliest of

- its creation plus ``CTFMON_CASE_SLA_DAYS_BY_PRIORITY[priority]`` calendar days (default
  high 5, medium 15, low 30), and
- for each typology with a rule in ``CTFMON_CASE_SLA_BUSINESS_DAYS_BY_TYPOLOGY`` (default
  ``{"SAN-*": 1}``: a sanctions hit is due the next business day), the time that typology's
  first alert joined the case plus that many business days (Monday to Friday).

Due dates are recomputed for every case a sync creates or adds alerts to (so a sanctions hit
joining an old case pulls its due date in).  A case past its due date while open is overdue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from engine.config import get_settings

PRIORITIES: tuple[str, ...] = ("high", "medium", "low")


def priority(risk: float) -> str:
    s = get_settings()
    if risk >= s.case_priority_high:
        return "high"
    return "medium" if risk >= s.case_priority_medium else "low"


def priority_sql(col: str = "c.risk_score") -> str:
    """A SQL expression giving the priority of the case in ``col``'s row."""
    s = get_settings()
    return (f"CASE WHEN {col} >= {float(s.case_priority_high)} THEN 'high' "
            f"WHEN {col} >= {float(s.case_priority_medium)} THEN 'medium' ELSE 'low' END")


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Saturdays and Sundays skipped), same time of day."""
    out = start
    while days > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


def typology_rule(typology_id: str) -> int | None:
    """Business days the typology's rule allows (None: no rule; the priority decides)."""
    rules = get_settings().case_sla_business_days_by_typology
    if typology_id in rules:
        return int(rules[typology_id])
    hits = [int(d) for k, d in rules.items() if k.endswith("*") and typology_id.startswith(k[:-1])]
    return min(hits) if hits else None


def due_at(created_at: datetime, risk: float, first_seen: dict[str, datetime]) -> tuple[datetime, str]:
    """(due date, the rule that set it, in words) of a case."""
    pr = priority(risk)
    days = int(get_settings().case_sla_days_by_priority[pr])
    best, why = created_at + timedelta(days=days), f"{pr} priority: {days} days"
    for typ, seen in sorted(first_seen.items()):
        bd = typology_rule(typ)
        if bd is not None:
            due = add_business_days(seen, bd)
            if due < best:
                best, why = due, f"{typ}: {bd} business day{'s' if bd != 1 else ''}"
    return best, why


def refresh_due_dates(con: duckdb.DuckDBPyConnection, case_ids_sql: str) -> int:
    """Recompute the due date of the cases ``case_ids_sql`` selects; returns how many."""
    rows = con.execute(
        f"""SELECT c.case_id, c.created_at, c.risk_score, a.typology_id, min(ca.added_at)
            FROM cases c JOIN case_alerts ca ON ca.case_id = c.case_id JOIN alerts a ON a.alert_id = ca.alert_id
            WHERE c.case_id IN ({case_ids_sql}) GROUP BY ALL"""
    ).fetchall()
    per: dict[str, dict[str, Any]] = {}
    for cid, created, risk, typ, seen in rows:
        per.setdefault(cid, {"created": created, "risk": risk, "seen": {}})["seen"][typ] = seen
    if not per:
        return 0
    ids, dues = [], []
    for cid, d in per.items():
        ids.append(cid)
        dues.append(due_at(d["created"], float(d["risk"]), d["seen"])[0])
    con.register("_sla_due", pl.DataFrame({"case_id": ids, "due_at": dues},
                                          schema={"case_id": pl.String, "due_at": pl.Datetime("us")}).to_arrow())
    try:
        con.execute("UPDATE cases SET due_at = s.due_at FROM _sla_due s WHERE cases.case_id = s.case_id")
    finally:
        con.unregister("_sla_due")
    return len(ids)
