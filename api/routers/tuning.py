"""Backtests and tuning (parameter sweeps in sandboxes), below-the-line review batches and
champion/challenger shadow runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import DB, Con, Reader, Typologies, require
from api.models import ERROR_RESPONSES
from api.tuning_models import BatchIn, ChallengerIn, ItemDecisionIn, TuneIn
from engine import challengers, sandbox, tuning_store
from engine.auth import User
from engine.errors import CtfmonError
from engine.scan_alerts import _naive_utc
from services import tuning as tuning_service

router = APIRouter(tags=["tuning"], responses=ERROR_RESPONSES)

Runner = Annotated[User, Depends(require("scan.run"))]
Reviewer = Annotated[User, Depends(require("case.work"))]
Admin = Annotated[User, Depends(require("typology.params"))]


@router.post("/tuning", summary="Sweep one parameter in sandbox scans and measure each value")
def run_tuning(body: TuneIn, db: DB, user: Runner, catalogue: Typologies) -> dict[str, Any]:
    if body.labels_path is not None and not Path(body.labels_path).exists():
        raise CtfmonError(f"labels_path {body.labels_path!r}: no such file or directory on the server", http_status=422)
    with db.writing() as con:
        out = tuning_service.tune(
            con, catalogue, body.typology_id, body.param, body.values, actor=user.name, labels_path=body.labels_path,
            target_recall=body.target_recall, alert_budget=body.alert_budget, as_of=body.as_of,
            lookback_days=body.lookback_days, below_the_line=body.below_the_line, sample=body.sample, seed=body.seed)
    return out


@router.get("/tuning", summary="Stored tuning runs, newest first")
def list_tuning(con: Con, _user: Reader, limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    return tuning_store.list_runs(con, limit)


@router.get("/tuning/{tuning_id}", summary="One tuning run: its figures and recommendation")
def get_tuning(tuning_id: str, con: Con, _user: Reader) -> dict[str, Any]:
    run = tuning_store.get_run(con, tuning_id)
    run.pop("chart_svg", None)
    return run


@router.get("/tuning/{tuning_id}/chart.svg", summary="The PR curve and alerts-vs-recall chart (SVG)")
def tuning_chart(tuning_id: str, con: Con, _user: Reader) -> Response:
    return Response(tuning_store.get_run(con, tuning_id)["chart_svg"] or "", media_type="image/svg+xml")


@router.post("/tuning/{tuning_id}/batches", status_code=201,
             summary="Sample the alerts a stricter swept value drops into a below-the-line review batch")
def create_batch(tuning_id: str, body: BatchIn, db: DB, user: Runner) -> dict[str, Any]:
    with db.writing() as con:
        return tuning_service.review_batch(con, tuning_id, body.value, sample=body.sample, seed=body.seed,
                                           actor=user.name)


@router.get("/review-batches", summary="Below-the-line review batches with their share worth a case")
def list_batches(con: Con, _user: Reader) -> list[dict[str, Any]]:
    return tuning_store.list_batches(con)


@router.get("/review-batches/{batch_id}", summary="One review batch, its items and decisions")
def get_batch(batch_id: str, con: Con, _user: Reader) -> dict[str, Any]:
    return tuning_store.batch(con, batch_id)


@router.post("/review-batches/{batch_id}/items/{alert_id}",
             summary="Disposition one sampled alert: worth_case or not_worth_case (once)")
def decide_item(batch_id: str, alert_id: str, body: ItemDecisionIn, db: DB, user: Reviewer) -> dict[str, Any]:
    with db.writing() as con:
        return tuning_store.decide(con, batch_id, alert_id, body.decision, actor=user.name, note=body.note)


@router.post("/challengers", status_code=201, summary="Run proposed values in shadow beside every scheduled scan")
def create_challenger(body: ChallengerIn, db: DB, user: Admin, catalogue: Typologies) -> dict[str, Any]:
    with db.writing() as con:
        return challengers.create(con, catalogue.typology(body.typology_id), body.values, reason=body.reason,
                                  starts_at=_naive_utc(body.starts_at), ends_at=_naive_utc(body.ends_at),
                                  actor=user.name)


@router.get("/challengers", summary="Challengers, newest first")
def list_challengers(con: Con, _user: Reader) -> list[dict[str, Any]]:
    return challengers.list_all(con)


@router.get("/challengers/{challenger_id}", summary="A challenger with the differences of each shadow run")
def get_challenger(challenger_id: str, con: Con, _user: Reader) -> dict[str, Any]:
    return {**challengers.get(con, challenger_id), "runs": challenger_runs(con, challenger_id)}


@router.post("/challengers/{challenger_id}/stop", summary="Stop a challenger")
def stop_challenger(challenger_id: str, db: DB, user: Admin) -> dict[str, Any]:
    with db.writing() as con:
        return challengers.stop(con, challenger_id, actor=user.name)


def challenger_runs(con: Any, challenger_id: str) -> list[dict[str, Any]]:
    """Each shadow run against its live scan: added/removed/unchanged and the dispositions of the
    live cases holding the alerts the challenger would drop."""
    out = []
    for run in challengers.runs(con, challenger_id):
        cmp = sandbox.compare(con, run["shadow_scan_id"], run["live_scan_id"])
        removed = [a for t in cmp["typologies"].values() for a in t["ids"]["removed"]]
        out.append({**run, "totals": cmp["totals"], "typologies": cmp["typologies"],
                    "removed_dispositions": challengers.dispositions(con, removed)})
    return out
