"""Cases: alerts grouped per subject, their lifecycle, assignment, notes and dispositions.

Grouping (:func:`sync_cases`, run after every scan): an alert not yet in a case joins the
open case of its subject (``subject_type``, ``subject_id``); a subject with no open case
gets a new case in state ``new``.  A closed case is never reopened by a new alert.

Risk score of a case: per typology, the strongest alert's ``score`` times the typology's
weight (its ``case_weight``, which every scan records in ``typology_catalogue``, see
:mod:`engine.detect.catalogue`; :data:`~engine.detect.typology.DEFAULT_CASE_WEIGHT` for a
typology with no record); then the noisy-or across typologies,
``risk = 1 - prod(1 - w_t * max score_t)``.  Independent typologies pointing at the
same subject raise the risk; many alerts of one typology count once.

Lifecycle (:data:`TRANSITIONS`; roles from :mod:`engine.auth`)::

    new ──▶ in_review ──▶ escalated ──▶ str_filed
               │  ▲            │
               │  └────────────┤ (supervisor sends back)
               ▼               ▼
     closed_false_positive | closed_no_action  ──▶ in_review (supervisor reopens)

Moving into ``str_filed``, ``closed_false_positive`` or ``closed_no_action`` is a
*disposition* and needs a reason.  An analyst's request for one records a *proposal*
(the case stays where it is); a supervisor approves it by making that transition, or
rejects it (:func:`reject_disposition`); a supervisor may also decide directly.  A
transition the table does not allow raises :class:`~engine.errors.Conflict` (HTTP 409)
naming the allowed targets.

Due date: ``created_at + CTFMON_CASE_SLA_DAYS`` (default 30 days).

Every change is appended to the audit log (:mod:`engine.audit`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from engine import audit, graph, risk
from engine.alerts import ALERT_SELECT, alert_dict
from engine.auth import User, get_user
from engine.config import get_settings
from engine.detect.catalogue import case_weights
from engine.detect.typology import DEFAULT_CASE_WEIGHT
from engine.errors import Conflict, CtfmonError, NotFound
from engine.store import now_utc, transaction

log = logging.getLogger(__name__)

STATES: tuple[str, ...] = (
    "new", "in_review", "escalated", "str_filed", "closed_false_positive", "closed_no_action",
)
OPEN_STATES: tuple[str, ...] = ("new", "in_review", "escalated")
DISPOSITIONS: tuple[str, ...] = ("str_filed", "closed_false_positive", "closed_no_action")

@dataclass(frozen=True)
class Rule:
    """Who may make a transition directly, and who may only propose it."""

    direct: frozenset[str]
    propose: frozenset[str] = frozenset()


_SUP = frozenset({"supervisor"})
_WORK = frozenset({"analyst", "supervisor"})
_ANALYST = frozenset({"analyst"})

#: (from, to) -> Rule.  Anything not listed is an illegal transition (409).
TRANSITIONS: dict[tuple[str, str], Rule] = {
    ("new", "in_review"): Rule(_WORK),
    ("in_review", "escalated"): Rule(_WORK),
    ("in_review", "closed_false_positive"): Rule(_SUP, _ANALYST),
    ("in_review", "closed_no_action"): Rule(_SUP, _ANALYST),
    ("escalated", "in_review"): Rule(_SUP),
    ("escalated", "str_filed"): Rule(_SUP, _ANALYST),
    ("escalated", "closed_false_positive"): Rule(_SUP, _ANALYST),
    ("escalated", "closed_no_action"): Rule(_SUP, _ANALYST),
    ("closed_false_positive", "in_review"): Rule(_SUP),
    ("closed_no_action", "in_review"): Rule(_SUP),
}

DDL: list[str] = [
    "CREATE SEQUENCE IF NOT EXISTS case_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS case_note_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS case_disposition_seq START 1",
    """CREATE TABLE IF NOT EXISTS cases (
  case_id VARCHAR PRIMARY KEY,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  risk_score DOUBLE NOT NULL,
  alert_count INTEGER NOT NULL,
  typologies VARCHAR[] NOT NULL,
  assignee VARCHAR,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  due_at TIMESTAMP NOT NULL,
  closed_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS case_alerts (
  alert_id VARCHAR PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  added_at TIMESTAMP NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS case_alerts_by_case ON case_alerts (case_id)",
    """CREATE TABLE IF NOT EXISTS case_notes (
  note_id BIGINT PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  author VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  text VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS case_dispositions (
  disposition_id BIGINT PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  from_state VARCHAR NOT NULL,
  to_state VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  proposed_by VARCHAR NOT NULL,
  proposed_at TIMESTAMP NOT NULL,
  status VARCHAR NOT NULL,
  decided_by VARCHAR,
  decided_at TIMESTAMP,
  decision_reason VARCHAR
)""",
]

_CASE_COLS = (
    "case_id", "subject_type", "subject_id", "state", "risk_score", "alert_count", "typologies",
    "assignee", "created_at", "updated_at", "due_at", "closed_at",
)
_CASE_SELECT = ", ".join(f"c.{c}" for c in _CASE_COLS)


def _case_dict(row: tuple[Any, ...], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row read with ``_CASE_SELECT`` (then ``extra`` columns) as a dict."""
    out = dict(zip(_CASE_COLS + extra, row, strict=True))
    out["typologies"] = list(out["typologies"] or [])
    return out


def typology_weight(con: duckdb.DuckDBPyConnection, typology_id: str) -> float:
    """The case weight recorded for ``typology_id`` (the default weight when none is)."""
    return case_weights(con).get(typology_id, DEFAULT_CASE_WEIGHT)


def allowed_transitions(state: str) -> dict[str, dict[str, list[str]]]:
    """Targets reachable from ``state`` with the roles that may make or propose each."""
    return {
        to: {"direct": sorted(rule.direct), "propose": sorted(rule.propose)}
        for (frm, to), rule in TRANSITIONS.items()
        if frm == state
    }


@dataclass(frozen=True)
class SyncResult:
    alerts_added: int
    cases_created: int
    cases_joined: int


# --------------------------------------------------------------------------- grouping
def sync_cases(con: duckdb.DuckDBPyConnection, *, actor: str = "system") -> SyncResult:
    """Put every alert that is not in a case into its subject's open case (or a new one)."""
    now = now_utc()
    due = now + timedelta(days=get_settings().case_sla_days)
    with transaction(con):
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _sync_new AS
               SELECT a.alert_id, a.subject_type, a.subject_id FROM alerts a
               WHERE NOT EXISTS (SELECT 1 FROM case_alerts ca WHERE ca.alert_id = a.alert_id)"""
        )
        n_new = con.execute("SELECT count(*) FROM _sync_new").fetchall()[0][0]
        if n_new == 0:
            con.execute("DROP TABLE _sync_new")
            return SyncResult(0, 0, 0)
        open_list = ", ".join(f"'{s}'" for s in OPEN_STATES)
        open_cases_sql = f"""
            SELECT case_id, subject_type, subject_id FROM (
              SELECT case_id, subject_type, subject_id,
                     ROW_NUMBER() OVER (PARTITION BY subject_type, subject_id
                                        ORDER BY created_at DESC, case_id DESC) AS rn
              FROM cases WHERE state IN ({open_list})) o
            WHERE rn = 1"""
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _sync_joined AS
                SELECT DISTINCT o.case_id FROM _sync_new n
                JOIN ({open_cases_sql}) o
                  ON o.subject_type = n.subject_type AND o.subject_id = n.subject_id"""
        )
        before_rows = con.execute(
            """SELECT c.case_id, c.risk_score, c.alert_count, c.typologies FROM cases c
                JOIN _sync_joined j ON j.case_id = c.case_id ORDER BY c.case_id"""
        ).fetchall()
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _sync_created AS
                SELECT 'CASE-' || lpad(CAST(nextval('case_seq') AS VARCHAR), 7, '0') AS case_id,
                       subject_type, subject_id
                FROM (SELECT DISTINCT n.subject_type, n.subject_id FROM _sync_new n
                      WHERE NOT EXISTS (
                        SELECT 1 FROM ({open_cases_sql}) o
                        WHERE o.subject_type = n.subject_type AND o.subject_id = n.subject_id)) s"""
        )
        con.execute(
            """INSERT INTO cases
               SELECT case_id, subject_type, subject_id, 'new', 0.0, 0, [], NULL, ?, ?, ?, NULL
               FROM _sync_created""",
            [now, now, due],
        )
        con.execute(
            f"""INSERT INTO case_alerts
                SELECT n.alert_id, o.case_id, ? FROM _sync_new n
                JOIN ({open_cases_sql}) o
                  ON o.subject_type = n.subject_type AND o.subject_id = n.subject_id""",
            [now],
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _sync_touched AS
               SELECT case_id FROM _sync_joined UNION SELECT case_id FROM _sync_created"""
        )
        _refresh_scores(con, "SELECT case_id FROM _sync_touched", now)
        after_rows = con.execute(
            f"""SELECT {_CASE_SELECT} FROM cases c JOIN _sync_touched t ON t.case_id = c.case_id
                ORDER BY c.case_id"""
        ).fetchall()
        created_ids = {r[0] for r in con.execute("SELECT case_id FROM _sync_created").fetchall()}
        before = {r[0]: {"risk_score": r[1], "alert_count": r[2], "typologies": list(r[3])}
                  for r in before_rows}
        events: list[audit.AuditEvent] = []
        for r in after_rows:
            row = dict(zip(_CASE_COLS, r, strict=True))
            if row["case_id"] in created_ids:
                events.append(audit.AuditEvent(actor, "case.create", "case", row["case_id"], None,
                                               _jsonable(row)))
            else:
                events.append(audit.AuditEvent(
                    actor, "case.alerts_added", "case", row["case_id"], before.get(row["case_id"]),
                    {"risk_score": row["risk_score"], "alert_count": row["alert_count"],
                     "typologies": list(row["typologies"])},
                ))
        audit.record_many(con, events)
        for t in ("_sync_new", "_sync_joined", "_sync_created", "_sync_touched"):
            con.execute(f"DROP TABLE {t}")
    result = SyncResult(int(n_new), len(created_ids), len(before_rows))
    log.info("cases synced: %d alerts, %d cases created, %d joined", *(
        result.alerts_added, result.cases_created, result.cases_joined))
    return result


