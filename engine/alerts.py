"""Reading and exporting stored alerts in the contract's alert shape (``schema.ALERT_COLUMNS``)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from engine import exports
from engine.errors import CtfmonError, NotFound
from engine.schema import ALERT_COLUMNS
from engine.store import one_row

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("parquet", "csv", "jsonl")


def _where(
    typology: str | None, min_score: float | None, scan_id: str | None, subject_id: str | None,
    alias: str = "",
) -> tuple[list[str], list[Any]]:
    """Filter clauses on the alerts table (columns prefixed with ``alias``) and their parameters."""
    a = f"{alias}." if alias else ""
    clauses: list[str] = []
    params: list[Any] = []
    if typology:
        ids = [t.strip() for t in typology.split(",") if t.strip()]
        clauses.append(f"{a}typology_id IN (" + ", ".join("?" for _ in ids) + ")")
        params += ids
    if min_score is not None:
        if not 0 <= min_score <= 1:
            raise CtfmonError(f"min score must be between 0 and 1, not {min_score}")
        clauses.append(f"{a}score >= ?")
        params.append(min_score)
    if scan_id:
        clauses.append(f"{a}scan_id = ?")
        params.append(scan_id)
    if subject_id:
        clauses.append(f"{a}subject_id = ?")
        params.append(subject_id)
    return clauses, params


def _where_sql(clauses: list[str]) -> str:
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


#: Columns of an alert as a dict: the contract's shape plus when it was stored.
_DICT_COLUMNS: tuple[str, ...] = (*ALERT_COLUMNS, "created_at")
#: The SELECT list reading those columns from ``alerts a`` (details as JSON text).
ALERT_SELECT = ", ".join(
    "CAST(a.details AS VARCHAR) AS details" if c == "details" else f"a.{c}" for c in _DICT_COLUMNS
)
#: The case an alert belongs to: join ``case_alerts ca`` and ``cases c`` to ``alerts a``.
_CASE_JOIN = ("LEFT JOIN case_alerts ca ON ca.alert_id = a.alert_id "
              "LEFT JOIN cases c ON c.case_id = ca.case_id")


def alert_dict(row: tuple[Any, ...], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row read with :data:`ALERT_SELECT` (then ``extra`` columns) as a dict, details decoded."""
    out = dict(zip(_DICT_COLUMNS + extra, row, strict=True))
    out["evidence"] = list(out["evidence"] or [])
    out["details"] = json.loads(out["details"]) if out["details"] else {}
    return out


def list_alerts(
    con: duckdb.DuckDBPyConnection,
    *,
    typology: str | None = None,
    min_score: float | None = None,
    scan_id: str | None = None,
    subject_id: str | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> pl.DataFrame:
    """Alerts in the contract shape, strongest first (``details`` as a JSON string).

    ``typology`` may name several ids separated by commas.
    """
    clauses, params = _where(typology, min_score, scan_id, subject_id)
    where = _where_sql(clauses)
    cols = ", ".join(c if c != "details" else "CAST(details AS VARCHAR) AS details" for c in ALERT_COLUMNS)
    lim = ""
    if limit is not None:
        if limit < 0 or offset < 0:
            raise CtfmonError("limit and offset must not be negative")
        lim = f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return con.sql(
        f"SELECT {cols} FROM alerts {where} ORDER BY score DESC, typology_id, alert_id{lim}", params=params
    ).pl()


def count_alerts(
    con: duckdb.DuckDBPyConnection,
    *,
    typology: str | None = None,
    min_score: float | None = None,
    scan_id: str | None = None,
) -> int:
    clauses, params = _where(typology, min_score, scan_id, None)
    return int(one_row(con, f"SELECT count(*) FROM alerts {_where_sql(clauses)}", params)[0])


def get_alert(con: duckdb.DuckDBPyConnection, alert_id: str) -> dict[str, Any]:
    """One alert as a dict (``details`` decoded) with its case (``case_id``, ``case_state``)."""
    rows = con.execute(
        f"SELECT {ALERT_SELECT}, ca.case_id, c.state FROM alerts a {_CASE_JOIN} WHERE a.alert_id = ?",
        [alert_id],
    ).fetchall()
    if not rows:
        raise NotFound(f"no alert with id {alert_id!r}")
    return alert_dict(rows[0], ("case_id", "case_state"))


def alert_page(
    con: duckdb.DuckDBPyConnection,
    *,
    typology: str | None = None,
    min_score: float | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    status: str | None = None,
    subject_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of alerts, strongest first, each with its case; returns (page, total).

    ``date_from``/``date_to`` keep alerts whose activity window overlaps the range;
    ``status`` is the state of the alert's case.
    """
    from engine.cases import STATES

    clauses, params = _where(typology, min_score, None, subject_id, alias="a")
    if date_from is not None:
        clauses.append("coalesce(a.window_end, a.created_at) >= ?")
        params.append(date_from)
    if date_to is not None:
        clauses.append("coalesce(a.window_start, a.created_at) <= ?")
        params.append(date_to)
    base = "FROM alerts a"
    if status is not None:  # join the cases only when filtering on their state
        if status not in STATES:
            raise CtfmonError(f"unknown case state {status!r}; expected one of {', '.join(STATES)}",
                              http_status=422)
        clauses.append("c.state = ?")
        params.append(status)
        base += " JOIN case_alerts ca ON ca.alert_id = a.alert_id JOIN cases c ON c.case_id = ca.case_id"
    where = _where_sql(clauses)
    total = con.execute(f"SELECT count(*) {base} {where}", params).fetchall()[0][0]
    # page over the narrow sort key first, then read the full rows of that page only
    rows = con.execute(
        f"""WITH page AS (SELECT a.alert_id, a.score {base} {where}
                          ORDER BY a.score DESC, a.alert_id LIMIT ? OFFSET ?)
            SELECT {ALERT_SELECT}, ca.case_id, c.state FROM page p JOIN alerts a ON a.alert_id = p.alert_id
            {_CASE_JOIN}
            ORDER BY p.score DESC, p.alert_id""",
        [*params, limit, offset],
    ).fetchall()
    return [alert_dict(r, ("case_id", "case_state")) for r in rows], int(total)


def export_alerts(
    con: duckdb.DuckDBPyConnection,
    out: str | Path,
    fmt: str,
    *,
    typology: str | None = None,
    min_score: float | None = None,
    scan_id: str | None = None,
    force: bool = False,
    db: Path | None = None,
) -> int:
    """Write alerts to ``out`` as parquet, csv (evidence ``;``-joined, formula-like cells
    neutralised) or jsonl; returns the row count.  The file is written as
    :func:`engine.exports.output_file` writes: never over ``db`` or an existing file without
    ``force``, never half-written."""
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise CtfmonError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    path = exports.check_target(Path(out), force=force, db=db)
    df = list_alerts(con, typology=typology, min_score=min_score, scan_id=scan_id, limit=None)
    with exports.output_file(path, force=force, db=db) as tmp:
        if fmt == "parquet":
            df.write_parquet(tmp)
        elif fmt == "csv":
            exports.write_csv_for_people(df.with_columns(pl.col("evidence").list.join(";")), tmp)
        else:
            with tmp.open("w", encoding="utf-8") as fh:
                for row in df.iter_rows(named=True):
                    row["details"] = json.loads(row["details"]) if row["details"] else {}
                    row["evidence"] = list(row["evidence"] or [])
                    fh.write(json.dumps(row, default=_iso, ensure_ascii=False) + "\n")
    log.info("exported %d alerts to %s (%s)", df.height, path, fmt)
    return df.height


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
