"""The catalogue test: every registered typology is a complete unit (one folder).

Like linting every detection rule with one test: each typology folder must have its
metadata (a fillable description, references, a case weight, goAML indicator codes the
schema knows), described parameters carrying the catalogue's numbers as defaults, a planter
with look-alikes, a literal reading, example cases of every kind (which
``test_typology_examples.py`` runs), and detection SQL that parses for Spark (transpiled
from DuckDB with sqlglot: it prepares a Spark runner) unless it is on :data:`NO_SPARK_SQL`
with the reason.  The ids of ``docs/catalogue.md`` are the registered ones plus
:data:`NOT_YET_IMPLEMENTED`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
import typology_examples as ex
from sqlglot.errors import ErrorLevel

from engine.detect.sql import placeholders
from engine.detect.typology import Typology
from engine.reports import goaml
from typologies import registry

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_DOC = ROOT / "docs" / "catalogue.md"
UNITS = registry.units()

#: Catalogue ids with no folder yet, and why.
NOT_YET_IMPLEMENTED: dict[str, str] = {
}

#: Typologies whose detection is not SQL at all (so there is nothing to transpile), and why.
NO_SPARK_SQL: dict[str, str] = {
    "SAN-01": "detection is the engine's name screening (engine.screening: normalisation, blocking keys and "
              "weighted token matching in Python), not a query",
}

#: The catalogue's numbers (docs/catalogue.md) as the parameters' defaults.
CATALOGUE_DEFAULTS: dict[str, dict[str, float]] = {
    "TF-CASH-01": {"threshold": 10_000, "low_ratio": 0.8, "min_transactions": 3, "window_days": 7},
    "TF-CASH-02": {"min_depositors": 5, "min_cities": 2, "deposit_window_days": 14, "min_outflow_share": 0.7,
                   "outflow_days": 7},
    "TF-CASH-03": {"min_hr_declarations": 3, "window_days": 90, "threshold": 10_000, "low_ratio": 0.8,
                   "deposit_days": 3, "min_travellers": 3, "amount_tolerance": 0.1},
    "TF-CARD-01": {"min_cards": 3, "min_loaded": 5_000, "load_window_days": 30, "cashout_days": 30},
    "TF-XB-01": {"min_amount": 10_000, "window_days": 30},
    "TF-PASS-01": {"min_forwarded_share": 0.9, "min_inflow": 20_000, "window_days": 30, "max_hours": 72,
                   "max_residual_share": 0.1},
    "TF-MICRO-01": {"min_small_transfers": 20, "max_small_amount": 500, "min_senders": 15, "window_days": 30,
                    "min_abroad_share": 0.7, "max_abroad_transfers": 3, "forward_days": 14},
    "TF-REM-01": {"min_individuals": 4, "window_days": 60},
    "TF-DORM-01": {"dormant_days": 180, "min_amount": 10_000, "window_days": 14},
    "TF-FTF-01": {"min_drain_share": 0.8, "window_days": 30},
    "TF-NPO-01": {"min_diverted_share": 0.2, "min_diverted_amount": 10_000, "window_days": 90},
    "TF-NPO-02": {"min_donors": 10, "forward_days": 7, "max_beneficiaries": 2, "min_forward_share": 0.7},
    "TF-TBML-01": {"factor": 3, "min_comparables": 10},
    "TF-TBML-02": {"max_payment_deviation": 0.1},
    "TF-TBML-03": {"window_days": 180},
    "TF-DOC-01": {},
    "TF-TBML-04": {"min_sanctions_score": 0.6},
    "ML-NET-01": {"min_counterparties": 8, "window_days": 7, "amount_tolerance": 0.2, "min_amount": 1_000},
    "ML-NET-02": {"min_intermediaries": 3, "window_days": 7},
    "ML-NET-03": {"min_length": 3, "max_length": 8, "min_return_ratio": 0.7, "window_days": 30},
    "ML-NET-04": {"min_hops": 4, "forward_min_ratio": 0.8, "forward_max_ratio": 1.0, "max_hold_hours": 48},
    "ML-NET-05": {"min_layer_size": 3, "window_days": 14},
    "ML-NET-06": {"hops": 2},
    "SAN-01": {},
    "SAN-02": {},
}

UNIT_IDS = sorted(UNITS)


def _catalogue_ids() -> set[str]:
    return set(re.findall(r"^\| ((?:TF|ML|SAN)-[A-Z0-9-]+) \|", CATALOGUE_DOC.read_text(encoding="utf-8"), re.M))


def test_registered_typologies_are_the_catalogues_less_the_ones_not_implemented() -> None:
    ids = _catalogue_ids()
    assert set(UNITS) | set(NOT_YET_IMPLEMENTED) == ids
    assert not set(UNITS) & set(NOT_YET_IMPLEMENTED), "implemented now: take it off NOT_YET_IMPLEMENTED"
    assert set(CATALOGUE_DEFAULTS) == set(UNITS)


def check_metadata(unit: registry.Unit) -> None:
    tid = unit.id
    t: type[Typology] = unit.detector
    assert unit.folder.name == tid.lower().replace("-", "_"), "the folder is named after the id"
    assert t.name and t.references and all(r.strip() for r in t.references)
    assert 0 < t.case_weight <= 1
    assert t.goaml_indicators and set(t.goaml_indicators) <= goaml.indicator_codes(), t.goaml_indicators
    assert all(m.strip() for m in t.goaml_indicators.values()), "every goAML code says what it means"
    assert set(t.depends_on) <= set(UNITS)
    text = t.description_for()
    assert "{" not in text and "}" not in text
    d = t.describe()
    assert d["id"] == tid and d["description"] == text
    for name, field in t.Params.model_fields.items():
        assert field.description and field.description.strip(), f"{tid}.{name} has no description"


@pytest.mark.parametrize("tid", UNIT_IDS)
def test_metadata(tid: str) -> None:
    check_metadata(UNITS[tid])


@pytest.mark.parametrize("tid", UNIT_IDS)
def test_parameters_carry_the_catalogue_defaults(tid: str) -> None:
    defaults = UNITS[tid].detector.Params()
    for name, value in CATALOGUE_DEFAULTS[tid].items():
        assert getattr(defaults, name) == value, f"{tid}.{name}: {getattr(defaults, name)} not the catalogue's {value}"


def check_planter(unit: registry.Unit) -> None:
    tid, planter = unit.id, unit.planter
    assert planter is not None, f"{tid} has no plant.py"
    assert planter.TYPOLOGY_ID == tid
    assert callable(planter.plant) and callable(planter.benign)
    assert "benign:" in Path(planter.__file__ or "").read_text(encoding="utf-8"), "look-alikes are labelled benign:"


def _code(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def check_reading(unit: registry.Unit) -> None:
    tid, reading = unit.id, unit.reading
    assert reading is not None, f"{tid} has no reading.sql, party_reading.sql or reading.py"
    fns = [n for n in ("instances", "parties") if reading.module is not None and callable(getattr(reading.module, n, None))]
    assert reading.instances_sql or reading.parties_sql or fns
    if reading.instances_sql:
        code = _code(reading.instances_sql)
        assert "tid" in placeholders(code) or re.search(r"\b(subj|acc)\b", code), \
            f"{tid}: an instance reading reads the label ($tid, or its subjects subj and accounts acc)"
    if reading.parties_sql:
        assert re.search(r"\bcand\b", _code(reading.parties_sql)), f"{tid}: a party reading reads cand(party_id)"


def check_examples(unit: registry.Unit) -> None:
    tid = unit.id
    assert unit.examples is not None, f"{tid} has no examples.yaml"
    cases = ex.load(unit.examples, tid)
    kinds = {c.kind for c in cases}
    assert kinds == set(ex.KINDS), f"{tid} examples lack {set(ex.KINDS) - kinds}"
    params = set(unit.detector.Params.model_fields)
    for c in cases:
        assert set(c.boundary) <= params, f"{tid} example {c.name!r}: unknown parameter in boundary"
        assert set(c.params) <= params, f"{tid} example {c.name!r}: unknown parameter"
        assert (c.kind == "boundary") == bool(c.boundary), f"{tid} example {c.name!r}: boundary names its parameters"
        assert (c.kind == "negative") <= (not c.alerts), f"{tid} example {c.name!r}: a negative case raises nothing"


def check_spark_sql(unit: registry.Unit) -> None:
    tid = unit.id
    files = sorted(unit.folder.glob("*.sql"))
    detection = [f for f in files if f.name not in (registry.READING_SQL, registry.PARTY_READING_SQL)]
    if tid in NO_SPARK_SQL:
        assert not detection, f"{tid} has detection SQL now: take it off NO_SPARK_SQL"
        return
    assert detection, f"{tid} has no detection SQL"
    for f in files:
        for stmt in sqlglot.transpile(f.read_text(encoding="utf-8"), read="duckdb", write="spark",
                                      unsupported_level=ErrorLevel.RAISE):
            sqlglot.parse_one(stmt, read="spark")


@pytest.mark.parametrize("tid", UNIT_IDS)
def test_planter_with_lookalikes(tid: str) -> None:
    check_planter(UNITS[tid])


@pytest.mark.parametrize("tid", UNIT_IDS)
def test_literal_reading(tid: str) -> None:
    check_reading(UNITS[tid])


@pytest.mark.parametrize("tid", UNIT_IDS)
def test_example_cases_of_every_kind(tid: str) -> None:
    check_examples(UNITS[tid])


@pytest.mark.parametrize("tid", UNIT_IDS)
def test_sql_parses_for_spark(tid: str) -> None:
    check_spark_sql(UNITS[tid])


def test_allow_lists_name_their_reasons() -> None:
    assert all(len(reason) > 20 for reason in {**NOT_YET_IMPLEMENTED, **NO_SPARK_SQL}.values())
