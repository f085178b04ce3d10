"""The audit page and a dashboard tile in a real browser (Playwright driving Debian's Chromium
against a uvicorn server on a loopback port); screenshots go to tests/ui_screens/."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from test_ui_browser import Page, browser  # noqa: F401  (the browser fixture)
from test_ui_support import SCREENS, LiveServer, add_users, seed, serve

from api.app import create_app
from engine import auth, cases

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", scheduler=False)
    with app.state.db.writing() as con:
        ids = seed(con)
        tokens = add_users(con)
        ana = auth.User("ana", "analyst")
        cid = ids["cycle"]
        cases.transition(con, cid, "in_review", "", ana)
        cases.transition(con, cid, "closed_false_positive", "known supplier loop", ana)  # awaits a supervisor
    server: LiveServer = serve(app)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        yield {"url": server.url, "app": app, "ids": ids, "tokens": tokens}
    finally:
        server.stop()


def _sign_in(tab: Page, token: str) -> None:
    tab.goto("/ui/login")
    tab.page.get_by_label("API token").fill(token)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url("**/ui/cases")


def test_awaiting_approval_tile_opens_the_filtered_queue(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    tab = Page(browser, live["url"])
    p = tab.page
    _sign_in(tab, live["tokens"]["supervisor"])
    p.get_by_role("link", name="Dashboard").click()
    p.wait_for_url("**/ui/dashboard")
    tile = p.get_by_test_id("tile-awaiting_approval")
    assert tile.inner_text().split()[0] == "1"
    assert p.get_by_test_id("mi-typologies").is_visible()
    tab.shot("dashboard-mi", full=True)
    tile.click()
    p.wait_for_url("**/ui/cases?awaiting=1")
    assert p.get_by_test_id("queue-total").inner_text() == "1 case"
    assert p.locator("a.case-link").all_inner_texts() == [live["ids"]["cycle"]]
    assert p.locator("#f-awaiting").is_checked()
    tab.close()


def test_auditor_filters_the_audit_log_sees_the_chain_and_exports(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    tab = Page(browser, live["url"])
    p = tab.page
    _sign_in(tab, live["tokens"]["auditor"])
    p.get_by_role("link", name="Audit").click()
    p.wait_for_url("**/ui/audit")
    assert p.get_by_test_id("chain-status").inner_text().startswith("Intact:")
    p.get_by_label("Action").select_option("disposition.propose")
    p.get_by_role("button", name="Apply").click()
    p.wait_for_url("**action=disposition.propose**")
    assert p.get_by_test_id("audit-total").inner_text() == "1 entry"
    rows = p.get_by_test_id("audit-entries").locator("tbody tr")
    assert rows.count() == 1 and "ana" in rows.first.inner_text() and live["ids"]["cycle"] in rows.first.inner_text()
    tab.shot("audit", full=True)
    with p.expect_download() as dl:
        p.get_by_test_id("audit-export").click()
    text = open(dl.value.path(), encoding="utf-8").read()
    got = list(csv.DictReader(io.StringIO(text)))
    assert [(r["actor"], r["action"]) for r in got] == [("ana", "disposition.propose")]
    # the export itself is now in the log
    tab.goto("/ui/audit?action=audit.export")
    assert p.get_by_test_id("audit-total").inner_text() == "1 entry"
    tab.close()