def _refresh_scores(con: duckdb.DuckDBPyConnection, case_ids_sql: str, now: datetime) -> None:
    """Recompute risk, alert count and typologies of the cases ``case_ids_sql`` selects."""
    con.execute(
        f"""UPDATE cases SET risk_score = agg.risk, alert_count = agg.n, typologies = agg.typs,
                             updated_at = ?
            FROM (
              SELECT case_id,
                     1 - exp(sum(ln(1 - least(m, 0.999999)))) AS risk,
                     CAST(sum(n) AS INTEGER) AS n,
                     list(typology_id ORDER BY typology_id) AS typs
              FROM (
                SELECT ca.case_id, a.typology_id,
                       max(a.score * COALESCE(tc.case_weight, ?)) AS m, count(*) AS n
                FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
                LEFT JOIN typology_catalogue tc ON tc.typology_id = a.typology_id
                WHERE ca.case_id IN ({case_ids_sql})
                GROUP BY ca.case_id, a.typology_id) per_typology
              GROUP BY case_id) agg
            WHERE cases.case_id = agg.case_id""",
        [now, DEFAULT_CASE_WEIGHT],
    )


# --------------------------------------------------------------------------- reading
def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out


def _case_row(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any]:
    rows = con.execute(f"SELECT {_CASE_SELECT} FROM cases c WHERE c.case_id = ?", [case_id]).fetchall()
    if not rows:
        raise NotFound(f"no case {case_id!r}")
    return _case_dict(rows[0])


