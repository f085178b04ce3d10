"""Pages for parameters and tuning under ``/ui``: the typologies (live values, pending change
requests, version history; propose, approve as a second person, roll back), a sandbox scan
compared with live, tuning runs with their charts, below-the-line review batches and
champion/challenger runs.  The same rules as :mod:`api.ui.pages` (session, CSRF on forms,
permissions from :data:`engine.auth.PERMISSIONS`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.routers.tuning import challenger_runs
from api.ui.render import _error, _redirect, _render
from api.ui.session import FormUser, PageUser, db_of, need
from engine import challengers, param_versions, sandbox, tuning_store
from engine.auth import User
from engine.errors import CtfmonError
from services import tuning as tuning_service
from services import typologies as typology_service
from services import window

router = APIRouter(prefix="/ui", include_in_schema=False)


def _act(request: Request, user: User, permission: str, fn: Callable[[], str], back: str) -> Response:
    """Run a form action; on a refusal show it on an error page (with its status), else go back."""
    try:
        need(user, permission)
        done = fn()
    except CtfmonError as exc:
        return _error(request, user, exc)
    return _redirect(back, done)


# --------------------------------------------------------------------------- typologies
@router.get("/typologies", response_class=HTMLResponse)
def typologies_page(request: Request, user: PageUser) -> HTMLResponse:
    cat = request.app.state.catalogue
    with db_of(request).reading() as con:
        rows = [typology_service.overview(con, cat, tid) for tid in cat]
        pending = param_versions.list_changes(con, status="pending")
        version = param_versions.current_version(con)
    return _render(request, "typologies.html", user, rows=rows, pending=pending, version=version)


@router.get("/typologies/{typology_id}", response_class=HTMLResponse)
def typology_page(request: Request, typology_id: str, user: PageUser) -> HTMLResponse:
    try:
        with db_of(request).reading() as con:
            t = typology_service.overview(con, request.app.state.catalogue, typology_id)
    except CtfmonError as exc:
        return _error(request, user, exc, title="No such typology")
    return _render(request, "typology.html", user, t=t, can_change=user.can("typology.params"))


@router.post("/typologies/{typology_id}/changes")
def propose(request: Request, typology_id: str, user: FormUser, name: Annotated[str, Form()] = "",
            value: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        raw: Any = value.strip()
        if raw[:1] in "[{" or raw in ("true", "false"):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                pass
        with db_of(request).writing() as con:
            ch = typology_service.propose(con, request.app.state.catalogue, typology_id,
                                          {name.strip(): None if raw == "default" else raw}, reason=reason,
                                          actor=user.name)
        return f"Change {ch['change_id']} proposed; it goes live when a second person approves it."
    return _act(request, user, "typology.params", act, f"/ui/typologies/{typology_id}")


@router.post("/typologies/changes/{change_id}/{decision}")
def decide_change(request: Request, change_id: str, decision: str, user: FormUser,
                  note: Annotated[str, Form()] = "") -> Response:
    back: dict[str, str] = {"url": "/ui/typologies"}

    def act() -> str:
        with db_of(request).writing() as con:
            if decision == "approve":
                ch = typology_service.approve(con, request.app.state.catalogue, change_id, actor=user.name, note=note)
            elif decision == "reject":
                ch = typology_service.reject(con, change_id, actor=user.name, note=note)
            else:
                raise CtfmonError(f"unknown decision {decision!r}: approve or reject", http_status=404)
        back["url"] = f"/ui/typologies/{ch['typology_id']}"
        return f"Change {change_id} {ch['status']}" + (f": version {ch['version']} is live." if ch["version"] else ".")
    resp = _act(request, user, "typology.params", act, "")
    if resp.status_code == 303:
        resp.headers["location"] = back["url"]
    return resp


@router.post("/typologies/{typology_id}/rollback")
def rollback(request: Request, typology_id: str, user: FormUser, reason: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        with db_of(request).writing() as con:
            v = typology_service.rollback(con, request.app.state.catalogue, typology_id, actor=user.name,
                                          reason=reason)
        return f"Rolled back: version {v['version']} is live."
    return _act(request, user, "typology.params", act, f"/ui/typologies/{typology_id}")


# --------------------------------------------------------------------------- sandbox compare
@router.get("/scans/{scan_id}/compare", response_class=HTMLResponse)
def compare_page(request: Request, scan_id: str, user: PageUser) -> HTMLResponse:
    try:
        with db_of(request).reading() as con:
            cmp = sandbox.compare(con, scan_id)
    except CtfmonError as exc:
        return _error(request, user, exc, title="Cannot compare")
    return _render(request, "compare.html", user, c=cmp)


# --------------------------------------------------------------------------- tuning
@router.get("/tuning", response_class=HTMLResponse)
def tuning_page(request: Request, user: PageUser) -> HTMLResponse:
    with db_of(request).reading() as con:
        runs = tuning_store.list_runs(con)
        batches = tuning_store.list_batches(con)
        chs = challengers.list_all(con)
    cat = request.app.state.catalogue
    return _render(request, "tuning.html", user, runs=runs, batches=batches, challengers=chs,
                   typologies=[{"id": tid, "name": t.name, "params": list(t.Params.model_fields)} for tid, t in cat.items()],
                   can_run=user.can("scan.run"), can_change=user.can("typology.params"))


@router.post("/tuning")
def start_tuning(request: Request, user: FormUser, typology_id: Annotated[str, Form()] = "",
                 param: Annotated[str, Form()] = "", values: Annotated[str, Form()] = "",
                 labels_path: Annotated[str, Form()] = "", target_recall: Annotated[str, Form()] = "",
                 alert_budget: Annotated[str, Form()] = "", lookback_days: Annotated[str, Form()] = "") -> Response:
    out: dict[str, Any] = {}

    def act() -> str:
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not vals:
            raise CtfmonError("values: give one or more, separated by commas", http_status=422)
        with db_of(request).writing() as con:
            res = tuning_service.tune(
                con, request.app.state.catalogue, typology_id, param.strip(), vals, actor=user.name,
                labels_path=labels_path.strip() or None, target_recall=_num(target_recall, float, "target recall"),
                alert_budget=_num(alert_budget, int, "alert budget"),
                lookback_days=window.parse_lookback(lookback_days, field="lookback", http_status=422))
        out["id"] = res["tuning_id"]
        return f"Tuning run {res['tuning_id']} done."
    resp = _act(request, user, "scan.run", act, "/ui/tuning")
    if "id" in out:
        resp.headers["location"] = f"/ui/tuning/{out['id']}"
    return resp


def _num(raw: str, kind: Callable[[str], Any], what: str) -> Any:
    if not raw.strip():
        return None
    try:
        return kind(raw.strip())
    except ValueError:
        raise CtfmonError(f"{what} {raw!r}: expected a number", http_status=422) from None


@router.get("/tuning/{tuning_id}", response_class=HTMLResponse)
def tuning_run_page(request: Request, tuning_id: str, user: PageUser) -> HTMLResponse:
    try:
        with db_of(request).reading() as con:
            run = tuning_store.get_run(con, tuning_id)
            batches = [b for b in tuning_store.list_batches(con) if b["tuning_id"] == tuning_id]
    except CtfmonError as exc:
        return _error(request, user, exc, title="No such tuning run")
    run.pop("chart_svg", None)
    return _render(request, "tuning_run.html", user, run=run, batches=batches, can_run=user.can("scan.run"))


@router.get("/tuning/{tuning_id}/chart.svg")
def tuning_chart(request: Request, tuning_id: str, user: PageUser) -> Response:
    with db_of(request).reading() as con:
        svg = tuning_store.get_run(con, tuning_id)["chart_svg"] or ""
    return Response(svg, media_type="image/svg+xml")


@router.post("/tuning/{tuning_id}/batches")
def create_batch(request: Request, tuning_id: str, user: FormUser, value: Annotated[str, Form()] = "",
                 sample: Annotated[str, Form()] = "20") -> Response:
    out: dict[str, Any] = {}

    def act() -> str:
        with db_of(request).writing() as con:
            b = tuning_service.review_batch(con, tuning_id, value.strip(), sample=_num(sample, int, "sample") or 20,
                                            seed=17, actor=user.name)
        out["id"] = b["batch_id"]
        return f"Review batch {b['batch_id']}: {b['summary']['sampled']} of {b['dropped']} dropped alerts sampled."
    resp = _act(request, user, "scan.run", act, f"/ui/tuning/{tuning_id}")
    if "id" in out:
        resp.headers["location"] = f"/ui/review-batches/{out['id']}"
    return resp


@router.get("/review-batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: str, user: PageUser) -> HTMLResponse:
    try:
        with db_of(request).reading() as con:
            b = tuning_store.batch(con, batch_id)
    except CtfmonError as exc:
        return _error(request, user, exc, title="No such review batch")
    return _render(request, "review_batch.html", user, b=b, can_decide=user.can("case.work"))


@router.post("/review-batches/{batch_id}/items/{alert_id}")
def decide_item(request: Request, batch_id: str, alert_id: str, user: FormUser,
                decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        with db_of(request).writing() as con:
            tuning_store.decide(con, batch_id, alert_id, decision, actor=user.name, note=note)
        return f"{alert_id}: {decision.replace('_', ' ')}."
    return _act(request, user, "case.work", act, f"/ui/review-batches/{batch_id}")


# --------------------------------------------------------------------------- challengers
@router.post("/challengers")
def create_challenger(request: Request, user: FormUser, typology_id: Annotated[str, Form()] = "",
                      name: Annotated[str, Form()] = "", value: Annotated[str, Form()] = "",
                      reason: Annotated[str, Form()] = "", starts_at: Annotated[str, Form()] = "",
                      ends_at: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        start, end = _day(starts_at, "start"), _day(ends_at, "end")
        with db_of(request).writing() as con:
            ch = challengers.create(con, request.app.state.catalogue.typology(typology_id), {name.strip(): value.strip()},
                                    reason=reason, starts_at=start, ends_at=end, actor=user.name)
        return f"Challenger {ch['challenger_id']} runs beside every scheduled scan of {typology_id}."
    return _act(request, user, "typology.params", act, "/ui/tuning")


def _day(raw: str, what: str) -> datetime:
    ts = window.parse_as_of(raw.strip() or None, field=what, http_status=422)
    if ts is None:
        raise CtfmonError(f"challenger {what}: give a date", http_status=422)
    return ts.replace(tzinfo=None)


@router.get("/challengers/{challenger_id}", response_class=HTMLResponse)
def challenger_page(request: Request, challenger_id: str, user: PageUser) -> HTMLResponse:
    try:
        with db_of(request).reading() as con:
            ch = challengers.get(con, challenger_id)
            runs = challenger_runs(con, challenger_id)
    except CtfmonError as exc:
        return _error(request, user, exc, title="No such challenger")
    return _render(request, "challenger.html", user, ch=ch, runs=runs, can_change=user.can("typology.params"))


@router.post("/challengers/{challenger_id}/stop")
def stop_challenger(request: Request, challenger_id: str, user: FormUser) -> Response:
    def act() -> str:
        with db_of(request).writing() as con:
            challengers.stop(con, challenger_id, actor=user.name)
        return "Challenger stopped."
    return _act(request, user, "typology.params", act, f"/ui/challengers/{challenger_id}")
