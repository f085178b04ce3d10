"""The case queue with the analyst's filters: state, typology, assignee, minimum risk, the
date the case was opened (from / to, inclusive), the subject's jurisdiction (a party's
country of residence, an account's country) and *awaiting approval* (a disposition
proposal is pending).  Sorts are :data:`engine.cases.CASE_SORTS`.

The filters are plain values, so a queue view is a URL (:meth:`QueueFilter.query`): the
pages offer it as a link to keep or share.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from engine.case_model import _CASE_SELECT, OPEN_STATES, STATES, _case_dict
from engine.case_views import _PARTY_RISK_JOIN, CASE_SORTS
from engine.errors import CtfmonError

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class QueueFilter:
    state: str | None = None
    typology: str | None = None
    assignee: str | None = None  # a user name, or "-" for unassigned
    min_risk: float | None = None
    sort: str = "risk"
    opened_from: date | None = None
    opened_to: date | None = None
    jurisdiction: str | None = None  # ISO 3166-1 alpha-2
    awaiting: bool = False
    overdue: bool = False  # open and past its due date (engine.sla)
    priority: str | None = None  # high / medium / low (engine.sla)

    def query(self) -> dict[str, str]:
        """The filters as URL query parameters (only those set)."""
        out: dict[str, str] = {}
        for k, v in asdict(self).items():
            if v is None or v is False or v == "" or (k == "sort" and v == "risk"):
                continue
            out[k] = "1" if v is True else v.isoformat() if isinstance(v, date) else str(v)
        return out


def _day(v: str | None, field: str) -> date | None:
    if v is None or not v.strip():
        return None
    try:
        return date.fromisoformat(v.strip())
    except ValueError:
        raise CtfmonError(f"{field} {v!r} is not a date; expected YYYY-MM-DD", http_status=422) from None


def _flag(v: str | None) -> bool:
    return v in ("1", "true", "on", "yes")


def _priority(v: str | None) -> str | None:
    from engine import sla  # noqa: PLC0415 (reads settings only)

    if v is not None and v not in sla.PRIORITIES:
        raise CtfmonError(f"unknown priority {v!r}; expected one of {', '.join(sla.PRIORITIES)}", http_status=422)
    return v


def parse(params: dict[str, str | None]) -> QueueFilter:
    """A filter from query parameters as typed; CtfmonError (422) naming a bad field."""
    def get(k: str) -> str | None:
        v = params.get(k)
        return v.strip() if isinstance(v, str) and v.strip() else None

    state = get("state")
    if state is not None and state not in STATES:
        raise CtfmonError(f"unknown state {state!r}; expected one of {', '.join(STATES)}", http_status=422)
    sort = get("sort") or "risk"
    if sort not in CASE_SORTS:
        raise CtfmonError(f"unknown sort {sort!r}; expected one of {', '.join(CASE_SORTS)}", http_status=422)
    min_risk: float | None = None
    if get("min_risk") is not None:
        try:
            min_risk = float(str(get("min_risk")))
        except ValueError:
            raise CtfmonError(f"minimum risk {get('min_risk')!r} is not a number; expected a value from 0 to 1",
                              http_status=422) from None
        if not 0 <= min_risk <= 1:
            raise CtfmonError(f"minimum risk {min_risk} must be between 0 and 1", http_status=422)
    jur = get("jurisdiction")
    if jur is not None:
        jur = jur.upper()
        if not _COUNTRY.match(jur):
            raise CtfmonError(f"jurisdiction {jur!r}: expected a two-letter country code (ISO 3166-1)",
                              http_status=422)
    f = QueueFilter(state=state, typology=get("typology"), assignee=get("assignee"), min_risk=min_risk, sort=sort,
                    opened_from=_day(get("opened_from"), "opened from"), opened_to=_day(get("opened_to"), "opened to"),
                    jurisdiction=jur, awaiting=_flag(get("awaiting")) or _flag(get("pending")),
                    overdue=_flag(get("overdue")), priority=_priority(get("priority")))
    if f.opened_from and f.opened_to and f.opened_from > f.opened_to:
        raise CtfmonError(f"opened from {f.opened_from} is after opened to {f.opened_to}", http_status=422)
    return f


#: The subject's jurisdiction, over ``cases c``.
_JURISDICTION = """coalesce(
  (SELECT p.country FROM parties p WHERE c.subject_type = 'party' AND p.party_id = c.subject_id),
  (SELECT a.country FROM accounts a WHERE c.subject_type = 'account' AND a.account_id = c.subject_id))"""


def _where(f: QueueFilter) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.state is not None:
        where.append("c.state = ?")
        params.append(f.state)
    if f.assignee == "-":
        where.append("c.assignee IS NULL")
    elif f.assignee is not None:
        where.append("c.assignee = ?")
        params.append(f.assignee)
    if f.typology is not None:
        where.append("list_contains(c.typologies, ?)")
        params.append(f.typology)
    if f.min_risk is not None:
        where.append("c.risk_score >= ?")
        params.append(f.min_risk)
    if f.opened_from is not None:
        where.append("c.created_at >= ?")
        params.append(datetime.combine(f.opened_from, datetime.min.time()))
    if f.opened_to is not None:
        where.append("c.created_at < ?")
        params.append(datetime.combine(f.opened_to + timedelta(days=1), datetime.min.time()))
    if f.jurisdiction is not None:
        where.append(f"{_JURISDICTION} = ?")
        params.append(f.jurisdiction)
    if f.awaiting:
        where.append("c.case_id IN (SELECT case_id FROM case_dispositions WHERE status = 'pending')")
    if f.overdue:
        where.append(f"c.state IN ({', '.join(repr(x) for x in OPEN_STATES)}) AND c.due_at < (now() AT TIME ZONE 'UTC')")
    if f.priority is not None:
        from engine import sla  # noqa: PLC0415

        where.append(f"{sla.priority_sql('c.risk_score')} = ?")
        params.append(f.priority)
    return ("WHERE " + " AND ".join(where)) if where else "", params


def queue(con: duckdb.DuckDBPyConnection, f: QueueFilter, *, limit: int, offset: int,
          now: datetime) -> tuple[list[dict[str, Any]], int]:
    """One page of the queue: (rows, total).  Rows as :func:`engine.cases.list_cases` gives
    them, plus ``age_days``, ``overdue``, ``jurisdiction`` and ``pending`` (the pending
    proposal's target state, or None)."""
    clause, params = _where(f)
    order = CASE_SORTS[f.sort][1]
    total = int(con.execute(f"SELECT count(*) FROM cases c {clause}", params).fetchall()[0][0])
    rows = con.execute(
        f"""WITH page AS (SELECT c.case_id FROM cases c {_PARTY_RISK_JOIN if f.sort == "party_risk" else ""}
                          {clause} ORDER BY {order} LIMIT ? OFFSET ?),
                 paged AS (SELECT c.* FROM page JOIN cases c ON c.case_id = page.case_id)
            SELECT {_CASE_SELECT}, pt.name, pr.tier, pr.score, {_JURISDICTION},
                   (SELECT max(d.to_state) FROM case_dispositions d
                    WHERE d.case_id = c.case_id AND d.status = 'pending')
            FROM paged c
            LEFT JOIN parties pt ON c.subject_type = 'party' AND pt.party_id = c.subject_id
            LEFT JOIN party_risk_current pr ON c.subject_type = 'party' AND pr.party_id = c.subject_id
            ORDER BY {order}""",
        [*params, limit, offset],
    ).fetchall()
    out = [_case_dict(r, ("subject_name", "party_risk_tier", "party_risk_score", "jurisdiction", "pending"))
           for r in rows]
    for d in out:
        d["age_days"] = max(0, (now - d["created_at"]).days)
        d["overdue"] = d["state"] in OPEN_STATES and d["due_at"] < now
    return out, total


def choices(con: duckdb.DuckDBPyConnection, names: dict[str, str] | None = None) -> dict[str, Any]:
    """What the filters offer: typologies with alerts (id and name), assignable people, and
    the jurisdictions of the cases' subjects."""
    recorded = dict(con.execute("SELECT typology_id, name FROM typology_catalogue").fetchall())
    known = {**(names or {}), **recorded}
    typs = [r[0] for r in con.execute("SELECT DISTINCT typology_id FROM alerts ORDER BY 1").fetchall()]
    people = [r[0] for r in con.execute(
        "SELECT name FROM users WHERE active AND role IN ('analyst', 'supervisor') ORDER BY name").fetchall()]
    jurs = [r[0] for r in con.execute(
        f"SELECT DISTINCT {_JURISDICTION} AS j FROM cases c WHERE j IS NOT NULL ORDER BY 1").fetchall()]
    return {"typologies": [{"id": t, "name": known.get(t, t)} for t in typs], "typology_names": known,
            "assignees": people, "jurisdictions": jurs}