#: Orders of the case queue: key -> (label, ORDER BY over ``cases c``).
CASE_SORTS: dict[str, tuple[str, str]] = {
    "risk": ("highest risk first", "c.risk_score DESC, c.due_at, c.case_id"),
    "age": ("oldest first", "c.created_at, c.risk_score DESC, c.case_id"),
    "newest": ("newest first", "c.created_at DESC, c.risk_score DESC, c.case_id"),
    "typology": ("by typology", "c.typologies[1], c.risk_score DESC, c.case_id"),
    "due": ("due soonest", "c.due_at, c.risk_score DESC, c.case_id"),
    "party_risk": ("highest party risk first",
                   "CASE pr.tier WHEN 'high' THEN 2 WHEN 'medium' THEN 1 WHEN 'low' THEN 0 END DESC NULLS LAST, "
                   "pr.score DESC NULLS LAST, c.risk_score DESC, c.case_id"),
}
#: The subject party's latest risk rating (engine.risk), joined to ``cases c`` as ``pr``.
_PARTY_RISK_JOIN = ("LEFT JOIN party_risk_current pr ON c.subject_type = 'party' "
                    "AND pr.party_id = c.subject_id")


def list_cases(
    con: duckdb.DuckDBPyConnection,
    *,
    state: str | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
    typology: str | None = None,
    min_risk: float | None = None,
    subject: tuple[str, str] | None = None,
    sort: str = "risk",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The case queue in ``sort`` order (default highest risk first); returns (page, total).

    Each case carries ``subject_name`` when its subject is a party on file, and
    ``party_risk_tier`` / ``party_risk_score`` when that party has been rated (:mod:`engine.risk`).
    """
    where: list[str] = []
    params: list[Any] = []
    if state is not None:
        if state not in STATES:
            raise CtfmonError(f"unknown state {state!r}; expected one of {', '.join(STATES)}",
                              http_status=422)
        where.append("c.state = ?")
        params.append(state)
    if sort not in CASE_SORTS:
        raise CtfmonError(f"unknown sort {sort!r}; expected one of {', '.join(CASE_SORTS)}", http_status=422)
    if unassigned:
        where.append("c.assignee IS NULL")
    elif assignee is not None:
        where.append("c.assignee = ?")
        params.append(assignee)
    if typology is not None:
        where.append("list_contains(c.typologies, ?)")  # kept in step with the alerts by sync
        params.append(typology)
    if subject is not None:
        where.append("c.subject_type = ? AND c.subject_id = ?")
        params.extend(subject)
    if min_risk is not None:
        if not 0 <= min_risk <= 1:
            raise CtfmonError(f"minimum risk {min_risk} must be between 0 and 1", http_status=422)
        where.append("c.risk_score >= ?")
        params.append(min_risk)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    order = CASE_SORTS[sort][1]
    total = con.execute(f"SELECT count(*) FROM cases c {clause}", params).fetchall()[0][0]
    # page over the case ids first, then fetch the full rows of that page only
    rows = con.execute(
        f"""WITH page AS (SELECT c.case_id FROM cases c {_PARTY_RISK_JOIN if sort == "party_risk" else ""}
                          {clause} ORDER BY {order} LIMIT ? OFFSET ?),
                 paged AS (SELECT c.* FROM page JOIN cases c ON c.case_id = page.case_id)
            SELECT {_CASE_SELECT}, pt.name, pr.tier, pr.score FROM paged c
            LEFT JOIN parties pt ON c.subject_type = 'party' AND pt.party_id = c.subject_id
            LEFT JOIN (SELECT party_id, tier, score FROM party_risk_current
                       WHERE party_id IN (SELECT subject_id FROM paged WHERE subject_type = 'party')) pr
              ON c.subject_type = 'party' AND pr.party_id = c.subject_id
            ORDER BY {order}""",
        [*params, limit, offset],
    ).fetchall()
    return [_case_dict(r, ("subject_name", "party_risk_tier", "party_risk_score")) for r in rows], int(total)


def case_alerts(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict[str, Any]]:
    rows = con.execute(
        f"""SELECT {ALERT_SELECT} FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id
            WHERE ca.case_id = ? ORDER BY a.score DESC, a.alert_id""",
        [case_id],
    ).fetchall()
    return [alert_dict(r) for r in rows]


def _frame_records(con: duckdb.DuckDBPyConnection, query: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts; money (DECIMAL) as float so that JSON shows numbers."""
    import polars as pl

    frame = con.sql(query, params=params).pl()
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).to_dicts()


