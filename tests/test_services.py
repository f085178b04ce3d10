"""One scan service behind every face: the CLI, the API, the pages, the scheduler and list
loading each store the scan, group its alerts into cases and leave one ``scan.run`` audit
entry; ``as-of DATE`` ends the window at the end of that day wherever it is typed; changes
made from the CLI are audited under ``--as USER``; the engine imports nothing above it."""

from __future__ import annotations

import ast
import getpass
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_api_support import T0, Clients, insert, seed_world
from typer.testing import CliRunner

from cli.main import app
from engine import audit, cases, schedule, store
from engine.errors import CtfmonError
from engine.schedule import ScheduleService, SharedDatabase
from services import window
from services.scans import run_scheduled
from typologies import registry

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
END_OF_DAY = datetime(2026, 3, 4, 23, 59, 59, 999999)


def _entries(con, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return audit.list_entries(con, action=action, limit=100)[0]


def _window_end(con, scan_id: str) -> datetime:  # type: ignore[no-untyped-def]
    return con.execute("SELECT window_end FROM scans WHERE scan_id = ?", [scan_id]).fetchone()[0]


@pytest.fixture()
def dbfile(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with store.connect(path) as con:
        seed_world(con)
    return path


# --------------------------------------------------------------------------- the parser
def test_a_date_is_the_end_of_that_day_and_a_timestamp_itself() -> None:
    assert window.parse_as_of("2026-03-04") == END_OF_DAY
    assert window.parse_as_of(date(2026, 3, 4)) == END_OF_DAY
    assert window.parse_as_of(" 2026-03-04T18:00 ") == datetime(2026, 3, 4, 18, 0)
    assert window.parse_as_of("2026-03-04T18:00+02:00") == datetime(2026, 3, 4, 16, 0)
    assert window.parse_as_of(datetime(2026, 3, 4, 18, tzinfo=timezone(timedelta(hours=-1)))) == \
        datetime(2026, 3, 4, 19, 0)
    assert window.parse_as_of(None) is None and window.parse_as_of("  ") is None
    with pytest.raises(CtfmonError, match="as-of 'yesterday'") as exc:
        window.parse_as_of("yesterday", field="as-of", http_status=422)
    assert exc.value.http_status == 422
    assert window.parse_lookback("30") == 30 and window.parse_lookback(None) is None
    for bad in ("0", "-3", "3651", "soon"):
        with pytest.raises(CtfmonError, match="whole number of days from 1 to 3650"):
            window.parse_lookback(bad)


# --------------------------------------------------------------------------- each face
def test_cli_scan_ends_the_day_and_leaves_one_audit_entry_under_its_actor(dbfile: Path) -> None:
    r = runner.invoke(app, ["--as", "ops-anna", "scan", "--db", str(dbfile), "--as-of", "2026-03-04",
                            "--typologies", "TF-CASH-01"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--typologies", "TF-CASH-01"])
    assert r.exit_code == 0, r.output
    with store.connect(dbfile, read_only=True) as con:
        runs = _entries(con, "scan.run")
        assert [e["actor"] for e in runs] == [getpass.getuser(), "ops-anna"]  # newest first
        first = runs[1]
        assert _window_end(con, first["object_id"]) == END_OF_DAY
        assert first["after"]["triggered_by"] == "cli"
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] >= 1
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--lookback", "0"])
    assert r.exit_code == 2 and "--lookback '0'" in r.output


def test_api_scan_reads_a_date_as_the_whole_day() -> None:
    c = Clients()
    r = c["supervisor"].post("/scans", json={"as_of": "2026-03-04", "typology_ids": ["TF-CASH-01"]})
    assert r.status_code == 200, r.text
    sid = r.json()["scan_id"]
    r = c["supervisor"].post("/scans", json={"as_of": "2026-03-04T12:00:00+01:00", "typology_ids": ["TF-CASH-01"]})
    assert r.status_code == 200, r.text
    with c.db.reading() as con:
        assert _window_end(con, sid) == END_OF_DAY
        assert _window_end(con, r.json()["scan_id"]) == datetime(2026, 3, 4, 11, 0)
        runs = _entries(con, "scan.run")
    assert [e["actor"] for e in runs] == ["supervisor", "supervisor"]


def test_the_scans_page_reads_a_date_as_the_whole_day() -> None:
    from test_ui_pages import World

    w = World()
    page = w.client("supervisor")
    r = page.post("/ui/scans", data={"csrf": w.csrf("supervisor"), "typology_ids": ["TF-CASH-01"],
                                     "as_of": "2026-03-04"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    deadline = time.time() + 60
    runs: list[dict] = []
    while time.time() < deadline and not runs:
        with w.app.state.db.reading() as con:
            runs = _entries(con, "scan.run")
        time.sleep(0.1)
    assert len(runs) == 1 and runs[0]["actor"] == "sam"  # the seeded supervisor
    with w.app.state.db.reading() as con:
        assert _window_end(con, runs[0]["object_id"]) == END_OF_DAY


def test_a_scheduled_run_goes_through_the_scan_service() -> None:
    db = SharedDatabase(":memory:")
    cat = registry.catalogue()
    with db.writing() as con:
        seed_world(con)
        sid = schedule.create_schedule(con, {"name": "n", "trigger": "interval", "interval_seconds": 3600,
                                             "typology_ids": ["TF-CASH-01"]}, actor="t", catalogue=cat)["schedule_id"]
    out = ScheduleService(db, cat, run_scheduled).run(sid)
    assert out is not None and out["status"] == "completed", out
    with db.reading() as con:
        runs = _entries(con, "scan.run")
        assert [(e["actor"], e["object_id"]) for e in runs] == [(f"schedule:{sid}", out["scan_id"])]
        assert [e["object_id"] for e in _entries(con, "schedule.run")] == [sid]
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] >= 1


def test_lists_load_turns_its_rescreen_alerts_into_cases(dbfile: Path) -> None:
    with store.connect(dbfile) as con:
        insert(con, "parties", [{"party_id": "P9", "party_type": "individual", "name": "Karim Abdelrazzaq Haddadin",
                                 "country": "JO", "date_of_birth": "1975-03-14", "_batch_id": 1}])
        insert(con, "accounts", [{"account_id": "A9", "party_id": "P9", "institution_id": "BANKSG", "country": "SG",
                                  "account_type": "current", "currency": "SGD", "_batch_id": 1}])
        insert(con, "transactions", [{"txn_id": "T9", "timestamp": T0, "channel": "wire", "from_account": "A9",
                                      "to_account": "X1", "amount": 100, "currency": "SGD", "amount_base": 100,
                                      "_batch_id": 1}])
        cases.sync_cases(con)  # the seeded alerts are in cases already
    csv = ROOT / "tests" / "data" / "screening" / "national_v1.csv"
    r = runner.invoke(app, ["--as", "lists-admin", "lists", "load", str(csv), "--db", str(dbfile)])
    assert r.exit_code == 0, r.output
    assert "re-screened" in r.output and "cases: 1 opened, 0 joined by 1 new alerts" in r.output
    with store.connect(dbfile, read_only=True) as con:
        case = con.execute("SELECT typologies FROM cases WHERE subject_id = 'P9'").fetchall()
        assert case and "SAN-01" in case[0][0]
        assert [e["actor"] for e in _entries(con, "list.load")] == ["lists-admin"]
        assert [e["actor"] for e in _entries(con, "scan.run")] == ["lists-admin"]
        assert audit.list_entries(con, action="case.create", actor="cli:lists-admin")[1] == 1


def test_cli_changes_are_audited_under_the_acting_user(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    r = runner.invoke(app, ["--as", "param-owner", "typologies", "set", "TF-CASH-01", "threshold=15000",
                            "--reason", "the new reporting threshold", "--db", str(db)])
    assert r.exit_code == 0, r.output
    change_id = r.output.split()[2]
    r = runner.invoke(app, ["--as", "param-owner", "typologies", "approve", change_id, "--db", str(db)])
    assert r.exit_code == 2 and "second person" in r.output
    r = runner.invoke(app, ["--as", "param-checker", "typologies", "approve", change_id, "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--as", "boss", "users", "add", "kim", "--role", "analyst", "--db", str(db)])
    assert r.exit_code == 0, r.output
    with store.connect(db, read_only=True) as con:
        (proposed,) = _entries(con, "typology.change_proposed")
        assert proposed["actor"] == "param-owner" and proposed["after"]["change_id"] == change_id
        (entry,) = _entries(con, "typology.params")
        assert entry["actor"] == "param-checker" and entry["after"]["threshold"] == 15000
        assert entry["before"]["threshold"] != 15000
        assert [e["actor"] for e in _entries(con, "user.add")] == ["boss"]


def test_cli_ingest_is_audited_per_file(tmp_path: Path) -> None:
    db = tmp_path / "i.duckdb"
    data = tmp_path / "parties.csv"
    data.write_text("party_id,party_type,name,country\nP1,individual,Ann Lee,SG\n")
    r = runner.invoke(app, ["--as", "loader", "ingest", str(data), "--db", str(db)])
    assert r.exit_code == 0, r.output
    with store.connect(db, read_only=True) as con:
        (entry,) = _entries(con, "ingest.file")
    assert entry["actor"] == "loader" and entry["after"]["rows_loaded"] == 1


# --------------------------------------------------------------------------- the floors
FORBIDDEN = ("typologies", "datagen", "api", "services", "cli")


def test_the_engine_imports_nothing_above_it() -> None:
    found = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert found == []


def test_services_import_no_face() -> None:
    found = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("api", "cli")]
    assert found == []


def test_utc_is_naive_in_the_database() -> None:
    assert window.parse_as_of(datetime(2026, 3, 4, 12, tzinfo=UTC)).tzinfo is None
