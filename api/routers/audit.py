"""The audit log, read-only (auditor and admin).  No endpoint edits or deletes it; the CSV
export writes one ``audit.export`` entry naming who exported what."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.deps import DB, Con, require
from api.models import ERROR_RESPONSES, AuditEntry, AuditPage, ChainCheck
from engine import audit
from engine.auth import User

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)

AuditReader = Annotated[User, Depends(require("audit.read"))]

#: Most entries one CSV export holds (narrow the filters for more).
EXPORT_MAX = 100_000


def day_range(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive days as [start, end) timestamps."""
    lo = datetime.combine(since, datetime.min.time()) if since else None
    hi = datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None
    return lo, hi


@router.get("", response_model=AuditPage, summary="Audit entries, newest first")
def list_audit(
    con: Con,
    _user: AuditReader,
    object_type: str | None = Query(None, max_length=64),
    object_id: str | None = Query(None, max_length=200),
    actor: str | None = Query(None, max_length=200),
    action: str | None = Query(None, max_length=64, description="an action, or a prefix such as case.*"),
    since: date | None = Query(None, description="first day (UTC), inclusive"),
    until: date | None = Query(None, description="last day (UTC), inclusive"),
    verify: bool = Query(False, description="check the keyed chain over the whole log and its checkpoint"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> AuditPage:
    lo, hi = day_range(since, until)
    items, total = audit.list_entries(
        con, object_type=object_type, object_id=object_id, actor=actor, action=action, since=lo, until=hi,
        limit=limit, offset=offset,
    )
    chain = ChainCheck(**audit.verify(con).as_dict()) if verify else None
    return AuditPage(items=[AuditEntry(**i) for i in items], total=total, limit=limit, offset=offset,
                     chain_intact=chain.intact if chain else None, chain=chain)


def export_csv(db: DB, user: User, filters: dict[str, object]) -> Response:
    """The filtered entries as CSV (newest first, at most :data:`EXPORT_MAX`); audited."""
    lo, hi = day_range(filters.get("since"), filters.get("until"))  # type: ignore[arg-type]
    keys = ("object_type", "object_id", "actor", "action")
    with db.writing() as con:
        items, total = audit.list_entries(con, since=lo, until=hi, limit=EXPORT_MAX,
                                          **{k: filters.get(k) for k in keys})  # type: ignore[arg-type]
        data = audit.to_csv(items)
        audit.record(con, audit.AuditEvent(user.name, "audit.export", "audit_log", "csv", None, {
            "filters": {k: str(v) for k, v in filters.items() if v is not None}, "entries": len(items),
            "matching": total}))
    return Response(content=data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="ctfmon-audit.csv"',
                             "X-Entries": str(len(items)), "X-Matching": str(total)})


@router.get("/export.csv", response_class=Response, summary="The filtered entries as CSV (audited)",
            responses={200: {"content": {"text/csv": {}}}})
def export_audit(
    db: DB,
    user: AuditReader,
    object_type: str | None = Query(None, max_length=64),
    object_id: str | None = Query(None, max_length=200),
    actor: str | None = Query(None, max_length=200),
    action: str | None = Query(None, max_length=64),
    since: date | None = Query(None),
    until: date | None = Query(None),
) -> Response:
    return export_csv(db, user, {"object_type": object_type, "object_id": object_id, "actor": actor,
                                 "action": action, "since": since, "until": until})
