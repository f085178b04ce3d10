"""Backtest a parameter of one typology: a sweep of values over history, each in a sandbox scan.

Each value runs as a sandbox scan (:mod:`engine.sandbox`: its alerts apart, no cases) over the
same window; the scan views are prepared once and reused by every value (the detectors'
inputs do not depend on the parameter).  The live value is always part of the sweep (marked
``live``) so that every figure has its reference.  Per value: alert rows, alerted subjects,
precision, recall and F1 against a :class:`engine.tuning_labels.LabelSet`.

:func:`recommend` picks a value: for a target recall, the value that reaches it with the
fewest alerts; for an alert budget, the value with the highest recall within it; with
neither, the best F1.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import duckdb

from engine import scan
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError
from engine.tuning_labels import LabelSet, Subject, measure


def parse_values(raw: str) -> tuple[str, list[str]]:
    """``"min_transactions=2,3,4"`` -> ``("min_transactions", ["2", "3", "4"])``."""
    name, sep, vals = raw.partition("=")
    values = [v.strip() for v in vals.split(",") if v.strip()]
    if not sep or not name.strip() or not values:
        raise CtfmonError(f"--param {raw!r}: expected NAME=v1,v2,...")
    if len(values) > 50:
        raise CtfmonError(f"--param {raw!r}: at most 50 values in one sweep, got {len(values)}")
    return name.strip(), values


def _alerted(con: duckdb.DuckDBPyConnection, scan_id: str) -> tuple[int, set[Subject]]:
    rows = con.execute("SELECT subject_type, subject_id FROM sandbox_alerts WHERE scan_id = ?", [scan_id]).fetchall()
    return len(rows), {(str(t), str(i)) for t, i in rows}


def sweep(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, typology_id: str, param: str, values: list[Any], *,
          labels: LabelSet, as_of: datetime | None = None, lookback_days: int | None = None,
          triggered_by: str = "tune") -> dict[str, Any]:
    """Run ``typology_id`` once per value of ``param`` (plus the live value) in sandboxes and measure each."""
    typ = catalogue.typology(typology_id)
    live_params = scan.effective_params(con, typ)
    if param not in typ.Params.model_fields:
        raise CtfmonError(f"typology {typology_id}: unknown parameter {param!r}; known parameters: "
                          f"{', '.join(typ.Params.model_fields)}")
    checked: list[Any] = []
    for v in values:  # every value validated before anything runs
        checked.append(getattr(scan.resolve_params(con, typ, {param: v}), param))
    live_value = getattr(live_params, param)
    unique = list({repr(v): v for v in checked}.values())
    points: list[tuple[Any, bool]] = [(v, v == live_value) for v in unique]
    if not any(is_live for _, is_live in points):
        points.append((live_value, True))
    rows: list[dict[str, Any]] = []
    t_all = time.perf_counter()
    for value, is_live in points:
        t0 = time.perf_counter()
        res = scan.run_scan(con, catalogue, as_of=as_of, lookback_days=lookback_days, typology_ids=[typology_id],
                            params={typology_id: {param: value}}, triggered_by=triggered_by, mode="sandbox",
                            reuse_views=True)
        if res.errors:
            raise CtfmonError(f"{typology_id} with {param}={value!r} failed: {'; '.join(res.errors.values())}")
        n_alerts, alerted = _alerted(con, res.scan_id)
        rows.append({"value": value, "live": is_live, "scan_id": res.scan_id, "alerts": n_alerts,
                     "alerted_subjects": len(alerted),
                     "alerted_parties": sum(1 for t, _ in alerted if t == "party"),
                     **measure(alerted, labels), "seconds": round(time.perf_counter() - t0, 3)})
        window = (res.window_start, res.window_end)
    return {"typology_id": typology_id, "param": param, "live_value": live_value, "labels": labels.describe(),
            "label_source": labels.source, "window_start": window[0], "window_end": window[1],
            "points": rows, "seconds": round(time.perf_counter() - t_all, 3)}


def recommend(points: list[dict[str, Any]], *, target_recall: float | None = None,
              alert_budget: int | None = None) -> dict[str, Any] | None:
    """The recommended point (with ``why``), or ``None`` when no value meets the target/budget."""
    if target_recall is not None and not 0 < target_recall <= 1:
        raise CtfmonError(f"target recall {target_recall}: expected a share in (0, 1]")
    if alert_budget is not None and alert_budget < 0:
        raise CtfmonError(f"alert budget {alert_budget}: expected 0 or more")
    scored = [p for p in points if p["recall"] is not None]
    if target_recall is not None:
        ok = [p for p in scored if p["recall"] >= target_recall]
        if not ok:
            return None
        best = min(ok, key=lambda p: (p["alerts"], -(p["precision"] or 0)))
        return {**best, "why": f"fewest alerts ({best['alerts']:,}) with recall >= {target_recall:g}"}
    if alert_budget is not None:
        ok = [p for p in scored if p["alerts"] <= alert_budget]
        if not ok:
            return None
        best = max(ok, key=lambda p: (p["recall"], -p["alerts"]))
        return {**best, "why": f"highest recall ({best['recall']:g}) within {alert_budget:,} alerts"}
    with_f1 = [p for p in scored if p["f1"] is not None]
    if not with_f1:
        return None
    best = max(with_f1, key=lambda p: (p["f1"], -p["alerts"]))
    return {**best, "why": f"best F1 ({best['f1']:g})"}
