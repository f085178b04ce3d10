"""Run a scan: scan the window, store its alerts, group the new alerts into cases, rate every
party again (:mod:`engine.risk`) and write one ``scan.run`` audit entry.  The CLI, ``POST /scans``, the scans page, the scheduler and the
re-screening after a list load all come here, so they cannot drift apart.

``as_of`` is read by :func:`services.window.parse_as_of` (a date is the end of that day).
A *sandbox* scan (``sandbox=True``) stores its alerts apart (:mod:`engine.sandbox`), opens
no case, rates no party and is audited as ``scan.sandbox``.  Per-scan parameter values are a
what-if: they make the scan a sandbox (asking for them with ``sandbox=False`` is refused) -
live parameters change only through an approved change request
(:mod:`engine.param_versions`).  A scheduled scan is followed by a shadow scan for every
active challenger of its typologies (:mod:`engine.challengers`).

A scan that cannot start (unknown typology, bad parameter, implausible as-of) raises
:class:`engine.errors.CtfmonError` and writes nothing; a scan whose typologies fail is
stored with their errors and audited like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from engine import audit, cases, challengers, risk, scan
from engine.cases import SyncResult
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError
from engine.scan import ScanResult
from services.window import parse_as_of

Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class ScanOutcome:
    """The stored scan and what grouping its alerts into cases did."""

    result: ScanResult
    cases: SyncResult

    def cases_dict(self) -> dict[str, int]:
        return {"alerts_added": self.cases.alerts_added, "cases_created": self.cases.cases_created,
                "cases_joined": self.cases.cases_joined}


def run_scan(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    *,
    actor: str,
    triggered_by: str,
    case_actor: str | None = None,
    as_of: str | date | datetime | None = None,
    lookback_days: int | None = None,
    typology_ids: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    on_progress: Progress | None = None,
    sandbox: bool | None = None,
) -> ScanOutcome:
    """Scan -> alerts -> cases -> one audit entry.

    ``actor`` is the person (or schedule) named in the audit entry; ``triggered_by`` is stored
    on the scan row (``cli``, ``api:<user>``, ``ui:<user>:<job>``, ``schedule:<id>``);
    ``case_actor`` names the case sync in the case history (default ``triggered_by``).
    ``sandbox``: see the module docstring (default: a sandbox when ``params`` are given)."""
    if params and sandbox is False:
        raise CtfmonError(
            "per-scan parameter values are a what-if and run only as a sandbox (its alerts apart, no cases); "
            "to change the live values propose a parameter change (`ctfmon typologies set ... --reason`)",
            http_status=422)
    is_sandbox = bool(sandbox) or bool(params)
    result = scan.run_scan(
        con, catalogue, as_of=parse_as_of(as_of), lookback_days=lookback_days, typology_ids=typology_ids,
        params=params, triggered_by=triggered_by, on_progress=on_progress,
        mode="sandbox" if is_sandbox else "live",
    )
    if is_sandbox:
        audit.record(con, audit.AuditEvent(
            actor, "scan.sandbox", "scan", result.scan_id, None,
            {"status": result.status, "total_alerts": result.total_alerts, "triggered_by": triggered_by,
             "params": params or {}, "param_version": result.param_version},
        ))
        return ScanOutcome(result, SyncResult(0, 0, 0))
    synced = cases.sync_cases(con, actor=case_actor or triggered_by)
    risk.rate_after_scan(con, result.scan_id)  # party risk ratings follow every scan's alerts and cases
    audit.record(con, audit.AuditEvent(
        actor, "scan.run", "scan", result.scan_id, None,
        {"status": result.status, "total_alerts": result.total_alerts, "total_new": result.total_new,
         "triggered_by": triggered_by, "cases_created": synced.cases_created,
         "cases_joined": synced.cases_joined, "param_version": result.param_version},
    ))
    return ScanOutcome(result, synced)


def run_scheduled(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, *, lookback_days: int | None,
    typology_ids: list[str] | None, actor: str,
) -> tuple[ScanResult, SyncResult]:
    """The scan of one scheduled run, as :class:`engine.schedule.ScheduleService` calls it
    (the engine is handed this function; it does not import the services)."""
    out = run_scan(con, catalogue, actor=actor, triggered_by=actor, lookback_days=lookback_days,
                   typology_ids=typology_ids)
    run_challengers(con, catalogue, out.result, lookback_days=lookback_days, actor=actor)
    return out.result, out.cases


def run_challengers(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, live: ScanResult, *,
                    lookback_days: int | None, actor: str) -> list[str]:
    """A shadow scan over the live scan's window for each challenger due; returns their scan ids.

    A challenger whose values no longer validate, or whose shadow scan fails, is logged and
    audited; the live scan stands either way."""
    if live.status == "failed":
        return []
    done: list[str] = []
    for ch in challengers.due(con, list(live.counts), live.window_end):
        try:
            shadow = scan.run_scan(
                con, catalogue, as_of=live.window_end, lookback_days=lookback_days, typology_ids=[ch["typology_id"]],
                params={ch["typology_id"]: ch["params"]}, triggered_by=f"{actor}:challenger:{ch['challenger_id']}",
                mode="shadow", challenger_id=ch["challenger_id"],
            )
        except CtfmonError as exc:
            audit.record(con, audit.AuditEvent(actor, "challenger.failed", "challenger", ch["challenger_id"], None,
                                               {"live_scan_id": live.scan_id, "error": exc.message}))
            continue
        challengers.record_run(con, ch["challenger_id"], live.scan_id, shadow.scan_id)
        audit.record(con, audit.AuditEvent(actor, "scan.shadow", "scan", shadow.scan_id, None,
                                           {"challenger_id": ch["challenger_id"], "live_scan_id": live.scan_id,
                                            "status": shadow.status, "total_alerts": shadow.total_alerts}))
        done.append(shadow.scan_id)
    return done
