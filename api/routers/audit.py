"""The audit log, read-only (auditor and admin).  No endpoint edits or deletes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Con, require
from api.models import ERROR_RESPONSES, AuditEntry, AuditPage, ChainCheck
from engine import audit
from engine.auth import User

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)

AuditReader = Annotated[User, Depends(require("audit.read"))]


@router.get("", response_model=AuditPage, summary="Audit entries, newest first")
def list_audit(
    con: Con,
    _user: AuditReader,
    object_type: str | None = Query(None, max_length=64),
    object_id: str | None = Query(None, max_length=200),
    actor: str | None = Query(None, max_length=200),
    action: str | None = Query(None, max_length=64),
    verify: bool = Query(False, description="check the keyed chain over the whole log and its checkpoint"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> AuditPage:
    items, total = audit.list_entries(
        con, object_type=object_type, object_id=object_id, actor=actor, action=action,
        limit=limit, offset=offset,
    )
    chain = ChainCheck(**audit.verify(con).as_dict()) if verify else None
    return AuditPage(items=[AuditEntry(**i) for i in items], total=total, limit=limit, offset=offset,
                     chain_intact=chain.intact if chain else None, chain=chain)
