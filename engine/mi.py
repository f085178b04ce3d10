"""Supervisor management information (MI): what the alerts and cases of a period came to.

:func:`compute` returns, for a date range cut into periods (``week``, ``month`` or ``quarter``):

- **per typology and period** — alerts raised (by ``alerts.created_at``), cases opened that
  hold an alert of the typology (by ``cases.created_at``), and decisions (by ``closed_at``):
  STRs filed, closed as false positive, closed with no action; the **STR conversion** (STRs /
  decided cases), the **false-positive rate** (false positives / decided cases), STRs per 100
  alerts and the **median time to decision** (creation to closing, in days).  A case with
  alerts of several typologies counts once for each.
- **workload and ageing per analyst** — open cases assigned, overdue, median and oldest age,
  open cases per age bucket, and cases decided in the range; unassigned open cases as one row.
- **SLA** — open cases per priority (:mod:`engine.sla`) with how many are overdue or due within
  a day, and the rules in force.
- **tiles** — headline counts, each with the link to the filtered case queue.

Nothing here changes data.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import duckdb

from engine import sla
from engine.case_model import DISPOSITIONS, OPEN_STATES
from engine.config import get_settings
from engine.errors import CtfmonError

PERIODS: tuple[str, ...] = ("week", "month", "quarter")
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under 7 days", 0, 7), ("7-30 days", 7, 30), ("30-90 days", 30, 90), ("over 90 days", 90, None))
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATES)
_DECIDED = ", ".join(f"'{s}'" for s in DISPOSITIONS)


def queue_link(**filters: Any) -> str:
    """The case queue page filtered as given."""
    q = {k: v for k, v in filters.items() if v is not None}
    return "/ui/cases" + ("?" + urlencode(q) if q else "")


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def compute(con: duckdb.DuckDBPyConnection, *, now: datetime, period: str = "month",
            since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """The MI of ``since`` .. ``until`` (inclusive dates; default the last 365 days up to ``now``)."""
    if period not in PERIODS:
        raise CtfmonError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}", http_status=422)
    until = until or now.date()
    since = since or (until - timedelta(days=364))
    if since > until:
        raise CtfmonError(f"since {since} is after until {until}", http_status=422)
    lo, hi = datetime.combine(since, datetime.min.time()), datetime.combine(until + timedelta(days=1),
                                                                            datetime.min.time())
    rows: dict[tuple[str, date], dict[str, Any]] = {}

    def row(typ: str, p: Any) -> dict[str, Any]:
        key = (typ, p.date() if isinstance(p, datetime) else p)
        return rows.setdefault(key, {"typology": typ, "period": key[1], "alerts": 0, "cases": 0, "decided": 0,
                                     "strs": 0, "false_positives": 0, "no_action": 0,
                                     "median_days_to_decision": None})

    for typ, p, n in con.execute(
        f"SELECT typology_id, date_trunc('{period}', created_at), count(*) FROM alerts "
        "WHERE created_at >= ? AND created_at < ? GROUP BY ALL", [lo, hi]).fetchall():
        row(typ, p)["alerts"] = int(n)
    ct = "(SELECT case_id, unnest(typologies) AS typology_id, state, created_at, closed_at FROM cases)"
    for typ, p, n in con.execute(
        f"SELECT typology_id, date_trunc('{period}', created_at), count(*) FROM {ct} "
        "WHERE created_at >= ? AND created_at < ? GROUP BY ALL", [lo, hi]).fetchall():
        row(typ, p)["cases"] = int(n)
    for typ, p, n, strs, fp, na, med in con.execute(
        f"""SELECT typology_id, date_trunc('{period}', closed_at), count(*),
                   count(*) FILTER (WHERE state = 'str_filed'), count(*) FILTER (WHERE state = 'closed_false_positive'),
                   count(*) FILTER (WHERE state = 'closed_no_action'),
                   median(date_diff('second', created_at, closed_at)) / 86400.0
            FROM {ct} WHERE state IN ({_DECIDED}) AND closed_at >= ? AND closed_at < ? GROUP BY ALL""",
        [lo, hi]).fetchall():
        r = row(typ, p)
        r.update(decided=int(n), strs=int(strs), false_positives=int(fp), no_action=int(na),
                 median_days_to_decision=round(float(med), 2) if med is not None else None)
    by_period = sorted(rows.values(), key=lambda r: (r["typology"], r["period"]))
    for r in by_period:
        _rates(r)
        r["queue_url"] = queue_link(typology=r["typology"])

    totals: dict[str, dict[str, Any]] = {}
    for r in by_period:
        t = totals.setdefault(r["typology"], {"typology": r["typology"], "alerts": 0, "cases": 0, "decided": 0,
                                              "strs": 0, "false_positives": 0, "no_action": 0})
        for k in ("alerts", "cases", "decided", "strs", "false_positives", "no_action"):
            t[k] += r[k]
    meds = dict(con.execute(
        f"""SELECT typology_id, median(date_diff('second', created_at, closed_at)) / 86400.0 FROM {ct}
            WHERE state IN ({_DECIDED}) AND closed_at >= ? AND closed_at < ? GROUP BY ALL""", [lo, hi]).fetchall())
    typologies = sorted(totals.values(), key=lambda t: (-t["alerts"], t["typology"]))
    for t in typologies:
        med = meds.get(t["typology"])
        t["median_days_to_decision"] = round(float(med), 2) if med is not None else None
        _rates(t)
        t["queue_url"] = queue_link(typology=t["typology"])
        t["str_url"] = queue_link(typology=t["typology"], state="str_filed")
        t["fp_url"] = queue_link(typology=t["typology"], state="closed_false_positive")

    return {
        "since": since, "until": until, "period": period, "as_of": now,
        "tiles": _tiles(con, now),
        "typologies": typologies,
        "by_period": by_period,
        "analysts": _workload(con, now, lo, hi),
        "sla": _sla(con, now),
    }


def _rates(r: dict[str, Any]) -> None:
    r["str_conversion"] = _ratio(r["strs"], r["decided"])
    r["false_positive_rate"] = _ratio(r["false_positives"], r["decided"])
    r["strs_per_100_alerts"] = round(100 * r["strs"] / r["alerts"], 2) if r["alerts"] else None


def compute_tiles(con: duckdb.DuckDBPyConnection, now: datetime) -> list[dict[str, Any]]:
    """Only the headline tiles (for those who do not read the rest of the MI)."""
    return _tiles(con, now)


def _tiles(con: duckdb.DuckDBPyConnection, now: datetime) -> list[dict[str, Any]]:
    head = con.execute(
        f"""SELECT (SELECT count(*) FROM cases WHERE state IN ({_OPEN})),
                   (SELECT count(*) FROM cases WHERE state IN ({_OPEN}) AND assignee IS NULL),
                   (SELECT count(*) FROM cases WHERE state IN ({_OPEN}) AND due_at < ?),
                   (SELECT count(DISTINCT case_id) FROM case_dispositions WHERE status = 'pending'),
                   (SELECT count(*) FROM cases WHERE state = 'escalated'),
                   (SELECT count(*) FROM cases WHERE state = 'str_filed'),
                   (SELECT count(*) FROM alerts)""", [now]).fetchall()[0]
    return [
        {"key": "open_cases", "label": "open cases", "value": int(head[0]), "url": queue_link()},
        {"key": "unassigned", "label": "unassigned", "value": int(head[1]), "url": queue_link(assignee="-")},
        {"key": "overdue", "label": "overdue", "value": int(head[2]), "url": queue_link(overdue=1, sort="due"),
         "warn": bool(head[2])},
        {"key": "awaiting_approval", "label": "awaiting approval", "value": int(head[3]),
         "url": queue_link(awaiting=1)},
        {"key": "escalated", "label": "escalated", "value": int(head[4]), "url": queue_link(state="escalated")},
        {"key": "strs_filed", "label": "STRs filed", "value": int(head[5]), "url": queue_link(state="str_filed")},
        {"key": "alerts", "label": "alerts in all", "value": int(head[6]), "url": queue_link()},
    ]


def _workload(con: duckdb.DuckDBPyConnection, now: datetime, lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    buckets = ", ".join(
        f"count(*) FILTER (WHERE state IN ({_OPEN}) AND age >= {a}" + (f" AND age < {b})" if b is not None else ")")
        for _, a, b in AGE_BUCKETS)
    out = []
    for r in con.execute(
        f"""SELECT assignee, count(*) FILTER (WHERE state IN ({_OPEN})),
                   count(*) FILTER (WHERE state IN ({_OPEN}) AND due_at < ?),
                   median(age) FILTER (WHERE state IN ({_OPEN})), max(age) FILTER (WHERE state IN ({_OPEN})),
                   count(*) FILTER (WHERE state IN ({_DECIDED}) AND closed_at >= ? AND closed_at < ?), {buckets}
            FROM (SELECT *, date_diff('day', created_at, CAST(? AS TIMESTAMP)) AS age FROM cases)
            GROUP BY assignee ORDER BY assignee NULLS LAST""", [now, lo, hi, now]).fetchall():
        name = r[0]
        if name is None and not r[1]:
            continue
        out.append({
            "analyst": name, "open": int(r[1]), "overdue": int(r[2]),
            "median_age_days": float(r[3]) if r[3] is not None else None,
            "oldest_age_days": int(r[4]) if r[4] is not None else None, "decided": int(r[5]),
            "ageing": {b[0]: int(n) for b, n in zip(AGE_BUCKETS, r[6:], strict=True)},
            "queue_url": queue_link(assignee=name if name is not None else "-", sort="age"),
            "overdue_url": queue_link(assignee=name if name is not None else "-", overdue=1, sort="due"),
        })
    return out


def _sla(con: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, Any]:
    s = get_settings()
    pr = sla.priority_sql("risk_score")
    counts = {p: (int(n), int(od), int(soon)) for p, n, od, soon in con.execute(
        f"""SELECT {pr}, count(*), count(*) FILTER (WHERE due_at < ?),
                   count(*) FILTER (WHERE due_at >= ? AND due_at < ?)
            FROM cases WHERE state IN ({_OPEN}) GROUP BY 1""", [now, now, now + timedelta(days=1)]).fetchall()}
    return {
        "priorities": [
            {"priority": p, "days": int(s.case_sla_days_by_priority[p]),
             "from_risk": {"high": s.case_priority_high, "medium": s.case_priority_medium, "low": 0.0}[p],
             "open": counts.get(p, (0, 0, 0))[0], "overdue": counts.get(p, (0, 0, 0))[1],
             "due_within_a_day": counts.get(p, (0, 0, 0))[2],
             "queue_url": queue_link(priority=p, sort="due"),
             "overdue_url": queue_link(priority=p, overdue=1, sort="due")}
            for p in sla.PRIORITIES],
        "typology_rules": [{"typology": k, "business_days": int(v)}
                           for k, v in sorted(s.case_sla_business_days_by_typology.items())],
    }