def evidence_records(
    con: duckdb.DuckDBPyConnection, case_id: str, *, alerts: list[dict[str, Any]] | None = None,
    limit: int = 500,
) -> dict[str, list[dict[str, Any]]]:
    """The transaction / declaration / trade rows named by the case's alerts' evidence."""
    if alerts is None:
        alerts = case_alerts(con, case_id)
    ids = sorted({e for a in alerts for e in a["evidence"]})
    ids_sql = "SELECT unnest(CAST(? AS VARCHAR[]))"
    out: dict[str, list[dict[str, Any]]] = {}
    for key, table, idcol, order in (
        ("transactions", "transactions", "txn_id", "timestamp"),
        ("cash_declarations", "cash_declarations", "declaration_id", "timestamp"),
        ("trade_documents", "trade_documents", "trade_id", "date"),
    ):
        out[key] = _frame_records(
            con,
            f"SELECT t.* EXCLUDE (_batch_id) FROM {table} t WHERE t.{idcol} IN ({ids_sql}) "
            f"ORDER BY t.{order}, t.{idcol} LIMIT ?",
            [ids, limit],
        )
    return out


def subject_profile(con: duckdb.DuckDBPyConnection, subject_type: str, subject_id: str) -> dict[str, Any]:
    """The subject party (or account) with its accounts."""
    if subject_type == "party":
        party = _frame_records(con, "SELECT * EXCLUDE (_batch_id) FROM parties WHERE party_id = ?",
                               [subject_id])
        accounts = _frame_records(
            con, "SELECT * EXCLUDE (_batch_id) FROM accounts WHERE party_id = ? ORDER BY account_id",
            [subject_id],
        )
        return {"party": party[0] if party else None, "accounts": accounts}
    accounts = _frame_records(con, "SELECT * EXCLUDE (_batch_id) FROM accounts WHERE account_id = ?",
                              [subject_id])
    return {"party": None, "accounts": accounts}


