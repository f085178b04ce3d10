"""A list load that would drop most of the active list asks for confirmation; uploads have a
size limit and their errors name the uploaded file, never a server path."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from test_api_support import Clients
from typer.testing import CliRunner

from cli.main import app
from engine import store
from engine.config import get_settings
from engine.errors import CtfmonError
from engine.screening import lists

runner = CliRunner()
UN = Path(__file__).resolve().parents[1] / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"


@pytest.fixture(scope="module")
def one_entry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A well-formed UN list holding only its first designation."""
    tree = etree.parse(str(UN))
    root = tree.getroot()
    first = root.find("INDIVIDUALS/INDIVIDUAL")
    for group in root:
        for rec in list(group):
            if rec is not first:
                group.remove(rec)
    path = tmp_path_factory.mktemp("un") / "un_one.xml"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path


def test_a_one_entry_list_does_not_silently_replace_the_active_one(tmp_path: Path, one_entry: Path) -> None:
    db = tmp_path / "l.duckdb"
    assert runner.invoke(app, ["lists", "load", str(UN), "--db", str(db), "--no-rescreen"]).exit_code == 0
    with store.connect(db, read_only=True) as con:
        full = lists.active_version(con, "UN")
        n = con.execute("SELECT entries FROM screening_list_versions WHERE version_id = ?", [full]).fetchone()[0]
    r = runner.invoke(app, ["lists", "load", str(one_entry), "--db", str(db), "--no-rescreen"])
    assert r.exit_code == 2, r.output
    out = " ".join(r.output.split())
    assert f"would drop {n - 1:,} of the {n:,} entries of the active version {full}" in out
    assert "leave 1 entries" in out and "--confirm" in out
    with store.connect(db, read_only=True) as con:
        assert lists.active_version(con, "UN") == full
        assert con.execute("SELECT count(*) FROM screening_list_versions").fetchone()[0] == 1
    r = runner.invoke(app, ["lists", "load", str(one_entry), "--db", str(db), "--no-rescreen", "--confirm"])
    assert r.exit_code == 0, r.output
    with store.connect(db, read_only=True) as con:
        assert lists.active_version(con, "UN") != full
    # going back to the full list drops nothing
    assert runner.invoke(app, ["lists", "load", str(UN), "--db", str(db), "--no-rescreen"]).exit_code == 0


def test_the_share_is_a_setting_and_one_delisting_always_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                one_entry: Path) -> None:
    con = store.connect(":memory:")
    lists.load_list(con, UN)
    monkeypatch.setenv("CTFMON_LIST_MAX_DROP_SHARE", "1")
    get_settings.cache_clear()
    lists.load_list(con, one_entry)  # 100% allowed by the setting
    monkeypatch.setenv("CTFMON_LIST_MAX_DROP_SHARE", "0")
    get_settings.cache_clear()
    two = tmp_path / "two.csv"
    two.write_text("reference,name,entry_type\nX-1,Alpha Person,person\nX-2,Beta Person,person\n")
    one = tmp_path / "one.csv"
    one.write_text("reference,name,entry_type\nX-1,Alpha Person,person\n")
    lists.load_list(con, two, list_name="NAT")
    lists.load_list(con, one, list_name="NAT")  # one delisting
    other = tmp_path / "other.csv"
    other.write_text("reference,name,entry_type\nY-1,Gamma Person,person\n")
    lists.load_list(con, two, list_name="X")
    with pytest.raises(CtfmonError, match="would drop 2 of the 2 entries"):
        lists.load_list(con, other, list_name="X")
    con.close()


def test_the_api_list_load_asks_for_confirm(one_entry: Path) -> None:
    c = Clients(seed=False)
    admin = c["admin"]
    r = admin.post("/screening/lists", files={"file": ("un.xml", UN.read_bytes(), "application/xml")},
                   data={"rescreen": "false"})
    assert r.status_code == 200, r.text
    full = r.json()
    r = admin.post("/screening/lists", files={"file": ("un_one.xml", one_entry.read_bytes(), "application/xml")},
                   data={"rescreen": "false"})
    assert r.status_code == 409 and f"would drop {full['entries'] - 1:,} of the {full['entries']:,}" in r.json()["detail"]
    assert "confirm=true" in r.json()["detail"] and "/tmp" not in r.json()["detail"]
    r = admin.post("/screening/lists", files={"file": ("un_one.xml", one_entry.read_bytes(), "application/xml")},
                   data={"rescreen": "true", "confirm": "true"})
    assert r.status_code == 200 and r.json()["entries"] == 1 and r.json()["removed"] == full["entries"] - 1
    assert r.json()["rescreen_scan_id"]
    assert c["analyst"].post("/screening/lists", files={"file": ("un.xml", b"<x/>", "application/xml")}).status_code == 403
    entries = admin.get("/audit", params={"action": "list.load"}).json()["items"]
    assert [e["after"]["confirmed"] for e in entries] == [True, False]


@pytest.fixture()
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTFMON_UPLOAD_MAX_MB", "0.01")  # 10 KB
    get_settings.cache_clear()


def test_an_upload_over_the_limit_answers_413(small_limit: None) -> None:
    c = Clients(seed=False)
    big = b"party_id,party_type,name,country\n" + b"P1,individual,Someone,SG\n" * 2000  # 50 KB
    r = c["admin"].post("/ingest", files={"file": ("parties.csv", big, "text/csv")})
    assert r.status_code == 413 and "larger than the server accepts (0.01 MB" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit applies while the body streams in
        for _ in range(40):
            yield b"x" * 1024

    r = c["admin"].post("/screening/match", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "CTFMON_UPLOAD_MAX_MB" in r.json()["detail"]
    small = b"party_id,party_type,name,country\nP1,individual,Someone,SG\n"
    assert c["admin"].post("/ingest", files={"file": ("parties.csv", small, "text/csv")}).status_code == 200


def test_upload_errors_name_the_file_not_the_server_path() -> None:
    c = Clients(seed=False)
    for name, body in (("transactions.parquet", b"not parquet at all"),
                       ("transactions.csv", b'txn_id,timestamp\n"unterminated')):
        r = c["admin"].post("/ingest", files={"file": (name, body, "application/octet-stream")})
        assert 400 <= r.status_code < 500
        detail = r.json()["detail"]
        assert name in detail and "/tmp" not in detail and "ctfmon-upload" not in detail, detail
    r = c["admin"].post("/screening/lists", files={"file": ("national.csv", b"reference,name\n", "text/csv")})
    assert r.status_code == 400 and "national.csv" in r.json()["detail"] and "/tmp" not in r.json()["detail"]
