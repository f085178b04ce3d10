"""docs/typologies.md is what the registry generates, and the generator follows the folders."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from typer.testing import CliRunner

from cli.main import app
from services import typology_reference
from typologies import registry

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / typology_reference.REFERENCE_PATH
runner = CliRunner()


def test_the_committed_reference_is_what_the_registry_generates():
    generated = typology_reference.render(registry.catalogue())
    assert COMMITTED.read_text(encoding="utf-8") == generated, (
        f"{typology_reference.REFERENCE_PATH} is stale: run "
        f"`ctfmon typologies doc --out {typology_reference.REFERENCE_PATH} --force` and commit it")


def test_every_typology_and_parameter_is_in_it():
    text = COMMITTED.read_text(encoding="utf-8")
    for tid, cls in registry.catalogue().items():
        assert f"## {tid} {cls.name}\n" in text
        for name in cls.Params.model_fields:
            assert f"| `{name}` |" in text, (tid, name)
        for ref in cls.references:
            assert f"- {ref}\n" in text


def test_a_changed_default_changes_the_reference():
    """The staleness test can fail: a new default or parameter shows up in what is generated."""
    cls = registry.catalogue().typology("TF-CASH-01")

    class Changed(cls.Params):
        threshold: float = Field(12_345.0, description="a changed threshold")
        probe_days: int = Field(3, description="a parameter that was not there")

    class Variant(cls):
        Params = Changed

    before = typology_reference.render([cls])
    after = typology_reference.render([Variant])
    assert before != after
    assert "| `threshold` | float | 12345.0 | a changed threshold |" in after
    assert "| `probe_days` | int | 3 | a parameter that was not there |" in after
    assert "12345" not in before and "probe_days" not in before


def test_the_type_and_default_columns_read_like_the_cli_takes_them():
    text = COMMITTED.read_text(encoding="utf-8")
    assert "| `channels` | list of str | remittance, wire |" in text  # TF-REM-01: a tuple default
    assert "| `subject` | one of both, " in text  # a Literal parameter lists its choices


def test_the_cli_writes_and_checks_it(tmp_path: Path):
    out = tmp_path / "typologies.md"
    r = runner.invoke(app, ["typologies", "doc", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")
    r = runner.invoke(app, ["typologies", "doc", "--out", str(out)])
    assert r.exit_code != 0 and "--force" in r.output  # an existing file is not replaced silently
    assert runner.invoke(app, ["typologies", "doc", "--out", str(out), "--check"]).exit_code == 0
    out.write_text(out.read_text(encoding="utf-8").replace("| 8 |", "| 9 |", 1), encoding="utf-8")
    r = runner.invoke(app, ["typologies", "doc", "--out", str(out), "--check"])
    assert r.exit_code == 1 and "differs from the typology folders" in r.output
