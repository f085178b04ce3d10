"""Every example case of every typology folder: rows in, the expected alerts out.

One generic test for all typologies (the cases are data, in each folder's
``examples.yaml``); a failure names the typology, the case and what differs.
"""

from __future__ import annotations

import pytest
import typology_examples as ex

from typologies import registry

CASES = [(unit, case) for unit in registry.units().values() if unit.examples is not None
         for case in ex.load(unit.examples, unit.id)]


@pytest.mark.parametrize(("unit", "case"), CASES, ids=[f"{u.id}: {c.name}" for u, c in CASES])
def test_example_case(unit: registry.Unit, case: ex.Case) -> None:
    found = ex.run(case, unit.detector)
    assert not ex.problems(case, found), f"{unit.id} example {case.name!r}:\n" + "\n".join(
        ex.problems(case, found))
