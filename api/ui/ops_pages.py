"""The operations pages under ``/ui``: the dashboard, scans (start one, follow it, read it) and
scheduled scans; the same rules as :mod:`api.ui.pages`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.ui import views
from api.ui.jobs import ScanJob
from api.ui.render import (
    _error,
    _redirect,
    _render,
    _scan_jobs,
    _set_flash,
)
from api.ui.session import (
    FormUser,
    PageUser,
    db_of,
    need,
)
from engine import mi, schedule
from engine.auth import User
from engine.errors import CtfmonError, NotFound
from engine.store import now_utc
from services import window

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ui", include_in_schema=False)


# --------------------------------------------------------------------------- dashboard
@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, user: PageUser) -> HTMLResponse:
    now = now_utc()
    with db_of(request).reading() as con:
        data = views.dashboard(con, now)
        info = mi.compute(con, now=now) if user.can("mi.read") else None
        tiles = info["tiles"] if info else mi.compute_tiles(con, now)
    return _render(request, "dashboard.html", user, d=data, mi=info, tiles=tiles)


# --------------------------------------------------------------------------- scans
def _typology_choices(request: Request) -> list[dict[str, str]]:
    return [{"id": tid, "name": t.name} for tid, t in request.app.state.catalogue.items()]


@router.get("/scans", response_class=HTMLResponse)
def scans_page(request: Request, user: PageUser) -> HTMLResponse:
    with db_of(request).reading() as con:
        rows = views.recent_scans(con, limit=30)
    return _render(request, "scans.html", user, scans=rows, typologies=_typology_choices(request),
                   can_run=user.can("scan.run"), error=None, form={})


@router.post("/scans")
def start_scan(
    request: Request,
    user: FormUser,
    typology_ids: Annotated[list[str] | None, Form()] = None,
    lookback_days: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
    sandbox: Annotated[str, Form()] = "",
) -> Response:
    ids = [t for t in (typology_ids or []) if t] or None
    try:
        need(user, "scan.run")
        request.app.state.catalogue.select(ids)
        job = _scan_jobs(request).start(user, as_of=window.parse_as_of(as_of, field="as-of", http_status=422),
                                        lookback_days=window.parse_lookback(lookback_days, field="lookback",
                                                                            http_status=422),
                                        typology_ids=ids, sandbox=sandbox == "1")
    except CtfmonError as exc:
        with db_of(request).reading() as con:
            rows = views.recent_scans(con, limit=30)
        return _render(request, "scans.html", user, status=exc.http_status, scans=rows,
                       typologies=_typology_choices(request), can_run=user.can("scan.run"), error=exc.message,
                       form={"typology_ids": ids or [], "lookback_days": lookback_days, "as_of": as_of})
    return _redirect(f"/ui/scans/run/{job.job_id}")


def _scan_row(request: Request, scan_id: str) -> dict[str, Any] | None:
    with db_of(request).reading() as con:
        return views.scan_detail(con, scan_id)


def _scan_view(request: Request, user: User, *, scan: dict[str, Any] | None, job: ScanJob | None, poll_url: str,
               fragment: bool) -> HTMLResponse:
    running = (job is not None and job.status in ("queued", "running")) or (
        scan is not None and scan["status"] == "running")
    elapsed = None
    if scan is not None:
        elapsed = ((scan["finished_at"] or now_utc()) - scan["started_at"]).total_seconds()
    return _render(request, "scan_status.html" if fragment else "scan.html", user, scan=scan, job=job,
                   running=running, poll_url=poll_url, elapsed=elapsed)


@router.get("/scans/run/{job_id}", response_class=HTMLResponse)
def scan_job(request: Request, job_id: str, user: PageUser, fragment: bool = False) -> HTMLResponse:
    job = _scan_jobs(request).get(job_id)
    if job is None:
        return _error(request, user, NotFound(
            f"no scan job {job_id!r}: jobs are kept while the server runs; find the scan in the scans list"),
            title="No such scan job")
    scan_id = job.scan_id
    if scan_id is None:
        with db_of(request).reading() as con:
            scan_id = views.scan_of_tag(con, job.tag)
    scan = _scan_row(request, scan_id) if scan_id else None
    return _scan_view(request, user, scan=scan, job=job, poll_url=f"/ui/scans/run/{job_id}?fragment=1",
                      fragment=fragment)


@router.get("/scans/{scan_id}", response_class=HTMLResponse)
def scan_page(request: Request, scan_id: str, user: PageUser, fragment: bool = False) -> HTMLResponse:
    scan = _scan_row(request, scan_id)
    if scan is None:
        return _error(request, user, NotFound(f"no scan {scan_id!r}"), title="No such scan")
    return _scan_view(request, user, scan=scan, job=None, poll_url=f"/ui/scans/{scan_id}?fragment=1",
                      fragment=fragment)


# --------------------------------------------------------------------------- schedules
def _schedules_page(request: Request, user: User, *, error: str | None = None, status: int = 200,
                    form: dict[str, Any] | None = None) -> HTMLResponse:
    svc = request.app.state.scheduler
    with db_of(request).reading() as con:
        rows = schedule.list_schedules(con)
    for r in rows:
        r["next_run_at"] = svc.next_run(r["schedule_id"])
    return _render(request, "schedules.html", user, status=status, schedules=rows,
                   can_manage=user.can("schedule.manage"), typologies=_typology_choices(request), error=error,
                   form=form or {"trigger": "cron"})


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, user: PageUser) -> HTMLResponse:
    return _schedules_page(request, user)


def _schedule_action(request: Request, user: User, fn: Callable[[], None], done: str,
                     form: dict[str, Any] | None = None) -> Response:
    try:
        need(user, "schedule.manage")
        fn()
    except CtfmonError as exc:
        return _schedules_page(request, user, error=exc.message, status=exc.http_status, form=form)
    return _redirect("/ui/schedules", done)


@router.post("/schedules")
def create_schedule(
    request: Request,
    user: FormUser,
    name: Annotated[str, Form()] = "",
    trigger: Annotated[str, Form()] = "cron",
    cron: Annotated[str, Form()] = "",
    interval_seconds: Annotated[str, Form()] = "",
    lookback_days: Annotated[str, Form()] = "",
    typology_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    form = {"name": name, "trigger": trigger, "cron": cron, "interval_seconds": interval_seconds,
            "lookback_days": lookback_days, "typology_ids": typology_ids or []}
    svc = request.app.state.scheduler

    def act() -> None:
        interval = None
        if trigger == "interval":
            if not interval_seconds.strip().isdigit():
                raise CtfmonError(f"interval {interval_seconds!r}: expected a whole number of seconds",
                                  http_status=422)
            interval = int(interval_seconds)
        spec = {"name": name, "trigger": trigger, "cron": cron.strip() or None, "interval_seconds": interval,
                "typology_ids": [t for t in (typology_ids or []) if t] or None,
                "lookback_days": window.parse_lookback(lookback_days, field="lookback", http_status=422), "enabled": True}
        with db_of(request).writing() as con:
            row = schedule.create_schedule(con, spec, actor=user.name, catalogue=request.app.state.catalogue)
        svc.apply(row)

    return _schedule_action(request, user, act, f"Schedule {name.strip()!r} created.", form)


@router.post("/schedules/{schedule_id}/toggle")
def toggle_schedule(request: Request, schedule_id: str, user: FormUser) -> Response:
    svc = request.app.state.scheduler
    result: dict[str, Any] = {}

    def act() -> None:
        with db_of(request).writing() as con:
            current = schedule.get_schedule(con, schedule_id)
            row = schedule.update_schedule(con, schedule_id, {"enabled": not current["enabled"]}, actor=user.name,
                                           catalogue=request.app.state.catalogue)
        svc.apply(row)
        result.update(row)

    resp = _schedule_action(request, user, act, "")
    if result:
        _set_flash(resp, f"Schedule {result['name']!r} {'enabled' if result['enabled'] else 'paused'}.")
    return resp


@router.post("/schedules/{schedule_id}/delete")
def delete_schedule(request: Request, schedule_id: str, user: FormUser) -> Response:
    svc = request.app.state.scheduler

    def act() -> None:
        with db_of(request).writing() as con:
            schedule.delete_schedule(con, schedule_id, actor=user.name)
        svc.remove(schedule_id)

    return _schedule_action(request, user, act, "Schedule deleted.")


@router.post("/schedules/{schedule_id}/run")
def run_schedule(request: Request, schedule_id: str, user: FormUser) -> Response:
    svc = request.app.state.scheduler
    out: dict[str, Any] = {}

    def act() -> None:
        with db_of(request).reading() as con:
            schedule.get_schedule(con, schedule_id)
        out["result"] = svc.run(schedule_id)

    resp = _schedule_action(request, user, act, "")
    if "result" in out:
        r = out["result"]
        msg = ("A run of this schedule is still going; this one was skipped." if r is None else
               f"Schedule ran: scan {r['scan_id'] or '-'} {r['status']}"
               + (f" ({r['error']})" if r.get("error") else "") + ".")
        _set_flash(resp, msg)
    return resp
