"""Parameters that would switch detection off are refused wherever they can be given:
`ctfmon typologies set`, `PUT /typologies/{id}/params`, `--param` and schedules."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_api_support import Clients
from typer.testing import CliRunner

from cli.main import app
from engine import param_versions, scan, schedule, store
from engine.errors import CtfmonError
from typologies import registry

runner = CliRunner()
CATALOGUE = registry.catalogue()

#: (typology, parameter, value as typed on the command line, words the refusal must contain)
BAD = [
    ("TF-CASH-01", "threshold", "inf", "finite"),
    ("TF-CASH-01", "threshold", "1e309", "finite"),
    ("TF-CASH-01", "threshold", "nan", "finite"),
    ("ML-NET-01", "window_days", "1e20", "longer than 3,660 days"),
    ("TF-CASH-01", "window_days", "100000", "longer than 3,660 days"),
    ("TF-XB-01", "channels", "[]", "must not be empty"),
    ("TF-REM-01", "sender_party_types", "[]", "must not be empty"),
    ("TF-XB-01", "channels", "wire,x'); DROP TABLE alerts; --", "is not a code"),
    ("TF-XB-01", "channels", '["wire", "teleport"]', "'teleport' is not one of"),
    ("TF-PASS-01", "excluded_account_types", "savings,\"quoted\"", "is not a code"),
    ("TF-FTF-01", "air_travel_group", "air'travel", "is not a code"),
    ("ML-NET-03", "max_search_steps", "1000000000000", "too large for a count"),
    ("TF-NPO-02", "min_forward_share", "1.5", "less than or equal to 1"),
]


@pytest.fixture()
def dbfile(tmp_path: Path) -> Path:
    path = tmp_path / "p.duckdb"
    store.connect(path).close()
    return path


@pytest.mark.parametrize(("tid", "name", "raw", "words"), BAD)
def test_typologies_set_refuses_values_that_break_detection(dbfile: Path, tid: str, name: str, raw: str,
                                                            words: str) -> None:
    r = runner.invoke(app, ["typologies", "set", tid, f"{name}={raw}", "--db", str(dbfile)])
    assert r.exit_code == 2, r.output
    assert f"typology {tid}: parameter {name!r}" in r.output and words in r.output.replace("\n", "")
    with store.connect(dbfile, read_only=True) as con:
        assert scan.get_typology_overrides(con, CATALOGUE.typology(tid)) == {}


@pytest.mark.parametrize(("tid", "name", "raw", "words"), BAD[:6])
def test_per_scan_param_refuses_them_too(dbfile: Path, tid: str, name: str, raw: str, words: str) -> None:
    r = runner.invoke(app, ["scan", "--db", str(dbfile), "--typologies", tid, "--param", f"{tid}.{name}={raw}"])
    assert r.exit_code == 2 and words in r.output.replace("\n", ""), r.output


def test_sensible_values_and_exclusion_lists_still_pass(dbfile: Path) -> None:
    r = runner.invoke(app, ["typologies", "set", "TF-PASS-01", "excluded_account_types=[]", "max_hours=96",
                            "--reason", "wider", "--db", str(dbfile)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["typologies", "set", "TF-XB-01", "channels=wire,remittance",
                            "trade_reference_words=INVOICE,SUPPLIER", "--reason", "two channels", "--db", str(dbfile)])
    assert r.exit_code == 0, r.output
    with store.connect(dbfile) as con:
        pending = [c["change_id"] for c in param_versions.list_changes(con, status="pending")]
    for change_id in pending:
        r = runner.invoke(app, ["--as", "checker", "typologies", "approve", change_id, "--db", str(dbfile)])
        assert r.exit_code == 0, r.output
    with store.connect(dbfile, read_only=True) as con:
        assert scan.get_typology_params(con, CATALOGUE.typology("TF-XB-01"))["channels"] == ("wire", "remittance")


def test_put_params_answers_4xx_and_stores_nothing() -> None:
    c = Clients(seed=False)
    admin = c["admin"]
    for body in ({"threshold": float("inf")}, {"threshold": "1e309"}, {"window_days": 1e20},
                 {"channels": []}, {"low_ratio": "nan"}):
        tid = "TF-XB-01" if "channels" in body else "TF-CASH-01"
        r = admin.put(f"/typologies/{tid}/params", content=_json({"values": body}),
                      headers={"content-type": "application/json"})
        assert r.status_code in (400, 422), (body, r.status_code, r.text)
        assert "parameter" in r.json()["detail"] or r.status_code == 422
    assert admin.get("/typologies/TF-CASH-01").json()["effective"]["threshold"] == 10000
    r = admin.put("/typologies/TF-CASH-01/params", json={"values": {"threshold": 12000}, "reason": "sensible"})
    assert r.status_code == 202 and r.json()["requested"] == {"threshold": 12000}
    assert c.second_admin().post(f"/typologies/changes/{r.json()['change_id']}/approve", json={}).status_code == 200
    assert admin.get("/typologies/TF-CASH-01").json()["effective"]["threshold"] == 12000


def _json(value: object) -> str:
    """JSON as a client may send it, with Infinity/NaN literals (not strict JSON)."""
    import json

    return json.dumps(value, allow_nan=True)


def test_a_schedule_over_a_typology_with_broken_stored_params_is_refused(dbfile: Path) -> None:
    with store.connect(dbfile) as con:
        # stored by an older version, before these rules
        con.execute("INSERT INTO typology_params VALUES ('TF-XB-01', '{\"channels\": []}', now())")
        with pytest.raises(CtfmonError, match="parameter 'channels': must not be empty") as err:
            schedule.create_schedule(con, {"name": "xb", "trigger": "cron", "cron": "0 2 * * *",
                                           "typology_ids": ["TF-XB-01"]}, actor="t",
                                   catalogue=CATALOGUE)
        assert err.value.http_status == 422
        assert schedule.list_schedules(con) == []
