"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path):
    """Each test gets its own default database path and no stray ctfmon.toml."""
    monkeypatch.setenv("CTFMON_DB", str(tmp_path / "default.duckdb"))
    # the reporting entity a goAML export needs (there is no default id); tests of the refusal unset it
    for k, v in {"RENTITY_ID": "4711", "INSTITUTION_NAME": "Test Bank", "INSTITUTION_CODE": "TESTBANK"}.items():
        monkeypatch.setenv(f"CTFMON_GOAML_{k}", v)
    from engine.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()

