"""Load a sanctions or travel document list: store the file as the new active version of its
list, write one ``list.load`` audit entry, then re-screen through :func:`services.scans.run_scan`
(parties and payments, SAN-01 and SAN-02, for a sanctions list; declarations and identity
documents, TF-DOC-01, for a travel document list), so the new alerts join cases like any scan's.
A new version of a sanctions list also has its changes screened; a re-screen alert repeating a
change alert is dropped before cases are formed, so each hit is raised once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from engine import audit, cases, risk, scan, store
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError
from engine.screening import changes, lists
from engine.screening.lists import LoadResult
from services import scans

#: the re-screen of a sanctions list (``lists.rescreen_typologies`` gives it per list format)
RESCREEN_TYPOLOGIES = lists.rescreen_typologies("csv")


@dataclass(frozen=True)
class ListLoadOutcome:
    loaded: LoadResult
    rescreen: scans.ScanOutcome | None
    #: new, amended and removed entries against the previous version, with what each caused
    changes: list[changes.EntryChange] = field(default_factory=list)


def load_list(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    path: Path,
    *,
    actor: str,
    triggered_by: str,
    case_actor: str | None = None,
    fmt: str | None = None,
    list_name: str | None = None,
    confirm: bool = False,
    display_name: str | None = None,
    rescreen: bool = True,
    lookback_days: int | None = None,
) -> ListLoadOutcome:
    """Load -> ``list.load`` entry -> (``rescreen``) SAN-01/SAN-02 (or, for a travel document list,
    TF-DOC-01) scan -> cases -> ``scan.run`` entry.

    A new version of a sanctions list replacing an active one is also compared with it
    (:mod:`engine.screening.changes`): its new and amended entries are screened over the
    last ``lookback_days`` (default: all loaded history) into alerts naming the change, stored
    with the re-screen's scan, and open SAN cases on removed entries are flagged for review."""
    if lookback_days is not None and lookback_days <= 0:
        raise CtfmonError(f"list change lookback must be a positive number of days, not {lookback_days}",
                          http_status=422)
    res = lists.load_list(con, path, fmt=fmt, list_name=list_name, confirm=confirm, display_name=display_name)
    audit.record(con, audit.AuditEvent(actor, "list.load", "screening_list", res.list_name, None, {
        "version_id": res.version_id, "file": display_name or str(path), "entries": res.entries,
        "previous_version_id": res.previous_version_id, "confirmed": confirm,
        "removed": len(res.diff.get("removed", [])), "already_loaded": res.already_loaded}))
    outcome = None
    changed = res.previous_version_id is not None and not res.already_loaded and res.source_format != "documents-csv"
    found: list[changes.EntryChange] = []
    if changed:
        found = changes.entry_changes(con, res.previous_version_id, res.version_id)
    if rescreen and changed:
        outcome = _rescreen_with_changes(con, catalogue, res, found, lookback_days, actor=actor,
                                         triggered_by=triggered_by, case_actor=case_actor or triggered_by)
    elif rescreen:
        outcome = scans.run_scan(con, catalogue, actor=actor, triggered_by=triggered_by, case_actor=case_actor,
                                 typology_ids=lists.rescreen_typologies(res.source_format))
    if changed:
        changes.flag_removed(con, res.list_name, res.version_id, found, actor=actor)
        changes.record_changes(con, res.list_name, res.previous_version_id, res.version_id, found)
        audit.record(con, audit.AuditEvent(actor, "list.changes", "screening_list", res.list_name, None, {
            "version_id": res.version_id, "previous_version_id": res.previous_version_id,
            "changes": [{"reference": c.reference, "change": c.change, "fields": c.fields,
                         "alerts": sorted(set(c.alert_ids)), "cases_flagged": c.case_ids} for c in found]}))
    return ListLoadOutcome(res, outcome, found)


def _rescreen_with_changes(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, res: LoadResult,
                           found: list[changes.EntryChange], lookback_days: int | None, *, actor: str,
                           triggered_by: str, case_actor: str) -> scans.ScanOutcome:
    """The re-screen of a new version (SAN-01, SAN-02) and the change screening's alerts in one
    scan; a re-screen alert repeating a change alert (same party or customer, same entry, no
    payment the change alert lacks) is dropped before cases are formed, so the hit is raised
    once, by the alert naming the change.  Then cases, ratings and the ``scan.run`` entry, as
    :func:`services.scans.run_scan` does."""
    result = scan.run_scan(con, catalogue, typology_ids=lists.rescreen_typologies(res.source_format),
                           triggered_by=triggered_by)
    _store_change_alerts(con, res, found, result.scan_id, lookback_days)
    dropped = changes.drop_rescreen_duplicates(con, result.scan_id)
    for tid, ids in dropped.items():
        result.counts[tid] = max(0, result.counts.get(tid, 0) - len(ids))
        result.new_alerts[tid] = max(0, result.new_alerts.get(tid, 0) - len(ids))
    synced = cases.sync_cases(con, actor=case_actor)
    risk.rate_after_scan(con, result.scan_id)
    audit.record(con, audit.AuditEvent(
        actor, "scan.run", "scan", result.scan_id, None,
        {"status": result.status, "total_alerts": result.total_alerts, "total_new": result.total_new,
         "triggered_by": triggered_by, "cases_created": synced.cases_created, "cases_joined": synced.cases_joined,
         "duplicates_dropped": {k: len(v) for k, v in dropped.items()}},
    ))
    return scans.ScanOutcome(result, synced)


def _store_change_alerts(con: duckdb.DuckDBPyConnection, res: LoadResult, found: list[changes.EntryChange],
                         scan_id: str, lookback_days: int | None) -> None:
    """The change screening's alerts join the re-screen's scan (cases are formed after)."""
    screened = changes.screen_changes(con, res.list_name, res.version_id, res.previous_version_id, found,
                                      lookback_days=lookback_days)
    by_ref = {c.reference: c for c in found}
    created = store.now_utc()
    for tid, alerts in screened.alerts.items():
        if not alerts:
            continue
        scan._reattribute(con, alerts)
        frame = scan._alert_frame(tid, scan_id, alerts, created)
        scan._store_alerts(con, frame)
        result_ids = [scan.alert_id(tid, a.subject_type, a.subject_id, [str(e) for e in a.evidence]) for a in alerts]
        for a, aid in zip(alerts, result_ids, strict=True):
            by_ref[a.details["reference"]].alert_ids.append(aid)
