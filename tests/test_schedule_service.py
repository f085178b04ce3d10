"""Scheduled scans: persistence across restarts, no overlap, runs recorded, missed-run policy."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from test_api_support import seed_world

from engine import schedule
from engine.errors import CtfmonError
from engine.schedule import ScheduleService, SharedDatabase
from services.scans import run_scheduled
from typologies import registry

CATALOGUE = registry.catalogue()

SPEC = {"name": "cash hourly", "trigger": "interval", "interval_seconds": 3600, "typology_ids": ["TF-CASH-01"]}


@pytest.fixture()
def db(tmp_path: Path):
    d = SharedDatabase(tmp_path / "s.duckdb")
    with d.writing() as con:
        seed_world(con)
    yield d
    d.close()


def test_schedules_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    db = SharedDatabase(path)
    with db.writing() as con:
        sid = schedule.create_schedule(con, {**SPEC, "trigger": "cron", "cron": "30 3 * * *"}, actor="t", catalogue=CATALOGUE)["schedule_id"]
        off = schedule.create_schedule(con, {**SPEC, "name": "off", "enabled": False}, actor="t", catalogue=CATALOGUE)["schedule_id"]
    svc = ScheduleService(db, CATALOGUE, run_scheduled)
    assert svc.start() == 1
    first = svc.next_run(sid)
    assert first is not None and first.endswith("03:30:00+00:00")
    svc.shutdown()
    db.close()
    db2 = SharedDatabase(path)  # a new process would do the same
    svc2 = ScheduleService(db2, CATALOGUE, run_scheduled)
    try:
        assert svc2.start() == 1
        assert svc2.next_run(sid) == first and svc2.next_run(off) is None
        job = svc2.scheduler.get_job(sid)
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 3600
    finally:
        svc2.shutdown()
        db2.close()


def test_interval_schedule_fires_and_records_scan(db: SharedDatabase) -> None:
    with db.writing() as con:
        sid = schedule.create_schedule(con, {**SPEC, "interval_seconds": 1}, actor="t", catalogue=CATALOGUE)["schedule_id"]
    svc = ScheduleService(db, CATALOGUE, run_scheduled)
    svc.start()
    try:
        deadline = time.time() + 60
        row = None
        while time.time() < deadline:
            with db.reading() as con:
                row = schedule.get_schedule(con, sid)
            if row["last_scan_id"]:
                break
            time.sleep(0.2)
    finally:
        svc.shutdown()
    assert row is not None and row["last_status"] == "completed", row
    with db.reading() as con:
        trig = con.execute("SELECT triggered_by FROM scans WHERE scan_id = ?", [row["last_scan_id"]]).fetchall()
        n_cases = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    assert trig == [(f"schedule:{sid}",)]
    assert n_cases >= 1  # the run synced cases


def test_two_runs_of_one_schedule_never_overlap(db: SharedDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import scan

    real = scan.run_scan
    started = threading.Event()
    release = threading.Event()

    def slow_scan(con, catalogue, **kw):
        started.set()
        release.wait(30)
        return real(con, catalogue, **kw)

    monkeypatch.setattr(scan, "run_scan", slow_scan)
    with db.writing() as con:
        sid = schedule.create_schedule(con, SPEC, actor="t", catalogue=CATALOGUE)["schedule_id"]
    svc = ScheduleService(db, CATALOGUE, run_scheduled)
    results: list[object] = []
    t = threading.Thread(target=lambda: results.append(svc.run(sid)))
    t.start()
    assert started.wait(30)
    assert svc.run(sid) is None  # skipped: the first is still going
    release.set()
    t.join(60)
    assert results and results[0]["status"] == "completed"
    with db.reading() as con:
        n = con.execute("SELECT count(*) FROM scans WHERE triggered_by = ?", [f"schedule:{sid}"]).fetchall()
    assert n == [(1,)]


def test_validation_and_missing_schedule(db: SharedDatabase) -> None:
    with db.writing() as con:
        for bad in ({**SPEC, "interval_seconds": 0}, {**SPEC, "trigger": "weekly"},
                    {**SPEC, "trigger": "cron", "cron": "* * *"}, {**SPEC, "name": " "},
                    {**SPEC, "lookback_days": 0}):
            with pytest.raises(CtfmonError):
                schedule.create_schedule(con, bad, actor="t", catalogue=CATALOGUE)
        with pytest.raises(CtfmonError):
            schedule.update_schedule(con, "SCH-none", {"name": "x"}, actor="t", catalogue=CATALOGUE)
    svc = ScheduleService(db, CATALOGUE, run_scheduled)
    assert svc.run("SCH-none") is None
