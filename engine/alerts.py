"""Reading and exporting stored alerts in the contract's alert shape (``schema.ALERT_COLUMNS``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from engine.errors import CtfmonError, NotFound
from engine.schema import ALERT_COLUMNS

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("parquet", "csv", "jsonl")


def _where(
    typology: str | None, min_score: float | None, scan_id: str | None, subject_id: str | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if typology:
        ids = [t.strip() for t in typology.split(",") if t.strip()]
        clauses.append("typology_id IN (" + ", ".join("?" for _ in ids) + ")")
        params += ids
    if min_score is not None:
        if not 0 <= min_score <= 1:
            raise CtfmonError(f"min score must be between 0 and 1, not {min_score}")
        clauses.append("score >= ?")
        params.append(min_score)
    if scan_id:
        clauses.append("scan_id = ?")
        params.append(scan_id)
    if subject_id:
        clauses.append("subject_id = ?")
        params.append(subject_id)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


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
    where, params = _where(typology, min_score, scan_id, subject_id)
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
    where, params = _where(typology, min_score, scan_id, None)
    return int(con.execute(f"SELECT count(*) FROM alerts {where}", params).fetchone()[0])


def get_alert(con: duckdb.DuckDBPyConnection, alert_id: str) -> dict[str, Any]:
    """One alert as a dict (``details`` decoded); unknown ids raise NotFound."""
    cols = ", ".join(c if c != "details" else "CAST(details AS VARCHAR) AS details" for c in ALERT_COLUMNS)
    df = con.sql(f"SELECT {cols}, created_at FROM alerts WHERE alert_id = ?", params=[alert_id]).pl()
    if df.height == 0:
        raise NotFound(f"no alert with id {alert_id!r}")
    row = df.row(0, named=True)
    row["details"] = json.loads(row["details"]) if row["details"] else {}
    row["evidence"] = list(row["evidence"] or [])
    return row


def export_alerts(
    con: duckdb.DuckDBPyConnection,
    out: str | Path,
    fmt: str,
    *,
    typology: str | None = None,
    min_score: float | None = None,
    scan_id: str | None = None,
) -> int:
    """Write alerts to ``out`` as parquet, csv (evidence ``;``-joined) or jsonl; returns the row count."""
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise CtfmonError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    df = list_alerts(con, typology=typology, min_score=min_score, scan_id=scan_id, limit=None)
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if fmt == "parquet":
            df.write_parquet(path)
        elif fmt == "csv":
            df.with_columns(pl.col("evidence").list.join(";")).write_csv(path)
        else:
            with path.open("w", encoding="utf-8") as fh:
                for row in df.iter_rows(named=True):
                    row["details"] = json.loads(row["details"]) if row["details"] else {}
                    row["evidence"] = list(row["evidence"] or [])
                    fh.write(json.dumps(row, default=_iso, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise CtfmonError(f"cannot write {path}: {exc}") from None
    log.info("exported %d alerts to %s (%s)", df.height, path, fmt)
    return df.height


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