def counterparties(
    con: duckdb.DuckDBPyConnection, case: dict[str, Any], *,
    alerts: list[dict[str, Any]] | None = None, account_ids: list[str] | None = None, limit: int = 50,
) -> list[dict[str, Any]]:
    """The subject's counterparties over the case's alert windows, aggregated per account.

    ``account_ids``: the subject's accounts when already known (else looked up)."""
    if alerts is None:
        alerts = case_alerts(con, case["case_id"])
    if account_ids is None:
        if case["subject_type"] == "party":
            account_ids = [r[0] for r in con.execute(
                "SELECT account_id FROM accounts WHERE party_id = ?", [case["subject_id"]]).fetchall()]
        else:
            account_ids = [case["subject_id"]]
    if not account_ids:
        return []
    starts = [a["window_start"] for a in alerts if a["window_start"] is not None]
    ends = [a["window_end"] for a in alerts if a["window_end"] is not None]
    if not starts or not ends:
        return []
    start, end = min(starts), max(ends)
    return _frame_records(
        con,
        """WITH mine AS (SELECT unnest(CAST(? AS VARCHAR[])) AS account_id),
            flows AS (
              SELECT 'out' AS direction, t.to_account AS account_id, t.beneficiary_name AS name,
                     t.beneficiary_country AS country, t.amount_base, t.timestamp
              FROM transactions t WHERE t.from_account IN (SELECT account_id FROM mine)
                AND t.to_account IS NOT NULL AND t.to_account NOT IN (SELECT account_id FROM mine)
                AND t.timestamp BETWEEN ? AND ?
              UNION ALL
              SELECT 'in', t.from_account, t.originator_name, t.originator_country, t.amount_base,
                     t.timestamp
              FROM transactions t WHERE t.to_account IN (SELECT account_id FROM mine)
                AND t.from_account IS NOT NULL AND t.from_account NOT IN (SELECT account_id FROM mine)
                AND t.timestamp BETWEEN ? AND ?)
            SELECT f.account_id, f.direction, max(coalesce(p.name, f.name)) AS name,
                   max(ac.party_id) AS party_id, max(coalesce(ac.country, f.country)) AS country,
                   count(*) AS transactions, CAST(sum(f.amount_base) AS DOUBLE) AS total_base,
                   min(f.timestamp) AS first_seen, max(f.timestamp) AS last_seen
            FROM flows f LEFT JOIN accounts ac ON ac.account_id = f.account_id
            LEFT JOIN parties p ON p.party_id = ac.party_id
            GROUP BY f.account_id, f.direction
            ORDER BY total_base DESC, f.account_id LIMIT ?""",
        [account_ids, start, end, start, end, limit],
    )


