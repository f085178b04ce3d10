"""Scans survive what a database may already hold and record every way they can end:
implausible timestamps (year 10000, year 0) stored before ingest refused them, scheduled
runs that cannot start, scans left running by a killed process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_api_support import Clients, seed_world
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app
from engine import audit, scan, schedule, store
from engine.schedule import ScheduleService, SharedDatabase
from services.scans import run_scheduled
from typologies import registry

runner = CliRunner()
CATALOGUE = registry.catalogue()


def _poison(con) -> None:  # type: ignore[no-untyped-def]
    """Values an older ingest accepted: written directly, as they would be stored."""
    for tid, ts in (("BAD-HI", "10000-01-01 04:00:00"), ("BAD-LO", "0000-06-01 00:30:00")):
        con.execute(
            "INSERT INTO transactions (txn_id, timestamp, channel, from_account, to_account, amount, currency, "
            f"amount_base, _batch_id) VALUES (?, TIMESTAMP '{ts}', 'wire', 'A1', 'A2', 100, 'USD', 100, 1)",
            [tid],
        )
    con.execute("INSERT INTO accounts (account_id, party_id, country, account_type, currency, opened_on, "
                "_batch_id) VALUES ('A0', 'P1', 'SG', 'current', 'USD', DATE '0000-01-01', 1)")
    con.execute("INSERT INTO parties (party_id, party_type, name, date_of_birth, _batch_id) "
                "VALUES ('P0', 'individual', 'Old Timer', DATE '0000-01-01', 1)")


@pytest.fixture()
def poisoned(tmp_path: Path) -> Path:
    path = tmp_path / "p.duckdb"
    with store.connect(path) as con:
        seed_world(con)
        _poison(con)
    return path


def test_implausible_timestamps_are_left_out_of_the_window_with_a_warning(poisoned: Path) -> None:
    with store.connect(poisoned) as con:
        result = scan.run_scan(con, CATALOGUE)
        stored = con.execute("SELECT status, warnings FROM scans WHERE scan_id = ?", [result.scan_id]).fetchone()
    assert result.status == "completed" and result.errors == {}
    assert (result.window_start.year, result.window_end.year) == (2026, 2026)
    assert any("2 transactions rows with timestamp outside the plausible range" in w
               and "left out of the scan" in w for w in result.warnings)
    assert any("accounts row with opened_on" in w and "read as missing" in w for w in result.warnings)
    assert stored[0] == "completed" and len(json.loads(stored[1])) == 3


def test_every_typology_runs_although_history_holds_year_0(poisoned: Path) -> None:
    """TF-DORM-01 reads the whole history and the accounts' opening dates."""
    with store.connect(poisoned) as con:
        result = scan.run_scan(con, CATALOGUE, typology_ids=["TF-DORM-01", "TF-CASH-01", "TF-PASS-01"])
        raw = con.execute("SELECT CAST(opened_on AS VARCHAR) FROM accounts WHERE account_id = 'A0'").fetchone()
    assert result.errors == {}
    assert raw[0].startswith("0001-01-01")  # nothing changed on disk: the scan read through views


def test_cli_scan_exits_0_and_prints_the_warning(poisoned: Path) -> None:
    r = runner.invoke(app, ["scan", "--db", str(poisoned), "--typologies", "TF-CASH-01"])
    assert r.exit_code == 0, r.output
    assert "outside the plausible range" in r.output


def test_as_of_outside_the_plausible_range_is_refused(poisoned: Path) -> None:
    r = runner.invoke(app, ["scan", "--db", str(poisoned), "--as-of", "0001-01-01", "--lookback", "30"])
    assert r.exit_code == 2 and "outside the plausible range" in r.output


