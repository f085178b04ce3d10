"""Travel document lists (TF-DOC-01) load like sanctions lists, as versions with an as-of date,
with numbers normalised and bad rows named; sanctions screening never reads them.  The shipped
strategic-goods watch list (TF-TBML-04) is complete, dated and sourced, and a replacement file
with a bad row is refused naming it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from test_api_support import Clients

from engine import reference, store
from engine.config import get_settings
from engine.errors import CtfmonError
from engine.screening import documents, lists
from engine.screening.detect import has_active_list

HEADER = "document_number,issuing_country,document_type,status,reported_on,source\n"


def _write(tmp: Path, name: str, body: str) -> Path:
    p = tmp / name
    p.write_text(body, encoding="utf-8")
    return p


@pytest.mark.parametrize(("raw", "key"), [
    ("ab 123-456", "AB123456"), ("AB123456", "AB123456"), ("ab.123/456", "AB123456"),
    ("ZO123456", "ZO123456"),  # a letter O stays a letter
])
def test_number_key(raw: str, key: str) -> None:
    assert documents.number_key(raw) == key


@pytest.mark.parametrize(("row", "message"), [
    ("AB1234567,TH,passport,missing,2026-01-01,x", "line 2, column status: 'missing'; expected one of lost"),
    ("AB1234567,TH,passport,lost,01/02/2026,x", "line 2, column reported_on: '01/02/2026' is not YYYY-MM-DD"),
    ("AB1234567,TH,passport,lost,2026-02-30,x", "line 2, column reported_on: '2026-02-30' is not a calendar date"),
    ("AB1234567,Atlantis,passport,lost,2026-01-01,x", "line 2, column issuing_country: unknown country 'Atlantis'"),
    ("АБ1234567,RU,passport,lost,2026-01-01,x", "line 2, column document_number: 'АБ1234567' has letters"),
    ("A-1,TH,passport,lost,2026-01-01,x", "line 2, column document_number: 'A-1' has 2 letters or digits"),
    (",TH,passport,lost,2026-01-01,x", "line 2, column document_number: empty"),
    ("AB1234567,TH,driving_licence,lost,2026-01-01,x", "line 2, column document_type: 'driving_licence'"),
])
def test_bad_rows_are_refused_naming_file_line_and_column(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, "docs.csv", HEADER + row + "\n")
    with pytest.raises(CtfmonError, match=f"docs.csv: {message}"):
        documents.parse(path.read_bytes(), "docs.csv")


def test_missing_columns_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(CtfmonError, match="line 1: missing column\\(s\\) status, reported_on"):
        documents.parse(b"document_number,issuing_country\nAB1234567,TH\n", "d.csv")
    dup = HEADER + "AB1234567,TH,passport,lost,2026-01-01,x\nab 123-4567,TH,passport,stolen,2026-02-01,y\n"
    with pytest.raises(CtfmonError, match="line 3: document 'ab 123-4567' \\(TH\\) is already on line 2"):
        documents.parse(dup.encode(), "d.csv")
    # the same number issued by two countries is two documents
    two = HEADER + "AB1234567,TH,passport,lost,2026-01-01,x\nAB1234567,MY,passport,lost,2026-01-01,x\n"
    assert len(documents.parse(two.encode(), "d.csv")) == 2


def test_a_document_list_is_a_versioned_list_that_name_screening_ignores(tmp_path: Path) -> None:
    con = store.connect(":memory:")
    v1 = _write(tmp_path, "lost.csv", "# a comment line naming the source\n" + HEADER
                + "AB 1234567,TH,passport,stolen,2026-01-10,police\nCD7654321,,id_card,lost,2026-03-01,\n")
    res = lists.load_list(con, v1)  # the format is told from the header
    assert (res.list_name, res.entries, res.already_loaded, res.previous_version_id) == ("lost", 2, False, None)
    row = con.execute("SELECT source_format, generated_at, active FROM screening_list_versions").fetchall()[0]
    assert row == ("documents-csv", datetime(2026, 3, 1), True)  # as of the latest report
    entries = documents.active_entries(con)
    assert sorted(entries["number_key"].to_list()) == ["AB1234567", "CD7654321"]
    assert entries.filter(entries["number_key"] == "AB1234567")["document_number"][0] == "AB 1234567"
    assert lists.active_versions(con) == [] and not has_active_list(con)
    assert lists.load_list(con, v1).already_loaded
    v2 = _write(tmp_path, "lost2.csv", HEADER + "AB1234567,TH,passport,stolen,2026-01-10,police\n"
                "CD7654321,,id_card,stolen,2026-03-01,\nEF1111111,SG,passport,lost,2026-04-01,\n")
    res2 = lists.load_list(con, v2, fmt="documents-csv", list_name="lost")
    assert res2.previous_version_id == res.version_id
    assert res2.diff == {"added": ["SG:EF1111111"], "removed": [], "changed": ["--:CD7654321", "TH:AB1234567"]}
    assert lists.diff_versions(con, res.version_id, res2.version_id) == res2.diff
    # a file dropping most of the documents needs confirming
    v3 = _write(tmp_path, "lost3.csv", HEADER + "EF1111111,SG,passport,lost,2026-04-01,\n")
    with pytest.raises(CtfmonError, match="would drop 2 of the 3 documents"):
        lists.load_list(con, v3, fmt="documents-csv", list_name="lost")
    assert lists.active_version(con, "lost") == res2.version_id
    lists.load_list(con, v3, fmt="documents-csv", list_name="lost", confirm=True)
    # a sanctions list's name is not reused for documents, and the two kinds are not diffed
    lists.load_list(con, _write(tmp_path, "nat.csv", "reference,name,entry_type\nX-1,Alpha Person,person\n"))
    with pytest.raises(CtfmonError, match="list nat is a sanctions list"):
        lists.load_list(con, v1, fmt="documents-csv", list_name="nat")
    with pytest.raises(CtfmonError, match="one is a travel-document list"):
        lists.diff_versions(con, res.version_id, lists.active_version(con, "nat") or 0)
    assert has_active_list(con) and len(lists.active_versions(con)) == 1
    con.close()


def test_the_shipped_sample_list_is_labelled_synthetic_and_dated() -> None:
    text = documents.SAMPLE_LIST.read_text(encoding="utf-8")
    assert "SYNTHETIC" in text.splitlines()[0] and "as_of: 2026-11-30" in text
    entries = documents.sample_entries()
    assert len(entries) == 400
    assert all(e.number_key.startswith("Z") and e.source and "not a real list" in e.source for e in entries)
    assert max(e.reported_on for e in entries) <= "2026-11-30"


def test_the_api_loads_a_document_list_and_rescreens_with_tf_doc_01() -> None:
    c = Clients(seed=False)
    body = (HEADER + "AB1234567,TH,passport,stolen,2026-01-10,police\n").encode()
    r = c["admin"].post("/screening/lists", files={"file": ("lost.csv", body, "text/csv")},
                        data={"format": "documents-csv"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["list_name"], out["entries"], out["source_format"]) == ("lost", 1, "documents-csv")
    with c.db.reading() as con:
        trig = con.execute("SELECT typologies FROM scans WHERE scan_id = ?", [out["rescreen_scan_id"]]).fetchall()
    assert trig and list(trig[0][0]) == ["TF-DOC-01"]
    listed = c["admin"].get("/screening/lists").json()
    assert [(v["list_name"], v["source_format"], v["active"]) for v in listed] == [("lost", "documents-csv", True)]
    bad = (HEADER + "AB1234567,TH,passport,lost,yesterday,x\n").encode()
    r = c["admin"].post("/screening/lists", files={"file": ("lost.csv", bad, "text/csv")},
                        data={"format": "documents-csv"})
    assert r.status_code == 400 and "lost.csv: line 2, column reported_on" in r.json()["detail"]
    r = c["admin"].post("/screening/lists", files={"file": ("lost.csv", body, "text/csv")}, data={"format": "pdf"})
    assert r.status_code == 422


def test_the_strategic_goods_watch_list_is_dated_and_sourced() -> None:
    watch = reference.strategic_goods()
    assert watch.height >= 20
    assert watch["hs_code"].str.contains(r"^\d{4}(\d{2})?$").all()
    assert watch["source"].str.len_chars().min() > 10 and watch["as_of"].null_count() == 0
    assert {"854231", "845811", "2844"} <= set(watch["hs_code"].to_list())


def test_the_planted_strategic_goods_are_on_the_watch_list() -> None:
    from typologies.tf_tbml_04 import plant

    codes = reference.strategic_goods()["hs_code"].to_list()
    for good in plant.MACHINE_TOOLS + plant.ELECTRONICS:
        assert any(good[0].startswith(c) for c in codes), good


def test_a_replacement_watch_list_with_a_bad_row_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _write(tmp_path, "watch.csv", "# mine\nhs_code,description,basis,source,as_of\n"
                 "854231,ICs,tier 1,CHPL,2024-02-23\n85423,ICs,tier 1,CHPL,2024-02-23\n")
    monkeypatch.setenv("CTFMON_STRATEGIC_GOODS_FILE", str(bad))
    get_settings.cache_clear()
    with pytest.raises(CtfmonError, match="watch.csv: row 2 \\(hs_code '85423'\\): hs_code must be a 4-digit"):
        reference.strategic_goods()
    nosource = _write(tmp_path, "w2.csv", "hs_code,description,basis,source,as_of\n854231,ICs,tier 1,,2024-02-23\n")
    monkeypatch.setenv("CTFMON_STRATEGIC_GOODS_FILE", str(nosource))
    get_settings.cache_clear()
    with pytest.raises(CtfmonError, match="row 1 \\(hs_code '854231'\\): source is empty"):
        reference.strategic_goods()
    good = _write(tmp_path, "w3.csv", "hs_code,description,basis,source,as_of\n8542,ICs,tier 1,CHPL,2024-02-23\n")
    monkeypatch.setenv("CTFMON_STRATEGIC_GOODS_FILE", str(good))
    get_settings.cache_clear()
    assert reference.strategic_goods()["hs_code"].to_list() == ["8542"]


def test_the_cli_loads_a_document_list_and_rescreens_declarations(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    db = tmp_path / "d.duckdb"
    data = tmp_path / "data"
    data.mkdir()
    (data / "cash_declarations.csv").write_text(
        "declaration_id,timestamp,traveller_name,document_number,nationality,direction,port,origin_country,"
        "destination_country,amount,currency,declared\n"
        "D1,2026-03-02T10:00:00,Somchai Rattanakorn,ab-123 4567,TH,outbound,BKK,TH,TR,14000,USD,true\n"
        "D2,2026-01-05T10:00:00,Somchai Rattanakorn,AB1234567,TH,outbound,BKK,TH,TR,12000,USD,true\n")
    r = runner.invoke(app, ["ingest", str(data), "--db", str(db)])
    assert r.exit_code == 0, r.output
    doc_list = _write(tmp_path, "lost.csv", HEADER + "AB1234567,TH,passport,stolen,2026-01-10,police\n")
    r = runner.invoke(app, ["lists", "load", str(doc_list), "--format", "documents-csv", "--name", "LOST", "--db", str(db)])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "travel document list LOST: version 1 active: 1 documents" in out
    assert "TF-DOC-01 1 alerts (1 new)" in out and "SAN-01" not in out
    with store.connect(db, read_only=True) as con:
        rows = con.execute("SELECT subject_id, evidence FROM alerts WHERE typology_id = 'TF-DOC-01'").fetchall()
    # only the crossing after the report counts
    assert rows == [("traveller:AB-123 4567", ["D1"])]
    r = runner.invoke(app, ["lists", "show", "--db", str(db)])
    assert r.exit_code == 0 and "documents-csv" in r.output
    bad = _write(tmp_path, "bad.csv", HEADER + "AB1234567,TH,passport,misplaced,2026-01-10,police\n")
    r = runner.invoke(app, ["lists", "load", str(bad), "--format", "documents-csv", "--db", str(db)])
    assert r.exit_code == 2 and "bad.csv: line 2, column status: 'misplaced'" in " ".join(r.output.split())


def test_the_screening_page_does_not_count_a_document_list_as_a_sanctions_list(tmp_path: Path) -> None:
    from test_ui_pages import World, text

    w = World()
    path = _write(tmp_path, "lost.csv", HEADER + "AB1234567,TH,passport,stolen,2026-01-10,police\n")
    with w.app.state.db.writing() as con:
        lists.load_list(con, path, list_name="LOST")
    page = text(w.client("analyst").get("/ui/screening").text)
    assert "No sanctions list is loaded" in page and "LOST" not in page
