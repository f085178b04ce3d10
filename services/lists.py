"""Load a sanctions or travel document list: store the file as the new active version of its
list, write one ``list.load`` audit entry, then re-screen through :func:`services.scans.run_scan`
(parties and payments, SAN-01 and SAN-02, for a sanctions list; declarations and identity
documents, TF-DOC-01, for a travel document list), so the new alerts join cases like any scan's."""

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
    if rescreen:
        outcome = scans.run_scan(con, catalogue, actor=actor, triggered_by=triggered_by, case_actor=case_actor,
                                 typology_ids=lists.rescreen_typologies(res.source_format))
    found: list[changes.EntryChange] = []
    if res.previous_version_id is not None and not res.already_loaded and res.source_format != "documents-csv":
        found = changes.entry_changes(con, res.previous_version_id, res.version_id)
        if outcome is not None:
            _store_change_alerts(con, res, found, outcome, lookback_days, case_actor or triggered_by)
        changes.flag_removed(con, res.list_name, res.version_id, found, actor=actor)
        changes.record_changes(con, res.list_name, res.previous_version_id, res.version_id, found)
        audit.record(con, audit.AuditEvent(actor, "list.changes", "screening_list", res.list_name, None, {
            "version_id": res.version_id, "previous_version_id": res.previous_version_id,
            "changes": [{"reference": c.reference, "change": c.change, "fields": c.fields,
                         "alerts": sorted(set(c.alert_ids)), "cases_flagged": c.case_ids} for c in found]}))
    return ListLoadOutcome(res, outcome, found)


def _store_change_alerts(con: duckdb.DuckDBPyConnection, res: LoadResult, found: list[changes.EntryChange],
                         outcome: scans.ScanOutcome, lookback_days: int | None, case_actor: str) -> None:
    """The change screening's alerts join the re-screen's scan, then cases."""
    screened = changes.screen_changes(con, res.list_name, res.version_id, res.previous_version_id, found,
                                      lookback_days=lookback_days)
    by_ref = {c.reference: c for c in found}
    created = store.now_utc()
    stored = 0
    for tid, alerts in screened.alerts.items():
        if not alerts:
            continue
        scan._reattribute(con, alerts)
        frame = scan._alert_frame(tid, outcome.result.scan_id, alerts, created)
        stored += scan._store_alerts(con, frame)
        for a in alerts:
            aid = scan.alert_id(tid, a.subject_type, a.subject_id, [str(e) for e in a.evidence])
            by_ref[a.details["reference"]].alert_ids.append(aid)
    if stored:
        cases.sync_cases(con, actor=case_actor)
        risk.rate_after_scan(con, outcome.result.scan_id)  # the ratings follow these alerts too
