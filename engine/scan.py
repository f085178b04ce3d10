"""Scans: run selected typologies over an as-of window, store the scan and its alerts.

The typologies come from the caller as a :class:`engine.detect.catalogue.Catalogue` (the
registry of the typology folders lives above the engine).  Tables: ``scans`` (one row per
scan run), ``alerts`` (the contract's alert shape, one row per distinct alert id;
re-running a scan adds nothing new) and ``typology_params`` (stored parameter overrides);
every scan also records the metadata of the typologies it ran in ``typology_catalogue``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import polars as pl
from pydantic import ValidationError

from engine import plausible, reference
from engine.detect import catalogue as typology_catalogue
from engine.detect import everyday
from engine.detect.base import Alert, Params, ScanContext
from engine.detect.catalogue import Catalogue
from engine.detect.typology import Typology
from engine.errors import CtfmonError
from engine.graph import EDGE_CONDITION
from engine.store import now_utc, transaction

log = logging.getLogger(__name__)

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS scans (
  scan_id VARCHAR PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  as_of TIMESTAMP NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  typologies VARCHAR[] NOT NULL,
  params JSON NOT NULL,
  status VARCHAR NOT NULL,
  counts JSON,
  timings JSON,
  errors JSON,
  triggered_by VARCHAR NOT NULL,
  warnings JSON
)""",
    # databases created before scans kept warnings
    "ALTER TABLE scans ADD COLUMN IF NOT EXISTS warnings JSON",
    """CREATE TABLE IF NOT EXISTS alerts (
  alert_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  evidence VARCHAR[] NOT NULL,
  explanation VARCHAR NOT NULL,
  details JSON,
  scan_id VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS typology_params (
  typology_id VARCHAR PRIMARY KEY,
  params JSON NOT NULL,
  updated_at TIMESTAMP NOT NULL
)""",
]


def prepare_scan_views(
    con: duckdb.DuckDBPyConnection, window_start: datetime, window_end: datetime
) -> None:
    """Create the temporary views and reference tables a detector reads (see ScanContext)."""
    ws = window_start.isoformat(sep=" ")
    we = window_end.isoformat(sep=" ")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_transactions AS SELECT * FROM transactions "
        f"WHERE timestamp >= TIMESTAMP '{ws}' AND timestamp <= TIMESTAMP '{we}'"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_cash_declarations AS SELECT * FROM cash_declarations "
        f"WHERE timestamp >= TIMESTAMP '{ws}' AND timestamp <= TIMESTAMP '{we}'"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_trade_documents AS SELECT * FROM trade_documents "
        f"WHERE date >= CAST(TIMESTAMP '{ws}' AS DATE) AND date <= CAST(TIMESTAMP '{we}' AS DATE)"
    )
    # the one account -> subject mapping: the owning party when it is on file, else the account
    con.execute(
        """CREATE OR REPLACE TEMP VIEW scan_accounts AS
SELECT a.account_id, a.account_type, a.country AS account_country, a.opened_on, a.closed_on,
       p.party_id, p.party_type, p.name AS party_name, p.country AS party_country,
       p.occupation AS party_occupation,
       CASE WHEN p.party_id IS NULL THEN 'account' ELSE 'party' END AS subject_type,
       COALESCE(p.party_id, a.account_id) AS subject_id
FROM accounts a LEFT JOIN parties p ON p.party_id = a.party_id"""
    )
    # the scan window's transactions with both sides resolved through scan_accounts
    con.execute(
        """CREATE OR REPLACE TEMP VIEW scan_transfers AS
SELECT t.txn_id, t.timestamp AS ts, t.channel, CAST(t.amount_base AS DOUBLE) AS amt,
       t.from_account, t.to_account, t.originator_name, t.beneficiary_name, t.originator_country,
       t.beneficiary_country, t.reference, t.location_country,
       (fo.account_id IS NOT NULL) AS f_on_file, fo.party_id AS f_party, fo.party_type AS f_ptype,
       fo.account_country AS f_acct_country, fo.account_type AS f_acct_type,
       COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
       (tt.account_id IS NOT NULL) AS t_on_file, tt.party_id AS t_party, tt.party_type AS t_ptype,
       tt.account_country AS t_acct_country, tt.account_type AS t_acct_type,
       COALESCE(tt.subject_type, 'account') AS t_stype, COALESCE(tt.subject_id, t.to_account) AS t_sid,
       COALESCE(t.beneficiary_country, tt.account_country) AS dest_country,
       COALESCE(t.originator_country, fo.account_country) AS orig_country,
       (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
        AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account)) AS self_transfer
FROM scan_transactions t
LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account"""
    )
    # money-flow edges of the window (engine.graph): the candidate rows of the graph typologies
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_edges AS SELECT t.txn_id, t.timestamp AS ts, t.from_account AS src, "
        f"t.to_account AS dst, CAST(t.amount_base AS DOUBLE) AS amount FROM scan_transactions t WHERE {EDGE_CONDITION}"
    )
    # supplied reference prices per HS code and unit (TF-TBML-01), when a table
    # trade_reference_prices(hs_code, unit, price) is loaded; else empty
    supplied = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'trade_reference_prices'"
    ).fetchall()} >= {"hs_code", "unit", "price"}
    con.execute(
        "CREATE OR REPLACE TEMP VIEW ref_trade_prices AS "
        + ("SELECT hs_code, unit, CAST(price AS DOUBLE) AS price FROM trade_reference_prices WHERE price > 0"
           if supplied else
           "SELECT CAST(NULL AS VARCHAR) AS hs_code, CAST(NULL AS VARCHAR) AS unit, CAST(NULL AS DOUBLE) AS price "
           "WHERE FALSE")
    )
    # the everyday-activity facts (recurring relationships, counterparty counts, data coverage)
    everyday.prepare(con, window_end)
    jr = reference.jurisdiction_risk().select("country", "category", "weight")
    mcc = reference.mcc_groups().select("mcc_from", "mcc_to", "mcc_group")
    con.register("_ref_jr", jr.to_arrow())
    con.register("_ref_mcc", mcc.to_arrow())
    con.execute("CREATE OR REPLACE TEMP TABLE ref_jurisdiction_risk AS SELECT * FROM _ref_jr")
    con.execute("CREATE OR REPLACE TEMP TABLE ref_mcc_groups AS SELECT * FROM _ref_mcc")
    con.unregister("_ref_jr")
    con.unregister("_ref_mcc")


