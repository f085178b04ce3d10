"""Scheduled scans: create, change, delete (admin); list and inspect (any reader)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from api.deps import DB, Con, Reader, get_scheduler, require
from api.models import ERROR_RESPONSES, ScheduleIn, ScheduleOut, SchedulePatch, ScheduleRunOut
from engine import schedule
from engine.auth import User
from engine.schedule import ScheduleService

router = APIRouter(prefix="/schedules", tags=["schedules"], responses=ERROR_RESPONSES)

Admin = Annotated[User, Depends(require("schedule.manage"))]
Scheduler = Annotated[ScheduleService, Depends(get_scheduler)]


def _out(row: dict[str, Any], svc: ScheduleService) -> ScheduleOut:
    return ScheduleOut(**row, next_run_at=svc.next_run(row["schedule_id"]))


@router.get("", response_model=list[ScheduleOut], summary="All schedules")
def list_schedules(con: Con, _user: Reader, svc: Scheduler) -> list[ScheduleOut]:
    return [_out(r, svc) for r in schedule.list_schedules(con)]


@router.post("", response_model=ScheduleOut, status_code=status.HTTP_201_CREATED,
             summary="Create a schedule (admin)")
def create_schedule(body: ScheduleIn, db: DB, user: Admin, svc: Scheduler) -> ScheduleOut:
    with db.writing() as con:
        row = schedule.create_schedule(con, body.model_dump(), actor=user.name, catalogue=svc.catalogue)
    svc.apply(row)
    return _out(row, svc)


@router.get("/{schedule_id}", response_model=ScheduleOut, summary="One schedule")
def get_schedule(schedule_id: str, con: Con, _user: Reader, svc: Scheduler) -> ScheduleOut:
    return _out(schedule.get_schedule(con, schedule_id), svc)


@router.patch("/{schedule_id}", response_model=ScheduleOut, summary="Change a schedule (admin)")
def update_schedule(schedule_id: str, body: SchedulePatch, db: DB, user: Admin, svc: Scheduler) -> ScheduleOut:
    with db.writing() as con:
        row = schedule.update_schedule(con, schedule_id, body.model_dump(exclude_unset=True), actor=user.name,
                                       catalogue=svc.catalogue)
    svc.apply(row)
    return _out(row, svc)


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a schedule (admin)")
def delete_schedule(schedule_id: str, db: DB, user: Admin, svc: Scheduler) -> Response:
    with db.writing() as con:
        schedule.delete_schedule(con, schedule_id, actor=user.name)
    svc.remove(schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{schedule_id}/run", response_model=ScheduleRunOut, summary="Run a schedule now (admin)")
def run_schedule(schedule_id: str, con: Con, _user: Admin, svc: Scheduler) -> ScheduleRunOut:
    schedule.get_schedule(con, schedule_id)
    out = svc.run(schedule_id)
    if out is None:
        return ScheduleRunOut(schedule_id=schedule_id, status=None, scan_id=None, error=None, skipped=True)
    return ScheduleRunOut(schedule_id=schedule_id, status=out["status"], scan_id=out["scan_id"],
                          error=out["error"])
