"""Adding a typology is adding a folder, and nothing else.

The worked example of ``docs/adding-a-typology.md`` (``docs/examples/ex_rnd_01``), copied
into a directory on the ``typologies`` package path, is discovered by the registry, passes
the catalogue checks, runs its example cases, is listed by the CLI, is planted by the
generator, satisfies its literal reading, and a scan alerts the parties it planted.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_catalogue as catalogue_checks
import typology_examples as ex
from typer.testing import CliRunner

import typologies
from cli.main import app
from datagen.generate import make_config, write
from datagen.verify import verify
from engine import ingest, scan, store
from typologies import registry

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "ex_rnd_01"
TID = "EX-RND-01"


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, registry.Unit]]:
    extra = tmp_path_factory.mktemp("more_typologies")
    shutil.copytree(EXAMPLE, extra / EXAMPLE.name)
    before = list(typologies.__path__)
    typologies.__path__.append(str(extra))
    registry.units.cache_clear()
    try:
        yield registry.discover()
    finally:
        typologies.__path__[:] = before
        registry.units.cache_clear()
        for name in [m for m in sys.modules if m.startswith(f"typologies.{EXAMPLE.name}")]:
            del sys.modules[name]


def test_the_folder_is_registered_as_a_complete_unit(added: dict[str, registry.Unit]) -> None:
    assert TID in added and len(added) == len(registry.units()) == 26
    unit = added[TID]
    for check in (catalogue_checks.check_metadata, catalogue_checks.check_planter, catalogue_checks.check_reading,
                  catalogue_checks.check_examples, catalogue_checks.check_spark_sql):
        check(unit)
    assert unit.detector.case_weight == 0.7 and list(unit.detector.goaml_indicators) == ["STRUC"]


def test_its_example_cases_pass(added: dict[str, registry.Unit]) -> None:
    unit = added[TID]
    for case in ex.load(unit.examples, TID):
        assert not ex.problems(case, ex.run(case, unit.detector)), case.name


def test_the_cli_lists_and_describes_it(added: dict[str, registry.Unit]) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["typologies", "list"])
    assert r.exit_code == 0 and TID in r.output
    r = runner.invoke(app, ["typologies", "show", TID, "--db", "/nonexistent/x.duckdb"])
    assert r.exit_code == 0 and "At least 3 cash deposits of round amounts (multiples of 1,000)" in r.output


def test_it_is_planted_verified_and_detected(added: dict[str, registry.Unit], tmp_path: Path) -> None:
    units = {TID: added[TID]}
    out = tmp_path / "data"
    manifest = write(out, make_config(units, seed=3, transactions=5_000, typologies=TID), units)
    assert manifest["planted"] == {TID: 3} and manifest["benign_for"] == {TID: ["benign:round_deposits_spread_out"]}
    res = verify(out, {TID: added[TID].reading})
    assert res[TID]["positives_ok"] == res[TID]["positives"] == 3 and res[TID]["lookalikes_ok"] == 0
    with store.connect(":memory:") as con:
        ingest.ingest_paths(con, [out], None)
        result = scan.run_scan(con, registry.catalogue(), typology_ids=[TID])
        alerted = {r[0] for r in con.execute("SELECT subject_id FROM alerts WHERE scan_id = ?",
                                               [result.scan_id]).fetchall()}
        planted = {r[0] for r in con.execute(
            "SELECT entity_id FROM read_parquet(?) WHERE typology_id = ? AND role = 'subject'",
            [str(out / "labels.parquet"), TID]).fetchall()}
        lookalikes = {r[0] for r in con.execute(
            "SELECT entity_id FROM read_parquet(?) WHERE typology_id LIKE 'benign:%' AND role = 'subject'",
            [str(out / "labels.parquet")]).fetchall()}
    assert planted and planted <= alerted and not lookalikes & alerted
