"""The detector framework (engine.detect) and what of the typologies cannot be example data.

The typologies' behaviour is in their example cases (``test_typology_examples.py``); here
are the framework's own rules and the few checks that are not rows in / alerts out: a
module constant forced to split a detector's work into parts, a helper lookup, and the SQL
binding's refusals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typology_examples as ex

from engine.detect import sql
from engine.detect.catalogue import Catalogue
from engine.detect.typology import Metadata, Typology, load_metadata
from engine.errors import CtfmonError, NotFound
from typologies import registry


def test_placeholders_come_from_the_tokens_not_strings_or_comments() -> None:
    text = "SELECT json_extract_string(extra, '$.phone'), x >= $low -- not $this\n, y < $high, z = $low"
    assert sql.placeholders(text) == ("low", "high")


def test_binding_refuses_a_missing_value_and_passes_lists_and_intervals(tmp_path: Path) -> None:
    f = tmp_path / "q.sql"
    f.write_text("SELECT list_contains($codes, 'b') AS has_b, TIMESTAMP '2026-01-01' + $gap AS later")
    with pytest.raises(CtfmonError, match=r"q\.sql: no value for parameter \$gap"):
        sql.read_sql(f).bind({"codes": ("a", "b")})
    from datetime import datetime, timedelta

    import duckdb

    with duckdb.connect() as con:
        row = sql.query(con, f, {"codes": ("a", "b"), "gap": timedelta(days=1, hours=2), "unused": 1}).row(0)
    assert row == (True, datetime(2026, 1, 2, 2, 0))


def test_metadata_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    f = tmp_path / "typology.yaml"
    f.write_text("id: TF-X-01\nname: x\ndescription: d\nreferences: [r]\ncase_weight: 1.5\ngoaml_indicators: {A: a}\n")
    with pytest.raises(CtfmonError, match=r"typology\.yaml: case_weight: Input should be less than or equal to 1"):
        load_metadata(f)
    f.write_text("id: [unclosed\n")
    with pytest.raises(CtfmonError, match="not valid YAML"):
        load_metadata(f)
    assert set(Metadata.model_fields) >= {"id", "name", "description", "references", "case_weight", "goaml_indicators"}


def test_catalogue_refuses_duplicates_and_unknown_ids() -> None:
    class A(Typology):
        id = "TEST-A-01"
        name = "a"

    class B(Typology):
        id = "TEST-A-01"
        name = "b"

    with pytest.raises(CtfmonError, match="TEST-A-01 is defined twice"):
        Catalogue([A, B])
    cat = Catalogue([A])
    with pytest.raises(NotFound, match="unknown typology 'NOPE'; known: TEST-A-01"):
        cat.select(["NOPE"])
    assert cat.select(None) == [A] and cat.select([" TEST-A-01 "]) == [A]


def test_a_description_that_cannot_be_filled_is_an_error() -> None:
    class Bad(Typology):
        id = "TEST-B-01"
        name = "b"
        description = "at least {no_such_parameter} days"

    with pytest.raises(CtfmonError, match="TEST-B-01: description template"):
        Bad.description_for()


@pytest.mark.parametrize("tid", ["ML-NET-02", "ML-NET-05"])
def test_the_same_alerts_when_the_work_is_split_into_many_parts(tid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the row count per part is a module constant (so not a parameter an example can set)
    unit = registry.units()[tid]
    module = __import__(unit.detector.__module__, fromlist=["_PART_ROWS"])
    cases = [c for c in ex.load(unit.examples, tid) if c.alerts]
    whole = [ex.run(c, unit.detector) for c in cases]
    monkeypatch.setattr(module, "_PART_ROWS", 5)
    split = [ex.run(c, unit.detector) for c in cases]
    assert split == whole and any(whole)


def test_region_lookup_of_the_trade_route_typology() -> None:
    from typologies.tf_tbml_03.detect import region_of

    assert region_of("DE") == region_of("FR") == "Europe"
    assert region_of("SG") == "Asia"
    assert region_of("QQ") is None


def test_network_exposure_runs_after_the_designated_parties() -> None:
    cat = registry.catalogue()
    assert cat.typology("ML-NET-06").depends_on == ("SAN-01",)


def test_everyday_facts_count_distinct_months_counterparties_and_coverage() -> None:
    """scan_relationships counts distinct calendar months per unordered pair (either way, up to
    the window end), scan_account_counterparties distinct accounts, scan_coverage the first and
    last transaction on file."""
    from datetime import datetime

    from engine import store
    from engine.detect import everyday

    con = store.connect(":memory:")
    rows = [  # A pays B in Jan and Feb, B pays A in Mar: one pair, 3 months; A -> C once; a cash deposit
        ("T1", "2026-01-05", "A", "B"), ("T2", "2026-01-20", "A", "B"), ("T3", "2026-02-03", "A", "B"),
        ("T4", "2026-03-30", "B", "A"), ("T5", "2026-03-01", "A", "C"), ("T6", "2025-12-31", None, "A"),
        ("T7", "2026-07-01", "A", "C"),  # after the window end: not on file for this scan
    ]
    for txn, day, src, dst in rows:
        ex._insert(con, "transactions", {"txn_id": txn, "timestamp": datetime.fromisoformat(day),
                                         "channel": "cash_deposit" if src is None else "wire",
                                         "from_account": src, "to_account": dst, "amount": 10.0})
    everyday.prepare(con, datetime(2026, 6, 30))
    pairs = con.sql("SELECT acc_a, acc_b, months, transactions FROM scan_relationships ORDER BY 1, 2").fetchall()
    assert pairs == [("A", "B", 3, 4), ("A", "C", 1, 1)]
    degree = dict(con.sql("SELECT account_id, counterparties FROM scan_account_counterparties").fetchall())
    assert degree == {"A": 2, "B": 1, "C": 1}
    assert con.sql("SELECT coverage_start FROM scan_coverage").fetchall() == [(datetime(2025, 12, 31),)]


def test_everyday_sql_parses_for_spark() -> None:
    import sqlglot
    from sqlglot.errors import ErrorLevel

    from engine.detect import everyday

    for text in (everyday._RELATIONSHIPS, everyday._COUNTERPARTIES, everyday._COVERAGE):
        for stmt in sqlglot.transpile(text, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE):
            sqlglot.parse_one(stmt, read="spark")


def test_word_pattern_matches_whole_words_only() -> None:
    import re

    from engine.detect.everyday import word_pattern

    pat = word_pattern(("UTILITY", "PSP"))
    assert pat is not None and word_pattern(()) is None
    assert re.search(pat, "ELECTRICITY UTILITY") and re.search(pat, "PSP") and not re.search(pat, "UTILITYCO")
