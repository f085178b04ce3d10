"""Scans: run one now (then group its alerts into cases; a sandbox opens none), list and inspect
scans, compare a sandbox scan with the live alerts of its window."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import DB, Con, Reader, Typologies, require
from api.models import ERROR_RESPONSES, CaseSync, ScanIn, ScanOut, ScanRow
from engine import sandbox
from engine.auth import User
from engine.errors import NotFound
from services import scans
from services.window import parse_as_of

router = APIRouter(prefix="/scans", tags=["scans"], responses=ERROR_RESPONSES)

Runner = Annotated[User, Depends(require("scan.run"))]

_COLS = ("scan_id", "started_at", "finished_at", "as_of", "window_start", "window_end", "typologies",
         "status", "counts", "timings", "errors", "warnings", "triggered_by", "mode", "param_version")


def _row(r: tuple[Any, ...]) -> ScanRow:
    d = dict(zip(_COLS, r, strict=True))
    d["mode"] = d["mode"] or "live"
    for k in ("counts", "timings", "errors", "warnings"):
        if isinstance(d[k], str):
            d[k] = json.loads(d[k])
    d["typologies"] = list(d["typologies"] or [])
    return ScanRow(**d)


@router.post("", response_model=ScanOut, summary="Run a scan now and sync cases (waits for the result)")
def start_scan(body: ScanIn, db: DB, user: Runner, catalogue: Typologies) -> ScanOut:
    as_of = parse_as_of(body.as_of, field="as_of", http_status=422)
    with db.writing() as con:
        out = scans.run_scan(
            con, catalogue, actor=user.name, triggered_by=f"api:{user.name}", as_of=as_of,
            lookback_days=body.lookback_days, typology_ids=body.typology_ids, params=body.params,
            sandbox=body.sandbox,
        )
    return ScanOut(**out.result.to_dict(), cases=CaseSync(**out.cases_dict()))


@router.get("", response_model=list[ScanRow], summary="Recent scans, newest first")
def list_scans(con: Con, _user: Reader, limit: int = Query(50, ge=1, le=500)) -> list[ScanRow]:
    rows = con.execute(
        f"SELECT {', '.join(_COLS)} FROM scans ORDER BY started_at DESC, scan_id LIMIT ?", [limit]
    ).fetchall()
    return [_row(r) for r in rows]


@router.get("/{scan_id}", response_model=ScanRow, summary="One scan's status, counts and errors")
def get_scan(scan_id: str, con: Con, _user: Reader) -> ScanRow:
    rows = con.execute(f"SELECT {', '.join(_COLS)} FROM scans WHERE scan_id = ?", [scan_id]).fetchall()
    if not rows:
        raise NotFound(f"no scan {scan_id!r}")
    return _row(rows[0])


@router.get("/{scan_id}/compare", summary="A sandbox scan against the live alerts of the same window")
def compare_scan(scan_id: str, con: Con, _user: Reader, against: str | None = None) -> dict[str, Any]:
    """Per typology: alerts added (only in the sandbox), removed (only live) and unchanged, with their ids.
    ``against`` names the live scan (default: the latest finished live scan over the same window)."""
    return sandbox.compare(con, scan_id, against)
