"""Run a scan: scan the window, store its alerts, group the new alerts into cases, rate every
party again (:mod:`engine.risk`) and write one ``scan.run`` audit entry.  The CLI, ``POST /scans``, the scans page, the scheduler and the
re-screening after a list load all come here, so they cannot drift apart.

``as_of`` is read by :func:`services.window.parse_as_of` (a date is the end of that day).
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

from engine import audit, cases, risk, scan
from engine.cases import SyncResult
from engine.detect.catalogue import Catalogue
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
) -> ScanOutcome:
    """Scan -> alerts -> cases -> one audit entry.

    ``actor`` is the person (or schedule) named in the audit entry; ``triggered_by`` is stored
    on the scan row (``cli``, ``api:<user>``, ``ui:<user>:<job>``, ``schedule:<id>``);
    ``case_actor`` names the case sync in the case history (default ``triggered_by``)."""
    result = scan.run_scan(
        con, catalogue, as_of=parse_as_of(as_of), lookback_days=lookback_days, typology_ids=typology_ids,
        params=params, triggered_by=triggered_by, on_progress=on_progress,
    )
    synced = cases.sync_cases(con, actor=case_actor or triggered_by)
    risk.rate_after_scan(con, result.scan_id)  # party risk ratings follow every scan's alerts and cases
    audit.record(con, audit.AuditEvent(
        actor, "scan.run", "scan", result.scan_id, None,
        {"status": result.status, "total_alerts": result.total_alerts, "total_new": result.total_new,
         "triggered_by": triggered_by, "cases_created": synced.cases_created,
         "cases_joined": synced.cases_joined},
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
    return out.result, out.cases
