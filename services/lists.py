"""Load a sanctions or travel document list: store the file as the new active version of its
list, write one ``list.load`` audit entry, then re-screen through :func:`services.scans.run_scan`
(parties and payments, SAN-01 and SAN-02, for a sanctions list; declarations and identity
documents, TF-DOC-01, for a travel document list), so the new alerts join cases like any scan's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from engine import audit
from engine.detect.catalogue import Catalogue
from engine.screening import lists
from engine.screening.lists import LoadResult
from services import scans

#: the re-screen of a sanctions list (``lists.rescreen_typologies`` gives it per list format)
RESCREEN_TYPOLOGIES = lists.rescreen_typologies("csv")


@dataclass(frozen=True)
class ListLoadOutcome:
    loaded: LoadResult
    rescreen: scans.ScanOutcome | None


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
) -> ListLoadOutcome:
    """Load -> ``list.load`` entry -> (``rescreen``) SAN-01/SAN-02 (or, for a travel document list,
    TF-DOC-01) scan -> cases -> ``scan.run`` entry."""
    res = lists.load_list(con, path, fmt=fmt, list_name=list_name, confirm=confirm, display_name=display_name)
    audit.record(con, audit.AuditEvent(actor, "list.load", "screening_list", res.list_name, None, {
        "version_id": res.version_id, "file": display_name or str(path), "entries": res.entries,
        "previous_version_id": res.previous_version_id, "confirmed": confirm,
        "removed": len(res.diff.get("removed", [])), "already_loaded": res.already_loaded}))
    outcome = None
    if rescreen:
        outcome = scans.run_scan(con, catalogue, actor=actor, triggered_by=triggered_by, case_actor=case_actor,
                                 typology_ids=lists.rescreen_typologies(res.source_format))
    return ListLoadOutcome(res, outcome)
