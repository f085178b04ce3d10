"""Backtests and tuning as the faces use them: a sweep of one parameter in sandboxes, its
figures against labels (a labels file, or analysts' dispositions), the charts, a
recommendation, an optional below-the-line review batch, all stored and audited
(``tuning.run``).  See :mod:`engine.tuning`, :mod:`engine.tuning_labels`,
:mod:`engine.tuning_charts` and :mod:`engine.tuning_store`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from engine import audit, evaluate, tuning, tuning_charts, tuning_labels, tuning_store
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError
from services.window import parse_as_of


def labels_for(con: duckdb.DuckDBPyConnection, typology_id: str, labels_path: str | Path | None) -> tuning_labels.LabelSet:
    """The labels file's instances of the typology, or (no file) analysts' dispositions."""
    if labels_path is None:
        return tuning_labels.from_dispositions(con, typology_id)
    return tuning_labels.from_labels(con, evaluate.load_labels(labels_path), typology_id)


def tune(con: duckdb.DuckDBPyConnection, cat: Catalogue, typology_id: str, param: str, values: list[Any], *,
         actor: str, labels_path: str | Path | None = None, target_recall: float | None = None,
         alert_budget: int | None = None, as_of: str | date | datetime | None = None,
         lookback_days: int | None = None, chart_dir: Path | None = None, below_the_line: Any = None,
         sample: int = 20, seed: int = 17) -> dict[str, Any]:
    """Sweep ``param`` of ``typology_id`` over ``values``; see the module docstring.

    ``below_the_line``: a swept value (or ``"recommended"``) whose dropped alerts, compared
    with the live value, are sampled (``sample``, ``seed``) into a review batch."""
    cat.typology(typology_id)
    labels = labels_for(con, typology_id, labels_path)
    result = tuning.sweep(con, cat, typology_id, param, values, labels=labels, as_of=parse_as_of(as_of),
                          lookback_days=lookback_days, triggered_by=f"tune:{actor}")
    rec = tuning.recommend(result["points"], target_recall=target_recall, alert_budget=alert_budget)
    rec_value = rec["value"] if rec else None
    svg = tuning_charts.svg(result, rec_value)
    charts = [str(p) for p in tuning_charts.write(result, chart_dir, rec_value)] if chart_dir else []
    tid = tuning_store.save_run(con, result, rec, svg, actor=actor)
    audit.record_many(con, [audit.AuditEvent(actor, "scan.sandbox", "scan", p["scan_id"], None, {
        "status": "completed", "total_alerts": p["alerts"], "triggered_by": f"tune:{actor}", "tuning_id": tid,
        "params": {typology_id: {param: p["value"]}}}) for p in result["points"]])
    audit.record(con, audit.AuditEvent(actor, "tuning.run", "tuning", tid, None, {
        "typology_id": typology_id, "param": param, "values": [p["value"] for p in result["points"]],
        "label_source": labels.source, "recommended": rec_value,
        "scans": [p["scan_id"] for p in result["points"]]}))
    batch = None
    if below_the_line is not None:
        batch = review_batch(con, tid, rec_value if below_the_line == "recommended" else below_the_line,
                             sample=sample, seed=seed, actor=actor)
    return {"tuning_id": tid, "result": result, "recommended": rec, "charts": charts, "batch": batch}


def review_batch(con: duckdb.DuckDBPyConnection, tuning_id: str, value: Any, *, sample: int, seed: int,
                 actor: str) -> dict[str, Any]:
    """A below-the-line batch of a stored tuning run: alerts the live value raises that ``value`` drops."""
    run = tuning_store.get_run(con, tuning_id)
    points = run["result"]["points"]
    live = next(p for p in points if p["live"])
    match = [p for p in points if str(p["value"]) == str(value)]
    if value is None or not match:
        raise CtfmonError(f"value {value!r} was not swept in {tuning_id}; swept: "
                          f"{', '.join(str(p['value']) for p in points)}", http_status=422)
    stricter = match[0]
    if stricter["live"]:
        raise CtfmonError(f"{value!r} is the live value: nothing falls below the line", http_status=422)
    return tuning_store.create_batch(
        con, typology_id=run["typology_id"], param=run["param"], live_value=live["value"],
        stricter_value=stricter["value"], live_scan_id=live["scan_id"], stricter_scan_id=stricter["scan_id"],
        sample=sample, seed=seed, actor=actor, tuning_id=tuning_id)
