"""Search → party page → case, and bulk triage on the queue, in Chromium (Playwright) against a
uvicorn server on a loopback port.  Screenshots go to tests/ui_screens/.

Without /usr/bin/chromium these tests fail when CI=true (``make test`` installs it) and are
skipped otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_search import extra
from test_ui_browser import Page, browser  # noqa: F401  (the browser fixture)
from test_ui_support import SCREENS, LiveServer, add_users, seed, serve

from api.app import create_app
from engine import cases

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", demo=True, scheduler=False)
    with app.state.db.writing() as con:
        ids = seed(con)
        extra(con)
        tokens = add_users(con)
    server: LiveServer = serve(app)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        yield {"url": server.url, "app": app, "ids": ids, "tokens": tokens}
    finally:
        server.stop()


def sign_in(tab: Page, token: str) -> None:
    p = tab.page
    tab.goto("/ui/login")
    p.get_by_label("API token").fill(token)
    p.get_by_role("button", name="Sign in").click()
    p.wait_for_url("**/ui/cases")


def state_of(live: dict[str, Any], case_id: str) -> str:
    with live["app"].state.db.reading() as con:
        return str(cases.get_case(con, case_id, full=False)["state"])


def test_search_a_misspelt_name_open_the_party_then_its_case(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    tab = Page(browser, live["url"])
    p = tab.page
    sign_in(tab, live["tokens"]["analyst"])
    box = p.get_by_role("searchbox", name="Search names, ids, accounts, documents")
    box.fill("Aminah Yousuf")
    box.press("Enter")
    p.wait_for_url("**/ui/search?q=Aminah+Yousuf")
    hits = p.get_by_test_id("search-hits").locator("li")
    assert hits.first.get_attribute("data-kind") == "party"
    assert hits.first.get_by_test_id("hit-link").inner_text() == "Amina Yusuf"
    tab.shot("search")
    hits.first.get_by_test_id("hit-link").click()
    p.wait_for_url("**/ui/parties/P1")

    # the 360 view: profile, flows against baselines, counterparties, alerts, declarations, neighbours
    assert p.get_by_test_id("party-name").inner_text().startswith("Amina Yusuf")
    assert p.get_by_test_id("party-is-pep").inner_text() == "not recorded"
    assert p.get_by_test_id("flow-chart").get_attribute("data-months") == "1"
    assert p.locator("[data-testid=flow-chart] rect.bar-in").count() == 1
    rows = p.get_by_test_id("party-counterparties").locator("tbody tr")
    assert rows.count() == 2 and "X9" in rows.nth(0).inner_text() and "Karim Saleh" in rows.nth(1).inner_text()
    assert p.get_by_test_id("party-alerts").locator("tbody tr").count() == 2
    assert "CD1" in p.get_by_test_id("party-declarations").inner_text()
    assert "Karim Saleh" in p.get_by_test_id("party-neighbourhood").inner_text()
    # the page fits a 1024 px window without sideways scrolling
    p.set_viewport_size({"width": 1024, "height": 768})
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.shot("party", full=True)

    cid = live["ids"]["structuring"]
    p.get_by_test_id("party-cases").get_by_role("link", name=cid).click()
    p.wait_for_url(f"**/ui/cases/{cid}")

    # an id typed in the box opens its party directly
    box = p.get_by_role("searchbox", name="Search names, ids, accounts, documents")
    box.fill("TW0")
    box.press("Enter")
    p.wait_for_url("**/ui/parties/P6")
    assert p.get_by_test_id("party-name").inner_text().startswith("Karim Saleh")
    tab.close()


def test_bulk_review_then_close_with_one_reason(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    tab = Page(browser, live["url"])
    p = tab.page
    sign_in(tab, live["tokens"]["supervisor"])
    picked = [live["ids"]["all"][f"Q{i:03d}"] for i in (0, 1)]
    # a saved filter: typology and sort in the URL
    tab.goto("/ui/cases?sort=age&typology=TF-CASH-02")
    assert p.get_by_test_id("saved-filter").get_attribute("href") == "/ui/cases?typology=TF-CASH-02&sort=age"
    chip = p.get_by_test_id("queue").locator("span.chip", has_text="TF-CASH-02").first
    assert chip.get_attribute("title") == live["app"].state.catalogue["TF-CASH-02"].name
    tab.goto("/ui/cases?sort=newest")

    def pick(ids: list[str]) -> None:
        for cid in ids:
            p.get_by_label(f"Select {cid}", exact=True).check()

    # select all on the page, then clear: the box drives every row
    p.get_by_label("Select all cases on this page").check()
    assert p.locator("input.pick:checked").count() == p.locator("input.pick").count() == 25
    p.get_by_label("Select all cases on this page").uncheck()
    assert p.locator("input.pick:checked").count() == 0

    pick(picked)
    p.get_by_label("With the selected cases").select_option(label="Start review")
    p.get_by_role("button", name="Change the selected cases").click()
    assert p.get_by_test_id("bulk-done").inner_text() == "2"
    assert [state_of(live, c) for c in picked] == ["in_review", "in_review"]

    # close both with one reason, plus one still new: refused on its own, the others closed
    still_new = live["ids"]["all"]["Q002"]
    pick([*picked, still_new])
    p.get_by_label("With the selected cases").select_option(label="Close as false positive")
    p.get_by_label("Reason (one for all; needed to close, file or reopen)").fill("Payroll from a known employer")
    p.get_by_role("button", name="Change the selected cases").click()
    result = p.get_by_test_id("bulk-result")
    assert p.get_by_test_id("bulk-done").inner_text() == "2"
    assert p.get_by_test_id("bulk-refused").inner_text() == "1"
    assert "cannot move to closed_false_positive" in result.locator(f"li[data-case={still_new}]").inner_text()
    assert [state_of(live, c) for c in picked] == ["closed_false_positive"] * 2
    assert state_of(live, still_new) == "new"
    tab.shot("queue_bulk", full=True)
    with live["app"].state.db.reading() as con:
        for cid in picked:
            actions = [r[0] for r in con.execute(
                "SELECT action FROM audit_log WHERE object_id = ? ORDER BY seq", [cid]).fetchall()]
            assert actions.count("case.transition") == 2 and "disposition.decided" in actions
    tab.close()
