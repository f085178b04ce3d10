"""Alerts: what scans produced, with the state of their case."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query

from api.deps import Con, Reader
from api.models import ERROR_RESPONSES, AlertOut, CaseState, Page
from engine import alerts
from engine.errors import CtfmonError

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=ERROR_RESPONSES)


def naive_utc(ts: datetime | None) -> datetime | None:
    if ts is None or ts.tzinfo is None:
        return ts
    try:
        return ts.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise CtfmonError(f"timestamp {ts.isoformat()} is out of range", http_status=422) from None


@router.get("", response_model=Page[AlertOut], summary="List alerts, strongest first")
def list_alerts(
    con: Con,
    _user: Reader,
    typology: str | None = Query(None, max_length=64, description="typology id, e.g. TF-CASH-01"),
    min_score: float | None = Query(None, ge=0, le=1),
    date_from: datetime | None = Query(None, description="activity window ends on or after this"),
    date_to: datetime | None = Query(None, description="activity window starts on or before this"),
    status: CaseState | None = Query(None, description="state of the alert's case"),
    subject_id: str | None = Query(None, max_length=200),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> Page[AlertOut]:
    items, total = alerts.alert_page(
        con, typology=typology, min_score=min_score, date_from=naive_utc(date_from),
        date_to=naive_utc(date_to), status=status, subject_id=subject_id, limit=limit, offset=offset,
    )
    return Page[AlertOut](items=items, total=total, limit=limit, offset=offset)


@router.get("/{alert_id}", response_model=AlertOut, summary="One alert")
def get_alert(alert_id: str, con: Con, _user: Reader) -> AlertOut:
    return AlertOut(**alerts.get_alert(con, alert_id))