def test_post_scans_answers_200_over_implausible_rows() -> None:
    c = Clients()
    with c.db.writing() as con:
        _poison(con)
    r = c["supervisor"].post("/scans", json={"typology_ids": ["TF-CASH-01", "TF-DORM-01"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "completed" and any("plausible range" in w for w in body["warnings"])


def test_a_scheduled_run_over_implausible_rows_completes(poisoned: Path) -> None:
    db = SharedDatabase(poisoned)
    try:
        with db.writing() as con:
            sid = schedule.create_schedule(
                con, {"name": "n", "trigger": "interval", "interval_seconds": 60}, actor="t",
                catalogue=CATALOGUE)["schedule_id"]
        out = ScheduleService(db, CATALOGUE, run_scheduled).run(sid)
        assert out is not None and out["status"] == "completed" and out["error"] is None
    finally:
        db.close()


def test_a_scheduled_run_that_cannot_start_is_a_failed_scan_with_an_audit_entry(tmp_path: Path) -> None:
    db = SharedDatabase(tmp_path / "f.duckdb")
    try:
        with db.writing() as con:
            seed_world(con)
            sid = schedule.create_schedule(con, {"name": "cash", "trigger": "interval", "interval_seconds": 60,
                                                 "typology_ids": ["TF-CASH-01"]}, actor="t",
                                                 catalogue=CATALOGUE)["schedule_id"]
            # an override stored by an older version that today's validation refuses
            con.execute("INSERT INTO typology_params VALUES ('TF-CASH-01', '{\"threshold\": -5}', now())")
        out = ScheduleService(db, CATALOGUE, run_scheduled).run(sid)
        assert out is not None and out["status"] == "failed" and "threshold" in out["error"]
        with db.reading() as con:
            row = con.execute("SELECT status, errors, triggered_by FROM scans WHERE scan_id = ?",
                              [out["scan_id"]]).fetchone()
            entries, _ = audit.list_entries(con, action="schedule.run")
            last = schedule.get_schedule(con, sid)
        assert row[0] == "failed" and "threshold" in json.loads(row[1])["scan"]
        assert row[2] == f"schedule:{sid}"
        assert entries and entries[0]["after"]["status"] == "failed"
        assert entries[0]["after"]["scan_id"] == out["scan_id"]
        assert last["last_status"] == "failed" and last["last_scan_id"] == out["scan_id"]
    finally:
        db.close()


def _leave_running(con, scan_id: str) -> None:  # type: ignore[no-untyped-def]
    """What a scan killed with SIGKILL leaves behind: its row, still running."""
    con.execute(
        "INSERT INTO scans (scan_id, started_at, as_of, window_start, window_end, typologies, params, status, "
        "triggered_by) VALUES (?, now(), now(), now(), now(), ['TF-CASH-01'], '{}', 'running', 'cli')",
        [scan_id],
    )


def test_server_start_marks_scans_of_a_dead_process_failed(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    with store.connect(path) as con:
        _leave_running(con, "SC-KILLED")
    web = create_app(path, scheduler=False)
    try:
        with web.state.db.reading() as con:
            status, errors = con.execute("SELECT status, errors FROM scans WHERE scan_id = 'SC-KILLED'").fetchone()
            entries, _ = audit.list_entries(con, action="scan.interrupted")
        assert status == "failed" and "interrupted" in json.loads(errors)["scan"]
        assert [e["object_id"] for e in entries] == ["SC-KILLED"]
    finally:
        web.state.db.close()


def test_a_scan_start_marks_earlier_running_scans_failed_but_not_its_own(tmp_path: Path) -> None:
    with store.connect(tmp_path / "k2.duckdb") as con:
        seed_world(con)
        _leave_running(con, "SC-KILLED")
        seen: list[str] = []

        def progress(tid: str, stage: str, done: int, total: int) -> None:
            seen.append(con.execute("SELECT status FROM scans WHERE status <> 'failed'").fetchone()[0])
            # a second scan starting meanwhile (same process) must not mark this one
            assert scan.mark_interrupted(con) == []

        result = scan.run_scan(con, CATALOGUE, typology_ids=["TF-CASH-01"], on_progress=progress)
        rows = dict(con.execute("SELECT scan_id, status FROM scans").fetchall())
    assert rows == {"SC-KILLED": "failed", result.scan_id: "completed"}
    assert seen == ["running", "running"]  # start and done of the one typology
