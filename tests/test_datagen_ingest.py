"""Generated data goes through engine.ingest: clean data loads with nothing quarantined, and
every injected error is quarantined with the reason its kind calls for."""

from __future__ import annotations

from pathlib import Path

import pytest

from datagen.generate import make_config, write
from engine import ingest, store
from typologies import registry

UNITS = registry.units()

#: error kind -> text the quarantine reason must contain
REASONS = {
    "missing_required": "missing required value",
    "unknown_enum": "not one of",
    "bad_currency": "ISO 4217",
    "bad_country": "ISO 3166",
    "bad_amount_not_positive": "greater than 0",
    "bad_amount_decimals": "more than 2 decimals",
    "bad_amount_unparseable": "not a number",
    "bad_timestamp": "ISO 8601",
    "bad_date": "YYYY-MM-DD",
    "channel_rule": "_account",
    "bad_mcc": "MCC",
    "bad_hs_code": "HS code",
    "closed_before_opened": "before opened_on",
    "conflicting_duplicate": "conflicting duplicate",
}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_generated_data_ingests_without_quarantine(tmp_path: Path, fmt: str) -> None:
    m = write(tmp_path / "data", make_config(UNITS, seed=21, transactions=20_000, fmt=fmt), UNITS)
    con = store.connect(":memory:")
    results, failed, _skipped = ingest.ingest_paths(con, [tmp_path / "data"])
    assert not failed
    loaded = {r.table: r for r in results}
    for table in ("parties", "accounts", "transactions", "cash_declarations", "trade_documents", "fx_rates"):
        r = loaded[table]
        assert r.rows_quarantined == 0, (table, ingest.quarantine_frame(con).head(5))
        assert r.rows_loaded == m["row_counts"][table], table
    assert con.sql("SELECT count(*) FROM quarantine").fetchall() == [(0,)]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_injected_errors_are_all_quarantined_with_their_reason(tmp_path: Path, fmt: str) -> None:
    m = write(tmp_path / "data", make_config(UNITS, seed=22, transactions=8_000, fmt=fmt, inject_errors=0.02),
              UNITS)
    con = store.connect(":memory:")
    results, failed, _ = ingest.ingest_paths(con, [tmp_path / "data"])
    assert not failed
    by_table = {r.table: r for r in results}
    for table, kinds in m["injected_errors"].items():
        r = by_table[table]
        assert r.rows_quarantined == sum(kinds.values()), (table, kinds, r)
        assert r.rows_loaded == m["row_counts"][table] - sum(kinds.values())
    q = con.sql("SELECT table_name, reason, CAST(raw AS VARCHAR) AS raw FROM quarantine").pl()
    for table, kinds in m["injected_errors"].items():
        rows = q.filter(q["table_name"] == table)
        for kind, n in kinds.items():
            expected = REASONS[kind]
            if kind == "conflicting_duplicate":
                hit = rows.filter(rows["reason"].str.contains(expected)).height
            else:
                marker = f"ERR-{kind.upper()}-"
                mine = rows.filter(rows["raw"].str.contains(marker))
                assert mine.height == n, (table, kind)
                hit = mine.filter(mine["reason"].str.contains(expected, literal=True)).height
            assert hit == n, (table, kind, expected)