# --------------------------------------------------------------------------- parameters
def _format_validation(typology_id: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(x) for x in err.get("loc", ())) or "?"
        if err.get("type") == "extra_forbidden":
            parts.append(f"unknown parameter {name!r}")
        else:
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"parameter {name!r}: {msg} (got {err.get('input')!r})")
    return f"typology {typology_id}: " + "; ".join(parts)


def validate_params(typology: type[Typology], values: dict[str, Any]) -> Params:
    """Build the typology's Params from ``values``; bad names/values raise CtfmonError."""
    if not isinstance(values, dict):
        raise CtfmonError(f"typology {typology.id}: parameters must be a mapping of name to value")
    known = ", ".join(typology.Params.model_fields) or "none"
    unknown = [k for k in values if k not in typology.Params.model_fields]
    if unknown:
        raise CtfmonError(
            f"typology {typology.id}: unknown parameter {unknown[0]!r}; known parameters: {known}"
        )
    try:
        return typology.Params(**values)
    except ValidationError as exc:
        raise CtfmonError(_format_validation(typology.id, exc)) from None


def _stored_overrides(con: duckdb.DuckDBPyConnection, typology_id: str) -> dict[str, Any]:
    row = con.execute(
        "SELECT params FROM typology_params WHERE typology_id = ?", [typology_id]
    ).fetchone()
    if not row or row[0] is None:
        return {}
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return dict(value)


def get_typology_params(con: duckdb.DuckDBPyConnection, typology: type[Typology]) -> dict[str, Any]:
    """The effective parameters of a typology: catalogue defaults overlaid by stored overrides."""
    return effective_params(con, typology).model_dump()


def effective_params(con: duckdb.DuckDBPyConnection, typology: type[Typology]) -> Params:
    """The typology's Params in force: catalogue defaults overlaid by stored overrides."""
    return validate_params(typology, _stored_overrides(con, typology.id))


def get_typology_overrides(con: duckdb.DuckDBPyConnection, typology: type[Typology]) -> dict[str, Any]:
    """Only the stored overrides of a typology (names whose value differs from the catalogue)."""
    return _stored_overrides(con, typology.id)


