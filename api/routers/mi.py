"""Supervisor MI (``GET /mi``): per typology and period, workload per analyst, SLA; see :mod:`engine.mi`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import Con, require
from api.models import ERROR_RESPONSES
from engine import mi
from engine.auth import User
from engine.store import now_utc

router = APIRouter(tags=["mi"], responses=ERROR_RESPONSES)

MiReader = Annotated[User, Depends(require("mi.read"))]


@router.get("/mi", summary="Supervisor MI: alerts, cases, STRs, conversion, false positives, workload, SLA")
def get_mi(
    con: Con,
    _user: MiReader,
    period: str = Query("month", description="week, month or quarter"),
    since: date | None = Query(None, description="first day (default: 364 days before until)"),
    until: date | None = Query(None, description="last day (default: today)"),
) -> dict[str, Any]:
    return mi.compute(con, now=now_utc(), period=period, since=since, until=until)
