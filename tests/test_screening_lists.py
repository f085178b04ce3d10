"""Sanctions list parsing (the real UN fixture, the CSV format) and versioned loading."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine import store
from engine.errors import CtfmonError
from engine.screening import lists

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
UN_XML = FIXTURES / "un" / "un_consolidated_2026-02-27.xml"
if not UN_XML.exists():  # the same file ships with the engine (demo list), for runs without ../shared
    UN_XML = Path(__file__).resolve().parents[1] / "engine" / "screening" / "data" / UN_XML.name
DATA = Path(__file__).parent / "data" / "screening"


@pytest.fixture(scope="module")
def parsed() -> lists.ParsedList:
    return lists.parse_file(UN_XML)[0]


@pytest.fixture(scope="module")
def by_ref(parsed: lists.ParsedList) -> dict[str, lists.ListEntry]:
    return {e.reference: e for e in parsed.entries}


def test_un_counts_and_generation_date(parsed: lists.ParsedList) -> None:
    kinds = Counter(e.entry_type for e in parsed.entries)
    assert kinds == {"person": 730, "entity": 273}
    assert parsed.source_format == "un-xml"
    assert parsed.generated_at is not None and parsed.generated_at.date().isoformat() == "2026-02-27"
    assert len({e.reference for e in parsed.entries}) == 1003


def test_un_names_aliases_and_quality(by_ref: dict[str, lists.ListEntry]) -> None:
    e = by_ref["CDi.002"]
    assert e.primary_name == "FRANK KAKOLELE BWAMBALE"
    assert e.program == "DRC" and e.listed_on == "2005-11-01"
    aliases = {n.name: n.quality for n in e.names if n.kind == "alias"}
    assert aliases == {"FRANK KAKORERE": "good", "FRANK KAKORERE BWAMBALE": "good", "AIGLE BLANC": "good"}
    qualities = Counter(n.quality for x in by_ref.values() for n in x.names if n.kind == "alias")
    assert qualities["low"] > 500 and qualities["good"] > 2000
    # Entities holding several names separated by ';' become several primary names.
    cagl = by_ref["CDe.003"]
    prim = [n.name for n in cagl.names if n.kind == "primary"]
    assert prim == ["COMPAGNIE AERIENNE DES GRANDS LACS (CAGL)", "GREAT LAKES BUSINESS COMPANY (GLBC)"]


def test_un_original_script(by_ref: dict[str, lists.ListEntry]) -> None:
    e = by_ref["IQi.001"]
    scripts = [n.name for n in e.names if n.kind == "original_script"]
    assert scripts == ["صدام حسين التكريتي"]
    total = sum(1 for x in by_ref.values() for n in x.names if n.kind == "original_script")
    assert total >= 370


def test_un_birth_date_types(by_ref: dict[str, lists.ListEntry]) -> None:
    kinds = Counter(b.kind for e in by_ref.values() for b in e.birth_dates)
    assert set(kinds) == {"exact", "approximately", "between"}
    assert kinds["between"] == 31
    assert by_ref["CDi.001"].birth_dates[0].kind == "exact"
    assert by_ref["CDi.001"].birth_dates[0].years() == (1971, 1971)
    between = next(b for e in by_ref.values() for b in e.birth_dates if b.kind == "between")
    lo, hi = between.years()  # type: ignore[misc]
    assert between.from_year is not None and lo < hi
    full = next(b for e in by_ref.values() for b in e.birth_dates if b.date)
    assert len(full.date or "") == 10


def test_un_nationalities_and_documents(by_ref: dict[str, lists.ListEntry]) -> None:
    assert by_ref["CDi.001"].nationalities == ["CD"]
    assert by_ref["IQi.001"].nationalities == ["IQ"]
    docs = [d for e in by_ref.values() for d in e.documents]
    assert any(d["number"] == "OB 0243318" and d.get("country") == "CD" for d in docs)
    assert all(len(c) == 2 and c.isupper() for e in by_ref.values() for c in e.nationalities)


def test_load_versions_diff_and_reload(tmp_path: Path) -> None:
    con = store.connect(":memory:")
    r1 = lists.load_list(con, DATA / "national_v1.csv", list_name="NAT")
    assert (r1.entries, r1.persons, r1.entities) == (4, 3, 1)
    r2 = lists.load_list(con, DATA / "national_v2.csv", list_name="NAT")
    assert r2.previous_version_id == r1.version_id
    assert r2.diff == {"added": ["NAT-005"], "removed": ["NAT-003"], "changed": ["NAT-002"]}
    assert lists.active_version(con, "NAT") == r2.version_id
    again = lists.load_list(con, DATA / "national_v1.csv", list_name="NAT")
    assert again.already_loaded and again.version_id == r1.version_id
    assert lists.active_version(con, "NAT") == r1.version_id
    versions = lists.list_versions(con)
    assert versions.height == 2 and versions.filter("active")["version_id"].to_list() == [r1.version_id]


def test_csv_fields(tmp_path: Path) -> None:
    p = lists.parse_file(DATA / "national_v1.csv")[0]
    e = {x.reference: x for x in p.entries}
    k = e["NAT-001"]
    assert k.nationalities == ["JO", "SY"] and k.documents[0]["number"] == "P1234567"
    assert {(n.kind, n.quality) for n in k.names} == {
        ("primary", "good"), ("alias", "good"), ("alias", "low"), ("original_script", "good")
    }
    assert e["NAT-002"].birth_dates[0].kind == "approximately" and e["NAT-002"].birth_dates[0].year == 1980
    assert e["NAT-004"].birth_dates[0].kind == "between" and e["NAT-004"].birth_dates[0].years() == (1968, 1970)


def test_csv_errors_name_line_and_column() -> None:
    with pytest.raises(CtfmonError, match=r"bad_date\.csv: line 2, column date_of_birth"):
        lists.parse_file(DATA / "bad_date.csv")


def test_malformed_xml_keeps_previous_version(tmp_path: Path) -> None:
    con = store.connect(":memory:")
    good = lists.load_list(con, UN_XML)
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes(UN_XML.read_bytes()[:30_000])
    with pytest.raises(CtfmonError, match=r"truncated\.xml: line \d+ malformed XML"):
        lists.load_list(con, truncated)
    assert lists.active_version(con, "UN") == good.version_id
    assert lists.list_versions(con).height == 1
    wrong_root = tmp_path / "other.xml"
    wrong_root.write_text("<?xml version='1.0'?><SOMETHING/>")
    with pytest.raises(CtfmonError, match="expected <CONSOLIDATED_LIST>"):
        lists.load_list(con, wrong_root)
    assert lists.active_version(con, "UN") == good.version_id


def test_unknown_format_refused(tmp_path: Path) -> None:
    f = tmp_path / "list.json"
    f.write_text("{}")
    with pytest.raises(CtfmonError, match="--format"):
        lists.parse_file(f)
