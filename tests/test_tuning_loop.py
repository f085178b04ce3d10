"""The whole tuning loop on labelled history: backtest a threshold with a chart, review a
below-the-line sample, propose, approve as a second person, see the next scan use the new
parameter version, roll it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli
from engine import auth, store

runner = CliRunner()


def _cli(*args: str) -> str:
    r = runner.invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.slow
def test_propose_backtest_review_approve_scan_rollback(tmp_path: Path) -> None:
    data, db, charts = tmp_path / "data", tmp_path / "loop.duckdb", tmp_path / "charts"
    _cli("generate", "--out", str(data), "--seed", "3", "--transactions", "3000")
    _cli("ingest", str(data), "--db", str(db))
    _cli("--as", "ops", "scan", "--typologies", "TF-CASH-01", "--db", str(db))

    # backtest on labelled history: a sweep in sandboxes, a chart, a below-the-line sample
    out = _cli("--as", "tuner", "tune", "TF-CASH-01", "--param", "min_transactions=2,3,4,5", "--labels", str(data),
               "--target-recall", "0.9", "--charts", str(charts), "--below-the-line", "5", "--sample", "10",
               "--db", str(db))
    assert "min_transactions=" in out and "recommended:" in out
    png = charts / "tune-TF-CASH-01-min_transactions.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "<svg" in (charts / "tune-TF-CASH-01-min_transactions.svg").read_text()
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == \
            con.execute("SELECT count(*) FROM alerts").fetchall()[0][0]  # the sweep opened no case
        (run,) = con.execute("SELECT result, recommended FROM tuning_runs").fetchall()
    result, recommended = json.loads(run[0]), json.loads(run[1])
    points = {p["value"]: p for p in result["points"]}
    assert set(points) == {2, 3, 4, 5} and points[3]["live"]
    assert points[2]["alerts"] >= points[3]["alerts"] >= points[5]["alerts"]
    assert recommended["recall"] >= 0.9
    assert min(p["alerts"] for p in points.values() if p["recall"] >= 0.9) == recommended["alerts"]

    api = create_app(db, scheduler=False)
    tokens = {}
    with api.state.db.writing() as con:
        for name, role in (("ana", "analyst"), ("adm", "admin"), ("adm2", "admin"), ("sam", "supervisor")):
            auth.add_user(con, name, role, actor="test")
            tokens[name] = auth.issue_token(con, name, actor="test")[1]
    c = {n: TestClient(api, headers={"Authorization": f"Bearer {t}"}) for n, t in tokens.items()}

    # the chart is drawn on the page and served as SVG
    tuning_id = c["ana"].get("/tuning").json()[0]["tuning_id"]
    assert c["ana"].get(f"/tuning/{tuning_id}/chart.svg").text.lstrip().startswith("<?xml")

    # analysts disposition the below-the-line sample
    (batch,) = c["ana"].get("/review-batches").json()
    assert batch["dropped"] >= points[3]["alerts"] - points[5]["alerts"] > 0
    assert batch["summary"]["sampled"] == min(10, batch["dropped"])
    for i, item in enumerate(batch["items"]):
        r = c["ana"].post(f"/review-batches/{batch['batch_id']}/items/{item['alert_id']}",
                          json={"decision": "worth_case" if i == 0 else "not_worth_case"})
        assert r.status_code == 200, r.text
    summary = c["ana"].get(f"/review-batches/{batch['batch_id']}").json()["summary"]
    assert summary["decided"] == summary["sampled"] and summary["worth_case"] == 1
    assert summary["share_worth_case"] == round(1 / summary["sampled"], 4)

    # propose the threshold; the proposer cannot approve it; a second admin does
    r = c["adm"].post("/typologies/TF-CASH-01/changes",
                      json={"values": {"min_transactions": 4}, "reason": f"backtest {tuning_id}"})
    assert r.status_code == 201, r.text
    change_id = r.json()["change_id"]
    assert c["adm"].post(f"/typologies/changes/{change_id}/approve", json={}).status_code == 403
    assert c["adm"].get("/typologies/TF-CASH-01").json()["effective"]["min_transactions"] == 3
    r = c["adm2"].post(f"/typologies/changes/{change_id}/approve", json={"note": "backtest reviewed"})
    assert r.status_code == 200 and r.json()["version"] == 1
    assert c["ana"].get("/typologies/TF-CASH-01").json()["description"].startswith("At least 4 ")

    # the next scan uses the new version
    scan1 = c["sam"].post("/scans", json={"typology_ids": ["TF-CASH-01"]}).json()
    assert scan1["mode"] == "live" and scan1["param_version"] == 1
    assert c["ana"].get(f"/scans/{scan1['scan_id']}").json()["param_version"] == 1

    # rollback is one action, and the scan after it uses the restored values
    r = c["adm"].post("/typologies/TF-CASH-01/rollback", json={"reason": "back to the catalogue value"})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["overrides"] == {}
    scan2 = c["sam"].post("/scans", json={"typology_ids": ["TF-CASH-01"]}).json()
    assert scan2["param_version"] == 2
    with api.state.db.reading() as con:
        used = dict(con.execute("SELECT scan_id, params FROM scans WHERE scan_id IN (?, ?)",
                                [scan1["scan_id"], scan2["scan_id"]]).fetchall())
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY seq").fetchall()]
    assert json.loads(used[scan1["scan_id"]])["TF-CASH-01"]["min_transactions"] == 4
    assert json.loads(used[scan2["scan_id"]])["TF-CASH-01"]["min_transactions"] == 3
    for action in ("tuning.run", "review.batch_create", "review.decide", "typology.change_proposed",
                   "typology.change_approved", "typology.params", "typology.rollback", "scan.run", "scan.sandbox"):
        assert action in actions, action