def set_typology_params(
    con: duckdb.DuckDBPyConnection, typology: type[Typology], values: dict[str, Any]
) -> dict[str, Any]:
    """Store parameter overrides for a typology and return its effective parameters.

    ``values`` is merged into the stored overrides; a value of ``None`` removes that
    override (back to the catalogue default).  Everything is validated with the typology's
    Params model before anything is stored.
    """
    typ, typology_id = typology, typology.id
    merged = _stored_overrides(con, typology_id)
    for k, v in values.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    model = validate_params(typ, merged)
    dumped = model.model_dump()
    overrides = {k: dumped[k] for k in merged}
    with transaction(con):
        con.execute("DELETE FROM typology_params WHERE typology_id = ?", [typology_id])
        con.execute(
            "INSERT INTO typology_params VALUES (?, ?, ?)",
            [typology_id, json.dumps(overrides, default=str), now_utc()],
        )
    log.info("typology %s parameters set: %s", typology_id, overrides)
    return dumped


def resolve_params(
    con: duckdb.DuckDBPyConnection,
    typology: type[Typology],
    per_scan: dict[str, Any] | None = None,
) -> Params:
    """Catalogue defaults < stored overrides < per-scan values, validated."""
    values = _stored_overrides(con, typology.id)
    values.update(per_scan or {})
    return validate_params(typology, values)


