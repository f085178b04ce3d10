"""ML-NET-06 network exposure: seeds from SAN-01 alerts and STR-filed cases, PageRank ranking, paths."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_graph_detectors import T0, World, days, subjects

from typologies.ml_net_06 import NetworkExposure


@pytest.fixture
def world() -> World:
    return World()


def _designate(world: World, party: str) -> None:
    world.con.execute(
        "INSERT INTO alerts VALUES (?, 'SAN-01', 'party', ?, 1.0, NULL, NULL, [], 'listed', NULL, 'scan-0', ?)",
        [f"A-{party}", party, datetime(2026, 1, 1)],
    )


def _network(world: World) -> None:
    for acc in ["SEED", "NEAR", "FAR", "THIRD", "LONER", "OTHER"]:
        world.account(acc)
    world.tx("SEED", "NEAR", 10000, T0)
    world.tx("NEAR", "FAR", 7000, T0 + days(2))
    world.tx("FAR", "THIRD", 5000, T0 + days(3))  # 3 hops from the seed
    world.tx("LONER", "OTHER", 9000, T0)  # not connected


def test_no_seeds_no_alerts(world: World) -> None:
    _network(world)
    assert world.detect(NetworkExposure) == []


def test_exposure_within_two_hops_ranked_with_paths(world: World) -> None:
    _network(world)
    _designate(world, "P-SEED")
    alerts = world.detect(NetworkExposure)
    assert subjects(alerts) == {"P-NEAR", "P-FAR"}
    by = {a.subject_id: a for a in alerts}
    assert by["P-NEAR"].details["rank"] == 1 and by["P-NEAR"].details["hops"] == 1
    assert by["P-FAR"].details["hops"] == 2
    assert by["P-FAR"].details["paths"] == [["P-FAR", "P-NEAR", "P-SEED"]]
    assert by["P-NEAR"].score > by["P-FAR"].score
    roles = {n["id"]: n["role"] for n in by["P-FAR"].details["nodes"] if n["kind"] == "party"}
    assert roles == {"P-FAR": "exposed", "P-NEAR": "intermediary", "P-SEED": "seed"}
    assert len(by["P-FAR"].evidence) == 2
    assert "designated party" in by["P-FAR"].explanation


def test_recency_weighting_changes_the_ranking(world: World) -> None:
    for acc in ["SEED", "OLD", "NEW"]:
        world.account(acc)
    world.tx("SEED", "OLD", 10000, datetime(2026, 1, 2))
    world.tx("SEED", "NEW", 6000, datetime(2026, 12, 20))
    _designate(world, "P-SEED")
    ranks = {a.subject_id: a.details["rank"] for a in world.detect(NetworkExposure, half_life_days=120)}
    assert ranks == {"P-NEW": 1, "P-OLD": 2}
    # with the default 30-day half-life the year-old transfer falls below min_relative_rank
    assert subjects(world.detect(NetworkExposure)) == {"P-NEW"}
    # with a very long half-life amounts dominate
    ranks = {a.subject_id: a.details["rank"] for a in world.detect(NetworkExposure, half_life_days=100000)}
    assert ranks == {"P-OLD": 1, "P-NEW": 2}


def test_str_filed_case_is_a_seed(world: World) -> None:
    _network(world)
    world.con.execute("CREATE TABLE cases (case_id VARCHAR, subject_type VARCHAR, subject_id VARCHAR, state VARCHAR)")
    world.con.execute("INSERT INTO cases VALUES ('C1', 'party', 'P-LONER', 'str_filed'), "
                      "('C2', 'party', 'P-SEED', 'investigating')")
    alerts = world.detect(NetworkExposure)
    assert subjects(alerts) == {"P-OTHER"}
    assert alerts[0].details["seed_reasons"] == {"P-LONER": "confirmed suspicious (STR filed)"}


def test_declares_dependency_on_san_01() -> None:
    assert NetworkExposure.depends_on == ("SAN-01",)
