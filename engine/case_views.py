"""Reading cases: the queue (filters, sorts and pages), and one case with its alerts, evidence
records, subject profile, counterparties and money-flow graph; see :mod:`engine.cases`."""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from engine import case_lineage, case_related, risk
from engine.alerts import ALERT_SELECT, alert_dict
from engine.case_graph import build as case_graph_build
from engine.case_model import (
    _CASE_SELECT,
    STATES,
    _case_dict,
    allowed_transitions,
)
from engine.errors import CtfmonError

log = logging.getLogger(__name__)


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

_TIER_RANK = "(CASE r.tier WHEN 'high' THEN 2 WHEN 'medium' THEN 1 WHEN 'low' THEN 0 ELSE -1 END, r.score)"


def _party_risk(cases_sql: str) -> str:
    """Per case of ``cases_sql`` (a SELECT of case ids), the latest risk rating (engine.risk)
    of its riskiest subject party (a network case has several): ``(case_id, tier, score)``."""
    return f"""(SELECT s.case_id, arg_max(r.tier, {_TIER_RANK}) AS tier, arg_max(r.score, {_TIER_RANK}) AS score
               FROM (SELECT ca.case_id, a.subject_id AS party_id FROM case_alerts ca
                     JOIN alerts a ON a.alert_id = ca.alert_id AND a.subject_type = 'party'
                     WHERE ca.case_id IN ({cases_sql})
                     UNION SELECT case_id, subject_id FROM cases
                     WHERE subject_type = 'party' AND case_id IN ({cases_sql})) s
               JOIN party_risk_current r ON r.party_id = s.party_id
               GROUP BY s.case_id)"""


#: The riskiest subject party's latest rating, joined to ``cases c`` as ``pr``.
_PARTY_RISK_JOIN = f"LEFT JOIN {_party_risk('SELECT case_id FROM cases')} pr ON pr.case_id = c.case_id"

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
    ``party_risk_tier`` / ``party_risk_score`` of its riskiest rated subject party
    (:mod:`engine.risk`; a network case has several subjects).
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
        # any subject of the case (a network case has several), not only its primary one
        where.append("((c.subject_type = ? AND c.subject_id = ?) OR EXISTS (SELECT 1 FROM case_alerts sa "
                     "JOIN alerts s ON s.alert_id = sa.alert_id WHERE sa.case_id = c.case_id "
                     "AND s.subject_type = ? AND s.subject_id = ?))")
        params.extend([*subject, *subject])
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
            LEFT JOIN {_party_risk("SELECT case_id FROM paged")} pr ON pr.case_id = c.case_id
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
               alerts: list[dict[str, Any]],
               evidence: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any] | None:
    """The case's drawable graph: see :mod:`engine.case_graph`."""
    return case_graph_build(con, case, alerts, evidence)


def get_case(con: duckdb.DuckDBPyConnection, case_id: str, *, full: bool = True) -> dict[str, Any]:
    """A case with its alerts, notes, dispositions and allowed transitions; with ``full``
    also evidence records, subject profile, counterparties and graph.  Every case lists its
    ``subjects``, ``related_cases`` (:mod:`engine.case_related`) and ``lineage`` (merges and
    splits, :mod:`engine.case_lineage`); a merged case's id answers 404 naming its new case."""
    case = case_lineage.case_row(con, case_id)
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
        "subjects": case_related.case_subjects(con, case_id),
        "related_cases": case_related.related_cases(con, case_id),
        "lineage": case_lineage.history(con, case_id),
    }
    if full:
        out["evidence"] = evidence_records(con, case_id, alerts=alerts)
        out["subject"] = subject_profile(con, case["subject_type"], case["subject_id"])
        own = [a["account_id"] for a in out["subject"]["accounts"]]
        if case["subject_type"] == "account":
            own = [case["subject_id"]]
        out["counterparties"] = counterparties(con, case, alerts=alerts, account_ids=own)
        out["graph"] = case_graph(con, case, alerts, out["evidence"])
    return out
