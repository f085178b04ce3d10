"""The screening page in a real browser (as :mod:`test_ui_browser`): an analyst screens a
name with the keyboard-usable form, opens another hit side by side, and reaches the same
view from a SAN-01 alert of a case.  Screenshots go to tests/ui_screens/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ui_browser import Page, browser  # noqa: F401  (the module-scoped browser fixture)
from test_ui_screening import LIST_CSV
from test_ui_support import SCREENS, T0, LiveServer, add_users, seed, serve

from api.app import create_app
from engine.screening import lists
from services import scans

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", demo=True, scheduler=False)
    path: Path = tmp_path_factory.mktemp("lists") / "nat.csv"
    path.write_text(LIST_CSV, encoding="utf-8")
    with app.state.db.writing() as con:
        ids = seed(con)
        tokens = add_users(con)
        lists.load_list(con, path, list_name="NAT")
        scans.run_scan(con, app.state.catalogue, actor="test", triggered_by="test", as_of=T0.date().replace(day=20),
                       lookback_days=30, typology_ids=["SAN-01"])
    server: LiveServer = serve(app)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        yield {"url": server.url, "app": app, "ids": ids, "tokens": tokens}
    finally:
        server.stop()


def test_analyst_screens_a_name_compares_hits_and_opens_a_case_hit(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    tab = Page(browser, live["url"])
    p = tab.page
    tab.goto("/ui/demo-login?as=analyst")
    p.get_by_role("link", name="Screening").click()
    p.wait_for_url("**/ui/screening")
    p.get_by_role("textbox", name="Name (any script)").fill("Amina Yusuf")
    p.get_by_label("Birth date").fill("1990-04-01")
    p.get_by_label("Nationality").fill("SG")
    p.get_by_label("Type").select_option("person")
    p.get_by_role("textbox", name="Name (any script)").press("Enter")
    p.wait_for_selector("[data-testid=hits]")
    rows = p.locator("[data-testid=hits] tbody tr")
    assert rows.count() == 2 and rows.first.get_attribute("data-reference") == "NAT-101"
    side = p.get_by_test_id("side-by-side")
    assert "NAT-101: Amina Yusuf" in side.locator("h2").inner_text()
    cmp = p.get_by_test_id("comparison")
    assert "agrees" in cmp.locator("tr[data-feature=birth_date]").inner_text()
    assert "disagrees" in cmp.locator("tr[data-feature=nationality]").inner_text()
    assert "<script>" in p.get_by_test_id("reason").inner_text()  # shown as text, never run
    tab.shot("screening", full=True)

    # the second hit side by side: its birth date conflicts with the query's
    p.get_by_role("button", name="Side by side: NAT NAT-103").click()
    p.wait_for_selector("tr.chosen[data-reference=NAT-103]")
    assert "disagrees" in p.get_by_test_id("comparison").locator("tr[data-feature=birth_date]").inner_text()
    assert p.get_by_role("textbox", name="Name (any script)").input_value() == "Amina Yusuf"  # the query stays in the form

    # from the case of the party the SAN-01 scan alerted on
    cid = live["ids"]["structuring"]
    tab.goto(f"/ui/cases/{cid}")
    # a network case holds several subjects' SAN alerts: open Amina Yusuf's (P1, document S9012345A)
    links = p.get_by_test_id("side-by-side-link")
    assert links.count() >= 1
    for i in range(links.count()):
        links.nth(i).click()
        p.wait_for_url("**/ui/screening/alerts/**")
        assert "hit side by side" in p.locator("h1").inner_text()
        cmp = p.get_by_test_id("comparison")
        if "S9012345A" in cmp.locator("tr[data-feature=document]").inner_text():
            break
        p.go_back()
        links = p.get_by_test_id("side-by-side-link")
    assert "SAN-01 hit side by side" in p.locator("h1").inner_text()
    assert "S9012345A" in cmp.locator("tr[data-feature=document]").inner_text()
    assert "agrees" in cmp.locator("tr[data-feature=name]").inner_text()
    tab.shot("screening_alert", full=True)
    p.get_by_role("link", name=cid).click()
    p.wait_for_url(f"**/ui/cases/{cid}")
    tab.close()