def case_graph(con: duckdb.DuckDBPyConnection, case: dict[str, Any],
               alerts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The alerts' subgraphs merged (details.nodes/edges), else the subject's neighbourhood
    from :mod:`engine.graph` when that module is installed, else None."""
    nodes: dict[str, Any] = {}
    edges: list[Any] = []
    for a in alerts:
        d = a.get("details") or {}
        if isinstance(d.get("nodes"), list) and isinstance(d.get("edges"), list):
            for n in d["nodes"]:
                key = n.get("id") if isinstance(n, dict) else n
                nodes[str(key)] = n
            edges.extend(d["edges"])
    if nodes or edges:
        return {"source": "alerts", "nodes": list(nodes.values()), "edges": edges}
    try:
        g = graph.neighbourhood(con, case["subject_id"], hops=2, max_nodes=200)
    except CtfmonError as exc:
        log.info("no neighbourhood for %s: %s", case["subject_id"], exc)
        return None
    except Exception:  # the drawing is an aid: a failure must not break the case page
        log.exception("neighbourhood of %s failed", case["subject_id"])
        return None
    return {"source": "neighbourhood", **g}


def get_case(con: duckdb.DuckDBPyConnection, case_id: str, *, full: bool = True) -> dict[str, Any]:
    """A case with its alerts, notes, dispositions and allowed transitions; with ``full``
    also evidence records, subject profile, counterparties and graph."""
    case = _case_row(con, case_id)
    alerts = case_alerts(con, case_id)
    notes = con.sql(
        "SELECT note_id, author, created_at, text FROM case_notes WHERE case_id = ? ORDER BY note_id",
        params=[case_id],
    ).pl().to_dicts()
    dispositions = con.sql(
        "SELECT * EXCLUDE (case_id) FROM case_dispositions WHERE case_id = ? ORDER BY disposition_id",
        params=[case_id],
    ).pl().to_dicts()
    out: dict[str, Any] = {
        **case,
        "alerts": alerts,
        "notes": notes,
        "dispositions": dispositions,
        "allowed_transitions": allowed_transitions(case["state"]),
        "subject_risk": risk.current_rating(con, case["subject_id"]) if case["subject_type"] == "party" else None,
    }
    if full:
        out["evidence"] = evidence_records(con, case_id, alerts=alerts)
        out["subject"] = subject_profile(con, case["subject_type"], case["subject_id"])
        own = [a["account_id"] for a in out["subject"]["accounts"]]
        if case["subject_type"] == "account":
            own = [case["subject_id"]]
        out["counterparties"] = counterparties(con, case, alerts=alerts, account_ids=own)
        out["graph"] = case_graph(con, case, alerts)
    return out


# --------------------------------------------------------------------------- changes
def _pending(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any] | None:
    rows = con.sql(
        "SELECT * FROM case_dispositions WHERE case_id = ? AND status = 'pending'",
        params=[case_id],
    ).pl().to_dicts()
    return rows[0] if rows else None


def transition(
    con: duckdb.DuckDBPyConnection, case_id: str, to: str, reason: str, user: User
) -> dict[str, Any]:
    """Move a case (or record a proposal); returns {"outcome": "moved"|"proposed", "case": ...}."""
    if to not in STATES:
        raise CtfmonError(f"unknown case state {to!r}; expected one of {', '.join(STATES)}",
                          http_status=422)
    reason = (reason or "").strip()
    with transaction(con):
        case = _case_row(con, case_id)
        frm = case["state"]
        rule = TRANSITIONS.get((frm, to))
        if rule is None:
            allowed = ", ".join(allowed_transitions(frm)) or "none (final state)"
            raise Conflict(f"case {case_id} is {frm}: cannot move to {to}; allowed: {allowed}")
        if to in DISPOSITIONS and not reason:
            raise CtfmonError(f"moving case {case_id} to {to} needs a reason", http_status=422)
        if frm in DISPOSITIONS and not reason:
            raise CtfmonError(f"reopening case {case_id} needs a reason", http_status=422)
        now = now_utc()
        pending = _pending(con, case_id)
        if user.role in rule.direct:
            changes: dict[str, Any] = {"state": to, "updated_at": now}
            changes["closed_at"] = now if to in DISPOSITIONS else None
            if to == "in_review" and case["assignee"] is None:
                changes["assignee"] = user.name
            sets = ", ".join(f"{k} = ?" for k in changes)
            con.execute(f"UPDATE cases SET {sets} WHERE case_id = ?", [*changes.values(), case_id])
            events = [audit.AuditEvent(
                user.name, "case.transition", "case", case_id,
                {"state": frm, "assignee": case["assignee"]},
                {"state": to, "assignee": changes.get("assignee", case["assignee"]), "reason": reason},
            )]
            if pending is not None:
                status = "approved" if pending["to_state"] == to else "superseded"
                con.execute(
                    "UPDATE case_dispositions SET status = ?, decided_by = ?, decided_at = ?, "
                    "decision_reason = ? WHERE disposition_id = ?",
                    [status, user.name, now, reason, pending["disposition_id"]],
                )
                events.append(audit.AuditEvent(
                    user.name, f"disposition.{status}", "case", case_id,
                    {"disposition_id": pending["disposition_id"], "status": "pending",
                     "to_state": pending["to_state"]},
                    {"disposition_id": pending["disposition_id"], "status": status},
                ))
            elif to in DISPOSITIONS:
                did = _next_id(con, "case_disposition_seq")
                con.execute(
                    "INSERT INTO case_dispositions VALUES (?, ?, ?, ?, ?, ?, ?, 'approved', ?, ?, ?)",
                    [did, case_id, frm, to, reason, user.name, now, user.name, now, reason],
                )
                events.append(audit.AuditEvent(
                    user.name, "disposition.decided", "case", case_id, None,
                    {"disposition_id": did, "to_state": to, "reason": reason},
                ))
            audit.record_many(con, events)
            outcome = "moved"
        elif user.role in rule.propose:
            if pending is not None:
                raise Conflict(
                    f"case {case_id} already has a pending proposal to {pending['to_state']} by "
                    f"{pending['proposed_by']}; a supervisor must approve or reject it first"
                )
            did = _next_id(con, "case_disposition_seq")
            con.execute(
                "INSERT INTO case_dispositions VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)",
                [did, case_id, frm, to, reason, user.name, now],
            )
            con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
            audit.record(con, audit.AuditEvent(
                user.name, "disposition.propose", "case", case_id, None,
                {"disposition_id": did, "from_state": frm, "to_state": to, "reason": reason},
            ))
            outcome = "proposed"
        else:
            who = ", ".join(sorted(rule.direct | rule.propose))
            raise CtfmonError(
                f"role {user.role} may not move case {case_id} from {frm} to {to}; allowed for: {who}",
                http_status=403,
            )
    log.info("case %s: %s %s -> %s by %s", case_id, outcome, frm, to, user.name)
    return {"outcome": outcome, "case": get_case(con, case_id, full=False)}


def reject_disposition(con: duckdb.DuckDBPyConnection, case_id: str, reason: str, user: User) -> dict[str, Any]:
    """A supervisor rejects the case's pending disposition proposal."""
    if not user.can("case.approve"):
        raise CtfmonError(f"role {user.role} may not reject dispositions; supervisor only", http_status=403)
    reason = (reason or "").strip()
    if not reason:
        raise CtfmonError("rejecting a disposition needs a reason", http_status=422)
    with transaction(con):
        _case_row(con, case_id)
        pending = _pending(con, case_id)
        if pending is None:
            raise Conflict(f"case {case_id} has no pending disposition proposal")
        now = now_utc()
        con.execute(
            "UPDATE case_dispositions SET status = 'rejected', decided_by = ?, decided_at = ?, "
            "decision_reason = ? WHERE disposition_id = ?",
            [user.name, now, reason, pending["disposition_id"]],
        )
        con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
        audit.record(con, audit.AuditEvent(
            user.name, "disposition.rejected", "case", case_id,
            {"disposition_id": pending["disposition_id"], "status": "pending"},
            {"disposition_id": pending["disposition_id"], "status": "rejected", "reason": reason},
        ))
    return get_case(con, case_id, full=False)


def assign(con: duckdb.DuckDBPyConnection, case_id: str, assignee: str, user: User) -> dict[str, Any]:
    """Assign an open case to an active analyst or supervisor."""
    target = get_user(con, assignee)
    if not target["active"] or target["role"] not in ("analyst", "supervisor"):
        raise CtfmonError(
            f"cannot assign to {assignee!r} (role {target['role']}): cases go to active analysts "
            "or supervisors", http_status=422,
        )
    with transaction(con):
        case = _case_row(con, case_id)
        if case["state"] not in OPEN_STATES:
            raise Conflict(f"case {case_id} is {case['state']}: only open cases "
                           f"({', '.join(OPEN_STATES)}) can be assigned")
        con.execute("UPDATE cases SET assignee = ?, updated_at = ? WHERE case_id = ?",
                    [assignee, now_utc(), case_id])
        audit.record(con, audit.AuditEvent(
            user.name, "case.assign", "case", case_id, {"assignee": case["assignee"]},
            {"assignee": assignee},
        ))
    return get_case(con, case_id, full=False)


def add_note(con: duckdb.DuckDBPyConnection, case_id: str, text: str, user: User) -> dict[str, Any]:
    text = (text or "").strip()
    if not text:
        raise CtfmonError("a note needs text", http_status=422)
    with transaction(con):
        _case_row(con, case_id)
        nid = _next_id(con, "case_note_seq")
        now = now_utc()
        con.execute("INSERT INTO case_notes VALUES (?, ?, ?, ?, ?)", [nid, case_id, user.name, now, text])
        con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
        audit.record(con, audit.AuditEvent(
            user.name, "case.note", "case", case_id, None, {"note_id": nid, "text": text},
        ))
    return {"note_id": nid, "author": user.name, "created_at": now, "text": text}


def _next_id(con: duckdb.DuckDBPyConnection, seq: str) -> int:
    return int(con.execute(f"SELECT nextval('{seq}')").fetchall()[0][0])
