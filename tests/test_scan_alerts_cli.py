"""Alert listing/export in the contract shape and the scan/alerts/typologies commands."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner
from typo_fixtures import T0, account, days, party, txn

from cli.main import app
from engine import alerts as al
from engine import store
from engine.errors import CtfmonError, NotFound
from engine.schema import ALERT_COLUMNS

runner = CliRunner()


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "t.duckdb"
    con = store.connect(path)
    party(con, "P1")
    account(con, "A1", "P1")
    for i, a in enumerate([9400, 9950, 9500]):
        txn(con, f"T{i}", T0 + days(i), "cash_deposit", a, to_account="A1")
    con.close()
    return path


def test_scan_command_and_exports(dbfile, tmp_path):
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--typologies", "TF-CASH-01,TF-DORM-01",
                            "--param", "TF-CASH-01.min_transactions=3"])
    assert r.exit_code == 0, r.output
    assert "sandbox scan" in r.output and "no case opened" in r.output  # a what-if is a sandbox
    with store.connect(dbfile, read_only=True) as con:
        assert al.list_alerts(con).height == 0
        assert con.execute("SELECT count(*) FROM sandbox_alerts").fetchall()[0][0] == 1
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--typologies", "TF-CASH-01,TF-DORM-01"])
    assert r.exit_code == 0, r.output
    assert "TF-CASH-01" in r.output and "TF-DORM-01" in r.output
    con = store.connect(dbfile, read_only=True)
    df = al.list_alerts(con)
    assert tuple(df.columns) == ALERT_COLUMNS and df.height == 1
    aid = df["alert_id"][0]
    assert al.get_alert(con, aid)["evidence"] == ["T0", "T1", "T2"]
    with pytest.raises(NotFound):
        al.get_alert(con, "nope")
    with pytest.raises(CtfmonError, match="unknown export format"):
        al.export_alerts(con, tmp_path / "x.xml", "xml")
    con.close()
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"alerts.{fmt}"
        r = runner.invoke(app, ["alerts", "export", "--db", str(dbfile), "--format", fmt, "--out", str(out)])
        assert r.exit_code == 0, r.output
    csv = pl.read_csv(tmp_path / "alerts.csv")
    assert tuple(csv.columns) == ALERT_COLUMNS and csv["evidence"][0] == "T0;T1;T2"
    assert json.loads(csv["details"][0])["transactions"] == 3
    line = json.loads((tmp_path / "alerts.jsonl").read_text().splitlines()[0])
    assert line["evidence"] == ["T0", "T1", "T2"] and line["details"]["deposits"] == 3
    pq = pl.read_parquet(tmp_path / "alerts.parquet")
    assert pq["evidence"].to_list() == [["T0", "T1", "T2"]]
    r = runner.invoke(app, ["alerts", "list", "--db", str(dbfile), "--typology", "TF-CASH-01", "--min-score", "0.1"])
    assert r.exit_code == 0 and "TF-CASH-01" in r.output
    r = runner.invoke(app, ["alerts", "show", aid, "--db", str(dbfile)])
    assert r.exit_code == 0 and "T0, T1, T2" in r.output


def test_scan_command_rejects_bad_params(dbfile):
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--typologies", "TF-CASH-01",
                            "--param", "TF-CASH-01.window_days=soon"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--as-of", "yesterday"])
    assert r.exit_code == 2


def test_scan_command_exits_1_when_a_typology_fails(dbfile, monkeypatch):
    from engine.detect.catalogue import Catalogue
    from engine.detect.typology import Typology
    from typologies import registry

    class Boom(Typology):
        id = "TEST-BOOM"
        name = "boom"
        description = "raises"

        def detect(self, ctx):
            raise RuntimeError("no")

    fake = Catalogue([*registry.catalogue().values(), Boom])
    monkeypatch.setattr(registry, "catalogue", lambda: fake)
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--typologies", "TEST-BOOM,TF-CASH-01"])
    assert r.exit_code == 1


def test_typologies_list_and_show():
    r = runner.invoke(app, ["typologies", "list"])
    assert r.exit_code == 0 and "TF-FTF-01" in r.output
    r = runner.invoke(app, ["typologies", "show", "TF-CASH-02", "--db", "/nonexistent/x.duckdb"])
    assert r.exit_code == 0 and "min_depositors" in r.output and "FATF" in r.output
