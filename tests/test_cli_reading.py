"""A new user's day on the command line: read commands never create a database, every command
takes --db, reads go through the server's API while it holds the database, and a scan on a
terminal shows its progress."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from rich.console import Console
from test_api_e2e import BIN, Server
from test_api_support import seed_world
from typer.testing import CliRunner

from cli import common
from cli.main import app
from engine import auth, cases, scan, store

runner = CliRunner()

READ_COMMANDS = [
    ["cases", "list"], ["cases", "show", "CASE-0000001"], ["lists", "show"], ["users", "list"],
    ["screen", "Saddam Hussein"], ["alerts", "list"], ["alerts", "show", "AL-1"], ["stats"],
    ["quarantine", "list"], ["audit", "verify"], ["lists", "diff", "1", "2"],
]


@pytest.mark.parametrize("cmd", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_commands_refuse_a_missing_database_and_create_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 cmd: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CTFMON_DB", raising=False)
    from engine.config import get_settings

    get_settings.cache_clear()
    r = runner.invoke(app, cmd)
    assert r.exit_code == 2, r.output
    assert "no database at ctfmon.duckdb" in r.output and "ctfmon init" in r.output
    assert list(tmp_path.iterdir()) == []


def test_typologies_list_takes_db_and_shows_the_overrides(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    r = runner.invoke(app, ["typologies", "set", "TF-CASH-01", "threshold=15000", "--reason", "r", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--as", "checker", "typologies", "approve", r.output.split()[2], "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["typologies", "list", "--db", str(db)])
    assert r.exit_code == 0, r.output
    row = next(line for line in r.output.splitlines() if "TF-CASH-01" in line)
    assert "overrides" in r.output and row.rstrip(" │").endswith("1")
    r = runner.invoke(app, ["typologies", "list", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 0 and "showing the catalogue defaults" in r.output
    assert not (tmp_path / "none.duckdb").exists()


def test_scan_on_a_terminal_shows_progress_per_typology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "p.duckdb"
    with store.connect(db) as con:
        seed_world(con)
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, width=120))
    seen: list[tuple[str, str, int, int]] = []
    real = scan.run_scan

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        inner = kwargs["on_progress"]
        assert inner is not None  # the CLI passes a callback on a terminal

        def record(tid: str, stage: str, done: int, total: int) -> None:
            seen.append((tid, stage, done, total))
            inner(tid, stage, done, total)

        return real(*args, **{**kwargs, "on_progress": record})

    monkeypatch.setattr(scan, "run_scan", spy)
    r = runner.invoke(app, ["scan", "--db", str(db), "--typologies", "TF-CASH-01,TF-XB-01"])
    assert r.exit_code == 0, r.output
    assert seen == [("TF-CASH-01", "start", 0, 2), ("TF-CASH-01", "done", 1, 2),
                    ("TF-XB-01", "start", 1, 2), ("TF-XB-01", "done", 2, 2)]
    assert "TF-XB-01 High-risk corridor" in screen.getvalue()


@pytest.mark.slow
def test_read_commands_go_through_the_api_while_the_server_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "served.duckdb"
    with store.connect(db) as con:
        seed_world(con)
        cases.sync_cases(con)
        auth.add_user(con, "sam", "supervisor", actor="test")
        auth.add_user(con, "adm", "admin", actor="test")
        token = auth.issue_token(con, "sam", actor="test")[1]
        admin_token = auth.issue_token(con, "adm", actor="test")[1]
        cid = con.execute("SELECT case_id FROM cases ORDER BY risk_score DESC").fetchone()[0]
    srv = Server(db, tmp_path / "server.log")
    try:
        base = {k: v for k, v in os.environ.items() if k not in ("CTFMON_TOKEN", "CTFMON_URL")}

        def run(*args: str, tok: str | None = token) -> subprocess.CompletedProcess[str]:
            env = {**base, "COLUMNS": "200", "CTFMON_URL": srv.url, **({"CTFMON_TOKEN": tok} if tok else {})}
            return subprocess.run([str(BIN), *args, "--db", str(db)], capture_output=True, text=True,
                                  timeout=120, env=env)

        r = run("cases", "list", tok=None)
        assert r.returncode == 2 and "in use" in r.stderr and "CTFMON_TOKEN" in r.stderr
        r = run("cases", "list")
        assert r.returncode == 0 and cid in r.stdout, r.stderr
        r = run("alerts", "list", "--typology", "TF-CASH-01")
        assert r.returncode == 0 and "AL-CASH" in r.stdout, r.stderr
        r = run("users", "list")  # a supervisor may not list users: the server's answer, in one line
        assert r.returncode == 2 and "403" in r.stderr
        r = run("audit", "verify", tok=admin_token)
        assert r.returncode == 0 and "audit log intact" in r.stdout, r.stderr
        r = run("stats")  # no API for it: the refusal says so
        assert r.returncode == 2 and "in use" in r.stderr
    finally:
        srv.stop()


def test_the_api_path_of_each_read_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every read command's API branch, against the app in this process (the database is
    reported busy, as it is while a server holds it)."""
    from fastapi.testclient import TestClient
    from test_api_support import Clients

    from engine import remote
    from engine.errors import DatabaseBusy
    from engine.screening import lists

    c = Clients()
    with c.db.writing() as con:
        lists.load_list(con, Path(__file__).parent / "data" / "screening" / "national_v1.csv", list_name="NAT")
    clients = {"supervisor": TestClient(c.app), "admin": TestClient(c.app)}
    role = {"now": "supervisor"}

    class InProcess(remote.ApiClient):
        def _request(self, method, path, params=None, body=None):  # type: ignore[no-untyped-def]
            query = {k: v for k, v in (params or {}).items() if v is not None}
            r = clients[role["now"]].request(method, path, params=query, json=body,
                                             headers={"Authorization": f"Bearer {c.tokens[role['now']]}"})
            if r.status_code >= 400:
                raise remote.CtfmonError(f"the server answered {r.status_code}: {r.json()['detail']}")
            return r.content, r.headers.get("content-type", "")

    def busy(path, **kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseBusy(f"database {path} is in use by another process (process 1)")

    db = tmp_path / "held.duckdb"
    db.touch()
    monkeypatch.setenv("CTFMON_TOKEN", "set")
    from engine.config import get_settings

    get_settings.cache_clear()
    monkeypatch.setattr(store, "connect", busy)
    monkeypatch.setattr(remote, "ApiClient", InProcess)
    cid = c.case_of("P1")

    def cli_out(*args: str) -> str:
        r = runner.invoke(app, [*args, "--db", str(db)])
        assert r.exit_code == 0, (args, r.output)
        return r.output

    assert cid in cli_out("cases", "list")
    assert f'"case_id": "{cid}"' in cli_out("cases", "show", cid)
    assert "AL-CASH" in cli_out("alerts", "list") and "AL-CASH" in cli_out("alerts", "show", "AL-CASH")
    assert "min_transactions" in cli_out("typologies", "show", "TF-CASH-01")
    assert "TF-CASH-01" in cli_out("typologies", "list")
    assert "NAT" in cli_out("lists", "show")
    assert "MATCH" in cli_out("screen", "Karim Haddadin")
    role["now"] = "admin"
    assert "analyst2" in cli_out("users", "list")
    assert "audit log intact" in cli_out("audit", "verify")
    role["now"] = "supervisor"
    for to in ("in_review", "escalated"):
        clients["supervisor"].post(f"/cases/{cid}/transition", json={"to": to, "reason": "escalation reason"},
                                   headers={"Authorization": f"Bearer {c.tokens['supervisor']}"})
    out = tmp_path / "str.xml"
    cli_out("report", "goaml", cid, "--out", str(out))
    assert out.read_bytes().startswith(b"<?xml")
