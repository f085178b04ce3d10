"""Export a case as a goAML 5.0.2 STR; every export writes a ``report.goaml`` audit entry."""

from __future__ import annotations

from typing import Any

import duckdb

from engine import audit
from engine.reports import goaml, narrative


def export_goaml(con: duckdb.DuckDBPyConnection, case_id: str, *, actor: str, any_state: bool = False,
                 **noted: Any) -> bytes:
    """The schema-valid XML of ``case_id`` (escalated or filed, unless ``any_state``).

    ``noted`` adds fields to the audit entry (the CLI notes where it wrote the file)."""
    xml = goaml.export_case(con, case_id, require_state=None if any_state else goaml.EXPORTABLE_STATES)
    saved = narrative.versions(con, case_id)
    audit.record(con, audit.AuditEvent(actor, "report.goaml", "case", case_id, None, {
        "bytes": len(xml), "narrative_version": saved[-1]["version"] if saved else 0,
        **({"any_state": True} if any_state else {}), **noted}))
    return xml