def parse_param_assignments(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["TF-CASH-01.threshold=12000", ...]`` -> ``{"TF-CASH-01": {"threshold": "12000"}}``.

    Values stay strings (JSON literals such as ``true``, ``[1,2]`` are decoded); the
    typology's Params model converts and validates them.
    """
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        tid, dot, name = key.strip().rpartition(".")
        if not sep or not dot or not tid or not name:
            raise CtfmonError(f"--param {item!r}: expected TYPOLOGY_ID.parameter=value")
        value: Any = raw.strip()
        if value[:1] in "[{" or value in ("true", "false", "null"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        out.setdefault(tid, {})[name] = value
    return out


# --------------------------------------------------------------------------- scans
@dataclass
class ScanResult:
    """Outcome of one scan.  ``counts``/``new_alerts``: alerts per typology (all / new)."""

    scan_id: str
    status: str
    window_start: datetime
    window_end: datetime
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    new_alerts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def total_alerts(self) -> int:
        return sum(self.counts.values())

    @property
    def total_new(self) -> int:
        return sum(self.new_alerts.values())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["total_alerts"] = self.total_alerts
        d["total_new"] = self.total_new
        return d


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


#: (table, timestamp expression) read for the default scan window.
_TIME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("transactions", "timestamp"),
    ("cash_declarations", "timestamp"),
    ("trade_documents", "CAST(date AS TIMESTAMP)"),
)


def data_time_range(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest plausible loaded timestamp over transactions, declarations and trade documents.

    Values outside :func:`engine.plausible.plausible_bounds` (a year-10000 or year-0 timestamp stored by an
    older ingest or written directly) are left out; :func:`engine.plausible.implausible_values`
    counts them.
    """
    lo_b, hi_b = plausible.plausible_bounds()
    parts = " UNION ALL ".join(
        f"SELECT min({expr}) FILTER (WHERE {expr} BETWEEN $lo AND $hi) AS lo, "
        f"max({expr}) FILTER (WHERE {expr} BETWEEN $lo AND $hi) AS hi FROM {table}"
        for table, expr in _TIME_COLUMNS
    )
    row = con.execute(f"SELECT min(lo), max(hi) FROM ({parts}) AS r", {"lo": lo_b, "hi": hi_b}).fetchone()
    return (row[0], row[1]) if row else (None, None)


def alert_id(typology_id: str, subject_type: str, subject_id: str, evidence: list[str]) -> str:
    """Stable id: the same typology, subject and evidence always give the same id."""
    key = "\x1f".join([typology_id, subject_type, subject_id, *sorted(set(evidence))])
    return "AL-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _reattribute(con: duckdb.DuckDBPyConnection, alerts: list[Alert]) -> None:
    """Account subjects whose owner is on file become party subjects (in place)."""
    acct_ids = sorted({a.subject_id for a in alerts if a.subject_type == "account"})
    if not acct_ids:
        return
    frame = pl.DataFrame({"account_id": acct_ids})
    con.register("_scan_subject_accounts", frame.to_arrow())
    try:
        rows = con.execute(
            "SELECT a.account_id, a.party_id FROM accounts a "
            "JOIN _scan_subject_accounts s ON a.account_id = s.account_id "
            "WHERE a.party_id IS NOT NULL AND a.party_id <> ''"
        ).fetchall()
    finally:
        con.unregister("_scan_subject_accounts")
    owner = dict(rows)
    for a in alerts:
        if a.subject_type == "account" and a.subject_id in owner:
            a.details.setdefault("account_id", a.subject_id)
            a.subject_type = "party"
            a.subject_id = owner[a.subject_id]


def _alert_frame(typology_id: str, scan_id: str, alerts: list[Alert], created: datetime) -> pl.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for a in alerts:
        if a.subject_type not in ("party", "account"):
            raise ValueError(f"alert subject_type must be party or account, not {a.subject_type!r}")
        ev = sorted({str(e) for e in a.evidence})
        aid = alert_id(typology_id, a.subject_type, a.subject_id, ev)
        if aid in rows:
            # same subject and evidence twice: keep the stronger one
            if rows[aid]["score"] >= a.score:
                continue
        rows[aid] = {
            "alert_id": aid,
            "typology_id": typology_id,
            "subject_type": a.subject_type,
            "subject_id": str(a.subject_id),
            "score": round(max(0.0, min(1.0, float(a.score))), 4),
            "window_start": _naive_utc(a.window_start) if a.window_start else None,
            "window_end": _naive_utc(a.window_end) if a.window_end else None,
            "evidence": ev,
            "explanation": a.explanation,
            "details": a.details_json(),
            "scan_id": scan_id,
            "created_at": created,
        }
    schema = {
        "alert_id": pl.String, "typology_id": pl.String, "subject_type": pl.String,
        "subject_id": pl.String, "score": pl.Float64, "window_start": pl.Datetime("us"),
        "window_end": pl.Datetime("us"), "evidence": pl.List(pl.String), "explanation": pl.String,
        "details": pl.String, "scan_id": pl.String, "created_at": pl.Datetime("us"),
    }
    return pl.DataFrame(list(rows.values()), schema=schema, orient="row")


def _store_alerts(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Insert alerts whose id is not stored yet; returns how many were new."""
    if frame.height == 0:
        return 0
    con.register("_scan_new_alerts", frame.to_arrow())
    try:
        with transaction(con):
            n = con.execute(
                "SELECT count(*) FROM _scan_new_alerts n "
                "WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = n.alert_id)"
            ).fetchone()[0]
            con.execute(
                "INSERT INTO alerts SELECT alert_id, typology_id, subject_type, subject_id, score, "
                "window_start, window_end, evidence, explanation, CAST(details AS JSON), scan_id, "
                "created_at FROM _scan_new_alerts n "
                "WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = n.alert_id)"
            )
    finally:
        con.unregister("_scan_new_alerts")
    return int(n)


def _dependency_order(selected: list[type[Typology]]) -> list[type[Typology]]:
    """Selected typologies with those named in another's ``depends_on`` first (id order otherwise)."""
    by_id = {t.id: t for t in selected}
    done: list[type[Typology]] = []
    seen: set[str] = set()

    def visit(t: type[Typology], path: tuple[str, ...]) -> None:
        if t.id in seen:
            return
        if t.id in path:
            raise CtfmonError(f"typology dependency cycle: {' -> '.join((*path, t.id))}")
        for dep in getattr(t, "depends_on", ()):
            if dep in by_id:
                visit(by_id[dep], (*path, t.id))
        seen.add(t.id)
        done.append(t)

    for t in selected:
        visit(t, ())
    return done


#: Scans running in this process.  DuckDB lets one process write a database file, so a scan
#: row left ``running`` that is not in this set belongs to a process that has ended.
_ACTIVE_SCANS: set[str] = set()
_ACTIVE_GUARD = threading.Lock()


def mark_interrupted(con: duckdb.DuckDBPyConnection, *, actor: str = "ctfmon") -> list[str]:
    """Mark scans left ``running`` by a process that ended (killed, crashed, power cut) as failed.

    Called when the server starts and before every scan.  Each one gets an error saying it
    was interrupted and an audit entry; returns their ids."""
    from engine import audit

    with _ACTIVE_GUARD:
        active = sorted(_ACTIVE_SCANS)
    rows = con.execute(
        "SELECT scan_id, started_at, triggered_by FROM scans WHERE status = 'running'"
        + (f" AND scan_id NOT IN ({', '.join('?' for _ in active)})" if active else "")
        + " ORDER BY started_at",
        active,
    ).fetchall()
    if not rows:
        return []
    now = now_utc()
    msg = "interrupted: the process running this scan ended before it finished; run the scan again"
    with transaction(con):
        for scan_id, _started, _by in rows:
            con.execute(
                "UPDATE scans SET status = 'failed', finished_at = ?, errors = ? WHERE scan_id = ?",
                [now, json.dumps({"scan": msg}), scan_id],
            )
        audit.record_many(con, [
            audit.AuditEvent(actor, "scan.interrupted", "scan", scan_id, {"status": "running"},
                             {"status": "failed", "error": msg, "started_at": started, "triggered_by": by})
            for scan_id, started, by in rows
        ])
    for scan_id, started, _by in rows:
        log.warning("scan %s (started %s) was left running by a process that ended; marked failed",
                    scan_id, started)
    return [r[0] for r in rows]


def record_failed_scan(
    con: duckdb.DuckDBPyConnection,
    *,
    error: str,
    typology_ids: list[str] | None,
    lookback_days: int | None = None,
    triggered_by: str,
) -> str:
    """Store a scan that could not start (bad stored parameters, unreadable data ...) as failed.

    Scheduled runs call this so that every run leaves a scan row saying why it failed."""
    now = now_utc()
    scan_id = "SC-" + now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    con.execute(
        "INSERT INTO scans (scan_id, started_at, finished_at, as_of, window_start, window_end, typologies, "
        "params, status, counts, timings, errors, triggered_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'failed', '{}', '{}', ?, ?)",
        [scan_id, now, now, now, now - timedelta(days=lookback_days or 0), now, list(typology_ids or []),
         "{}", json.dumps({"scan": error}), triggered_by],
    )
    return scan_id


def _window(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None, lookback_days: int | None, warnings: list[str],
    bad: dict[tuple[str, str], tuple[int, str, str]],
) -> tuple[datetime, datetime]:
    """The scan window: ``as_of`` (default the latest plausible timestamp) back ``lookback_days``
    (default the earliest plausible timestamp), kept inside the plausible range."""
    lo_b, hi_b = plausible.plausible_bounds()
    if as_of is not None:
        as_of = _naive_utc(as_of)
        if not lo_b <= as_of <= hi_b:
            raise CtfmonError(
                f"as-of {as_of:%Y-%m-%d %H:%M:%S} is outside the plausible range {lo_b:%Y-%m-%d} .. "
                f"{hi_b:%Y-%m-%d} (settings plausible_from / plausible_to)"
            )
    for (table, column), (n, low, high) in bad.items():
        shown = low if low == high else f"{low} .. {high}"
        what = "left out of the scan" if plausible.EVENT_TIME.get(table) == column else "read as missing"
        msg = (f"{n:,} {table} row{'s' if n != 1 else ''} with {column} outside the plausible range "
               f"{lo_b:%Y-%m-%d} .. {hi_b:%Y-%m-%d} ({shown}): {what}")
        log.warning("%s", msg)
        warnings.append(msg)
    lo, hi = data_time_range(con)
    window_end = as_of if as_of is not None else (hi or min(now_utc(), hi_b))
    if lookback_days is not None:
        window_start = max(lo_b, window_end - timedelta(days=min(lookback_days, (window_end - lo_b).days + 1)))
    else:
        window_start = lo if lo is not None and lo <= window_end else window_end
    return window_start, window_end


def run_scan(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    *,
    as_of: datetime | None = None,
    lookback_days: int | None = None,
    typology_ids: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    triggered_by: str = "cli",
    on_progress: Callable[[str, str, int, int], None] | None = None,
) -> ScanResult:
    """Run the selected typologies of ``catalogue`` (all by default) over an as-of window and
    store the alerts.

    The window ends at ``as_of`` (default: the latest plausible loaded timestamp) and starts
    ``lookback_days`` earlier (default: the earliest plausible loaded timestamp); timestamps
    outside the plausible range are left out with a warning in the result.  Parameters
    resolve as catalogue defaults < stored overrides (:func:`set_typology_params`) < ``params``.
    A typology that raises is recorded in the scan's errors; the others' alerts are kept.
    Scans left ``running`` by an ended process are marked failed first (:func:`mark_interrupted`).

    ``on_progress(typology_id, stage, done, total)`` is called with stage ``start`` and ``done``
    around each typology, ``done`` of ``total`` typologies finished (the CLI draws its
    progress display with it).
    """
    selected = _dependency_order(catalogue.select(typology_ids))
    params = params or {}
    sel_ids = {t.id for t in selected}
    for tid in params:
        if tid not in sel_ids:
            catalogue.typology(tid)  # unknown id -> NotFound
            raise CtfmonError(f"parameters given for typology {tid}, which is not selected for this scan")
    resolved = {t.id: resolve_params(con, t, params.get(t.id)) for t in selected}
    if lookback_days is not None and lookback_days <= 0:
        raise CtfmonError(f"lookback must be a positive number of days, not {lookback_days}")

    mark_interrupted(con)
    warnings: list[str] = []
    bad = plausible.implausible_values(con)
    window_start, window_end = _window(con, as_of, lookback_days, warnings, bad)
    scan_id = "SC-" + now_utc().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    started = now_utc()
    params_json = json.dumps({tid: p.model_dump() for tid, p in resolved.items()}, default=str)
    with _ACTIVE_GUARD:
        _ACTIVE_SCANS.add(scan_id)
    try:
        con.execute(
            "INSERT INTO scans (scan_id, started_at, as_of, window_start, window_end, typologies, params, "
            "status, triggered_by, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
            [scan_id, started, window_end, window_start, window_end, [t.id for t in selected],
             params_json, triggered_by, json.dumps(warnings)],
        )
        result = ScanResult(scan_id=scan_id, status="running", window_start=window_start,
                            window_end=window_end, warnings=warnings)
        typology_catalogue.record(con, {t: resolved[t.id] for t in selected})
        with plausible.plausible_tables(con, bad):
            _run_typologies(con, result, selected, resolved, on_progress)
        counts = {tid: {"alerts": result.counts.get(tid, 0), "new": result.new_alerts.get(tid, 0)}
                  for tid in [t.id for t in selected]}
        con.execute(
            "UPDATE scans SET finished_at = ?, status = ?, counts = ?, timings = ?, errors = ? WHERE scan_id = ?",
            [now_utc(), result.status, json.dumps(counts), json.dumps(result.timings),
             json.dumps(result.errors), scan_id],
        )
    finally:
        with _ACTIVE_GUARD:
            _ACTIVE_SCANS.discard(scan_id)
    return result


def _run_typologies(
    con: duckdb.DuckDBPyConnection,
    result: ScanResult,
    selected: list[type[Typology]],
    resolved: dict[str, Params],
    on_progress: Callable[[str, str, int, int], None] | None,
) -> None:
    scan_id = result.scan_id
    log.info("scan %s: %d typologies over %s .. %s", scan_id, len(selected), result.window_start,
             result.window_end)
    try:
        prepare_scan_views(con, result.window_start, result.window_end)
        for done, typ in enumerate(selected):
            if on_progress is not None:
                on_progress(typ.id, "start", done, len(selected))
            t0 = time.perf_counter()
            try:
                ctx = ScanContext(con=con, scan_id=scan_id, window_start=result.window_start,
                                  window_end=result.window_end, params=resolved[typ.id])
                alerts = list(typ().detect(ctx))
                _reattribute(con, alerts)
                frame = _alert_frame(typ.id, scan_id, alerts, now_utc())
                new = _store_alerts(con, frame)
                result.counts[typ.id] = frame.height
                result.new_alerts[typ.id] = new
            except Exception as exc:  # one typology failing must not lose the others
                log.exception("typology %s failed in scan %s", typ.id, scan_id)
                result.errors[typ.id] = f"{type(exc).__name__}: {exc}"
                result.counts[typ.id] = 0
                result.new_alerts[typ.id] = 0
            result.timings[typ.id] = round(time.perf_counter() - t0, 3)
            log.info("scan %s: %s -> %d alerts (%d new) in %.2fs", scan_id, typ.id,
                     result.counts[typ.id], result.new_alerts[typ.id], result.timings[typ.id])
            if on_progress is not None:
                on_progress(typ.id, "done", done + 1, len(selected))
        if not result.errors:
            result.status = "completed"
        elif len(result.errors) < len(selected):
            result.status = "completed_with_errors"
        else:
            result.status = "failed"
    except Exception as exc:
        result.status = "failed"
        result.errors["scan"] = f"{type(exc).__name__}: {exc}"
        log.exception("scan %s failed", scan_id)
