"""The analyst pages in a real browser: Playwright driving Debian's Chromium against a
uvicorn server on a loopback port.  Screenshots go to tests/ui_screens/.

Without /usr/bin/chromium these tests fail when CI=true (``make test`` installs it) and
are skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from test_ui_support import EXTRA_CASES, SCREENS, LiveServer, add_users, seed, serve

from api.app import create_app
from engine import cases

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        msg = (f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
               "Install it with `make browser` (apt-get install -y chromium).")
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", demo=True, scheduler=False)
    with app.state.db.writing() as con:
        ids = seed(con)
        tokens = add_users(con)
    server: LiveServer = serve(app)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        yield {"url": server.url, "app": app, "ids": ids, "tokens": tokens}
    finally:
        server.stop()


class Page:
    """A browser tab that records any request leaving the loopback server."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = base
        self.off_site: list[str] = []
        self.js_errors: list[str] = []
        host = urlparse(base).netloc
        self.page.on("request", lambda r: None if urlparse(r.url).netloc == host or r.url.startswith("data:")
                     else self.off_site.append(r.url))
        self.page.on("pageerror", lambda e: self.js_errors.append(str(e)))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def shot(self, name: str, full: bool = False) -> Path:
        path = SCREENS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full)
        return path

    def close(self) -> None:
        self.context.close()
        assert self.off_site == [], f"requests left the server: {self.off_site}"
        assert self.js_errors == [], f"script errors: {self.js_errors}"


def case_of(live: dict[str, Any], case_id: str) -> dict[str, Any]:
    with live["app"].state.db.reading() as con:
        return cases.get_case(con, case_id)


def test_analyst_signs_in_works_a_case_and_cannot_do_a_supervisors_action(browser: Any, live: dict[str, Any]) -> None:
    tab = Page(browser, live["url"])
    p = tab.page
    tab.goto("/ui/cases")
    assert "/ui/login" in p.url
    p.get_by_label("API token").fill(live["tokens"]["analyst"])
    p.get_by_role("button", name="Sign in").click()
    p.wait_for_url("**/ui/cases")
    assert p.get_by_test_id("queue-total").inner_text() == f"{EXTRA_CASES + 2} cases"
    assert p.locator("a.case-link").count() == 25
    tab.shot("queue")

    # filter the queue by typology with the keyboard-usable form, then open the case
    p.get_by_label("Typology").select_option("ML-NET-03")
    p.get_by_role("button", name="Apply").click()
    p.wait_for_url("**typology=ML-NET-03**")
    cid = live["ids"]["cycle"]
    assert p.locator("a.case-link").all_inner_texts() == [cid]
    p.get_by_role("link", name=cid).click()
    p.wait_for_url(f"**/ui/cases/{cid}")

    # the graph is drawn with the case subgraph's accounts and transfers
    p.wait_for_selector("#cy[data-drawn]")
    expected = case_of(live, cid)["graph"]
    assert p.evaluate("window.ctfmonGraph.nodes().length") == len(expected["nodes"]) == 3
    assert p.evaluate("window.ctfmonGraph.edges().length") == len(expected["edges"]) == 3
    assert p.evaluate("window.ctfmonGraph.getElementById('A2').data('role')") == "origin"
    # select an account with the mouse: the panel names its owner
    p.locator("#cy").scroll_into_view_if_needed()
    p.wait_for_timeout(600)  # the layout's fit settles before positions are read
    x, y = p.evaluate("() => { const q = window.ctfmonGraph.getElementById('A4').renderedPosition(); "
                      "return [q.x, q.y]; }")
    box = p.locator("#cy").bounding_box()
    p.mouse.click(box["x"] + x, box["y"] + y)
    assert "Delta Imports LLC" in p.locator("#node-info").inner_text()

    # note, review, escalate
    p.get_by_label("Add a note").fill("Cycle confirmed with the correspondent bank.")
    p.get_by_role("button", name="Add note").click()
    assert p.get_by_test_id("flash").inner_text() == "Note added."
    assert "Cycle confirmed with the correspondent bank." in p.get_by_test_id("notes").inner_text()
    p.get_by_role("button", name="Start review").click()
    assert p.get_by_test_id("case-state").inner_text() == "In review"
    p.locator("#reason").fill("Funds return to the origin within two days.")
    p.get_by_role("button", name="Escalate").click()
    assert p.get_by_test_id("case-state").inner_text() == "Escalated"
    assert case_of(live, cid)["state"] == "escalated"
    p.wait_for_selector("#cy[data-drawn]")
    tab.shot("case", full=True)

    # supervisor-only: no goAML button or assignment form, and the server refuses them
    assert p.get_by_test_id("goaml").count() == 0
    assert "Exporting goAML needs the supervisor role" in p.locator("section[aria-labelledby=h-actions]").inner_text()
    assert p.locator("#assignee").count() == 0
    assert tab.goto(f"/ui/cases/{cid}/goaml").status == 405  # an export is never a GET
    tab.goto(f"/ui/cases/{cid}")
    csrf = p.locator("input[name=csrf]").first.get_attribute("value")
    r = p.request.post(f"{live['url']}/ui/cases/{cid}/goaml", form={"csrf": csrf})
    assert r.status == 403 and "Exporting goAML reports needs the supervisor role" in r.text()
    r = p.request.post(f"{live['url']}/ui/cases/{cid}/assign", form={"csrf": csrf, "assignee": "ana"})
    assert r.status == 403 and "Assigning cases needs the supervisor role" in r.text()
    assert case_of(live, cid)["assignee"] == "ana"  # set by starting the review, not by the refused post

    p.get_by_role("button", name="Sign out").click()
    p.wait_for_url("**/ui/login")
    tab.goto("/ui/cases")
    assert "/ui/login" in p.url
    tab.close()


def test_supervisor_demo_login_assigns_escalates_and_exports_goaml(browser: Any, live: dict[str, Any]) -> None:
    tab = Page(browser, live["url"])
    p = tab.page
    tab.goto("/ui/login")
    p.get_by_role("link", name="supervisor").click()
    p.wait_for_url("**/ui/cases")
    assert p.get_by_test_id("user-name").inner_text() == "demo-supervisor"
    cid = live["ids"]["structuring"]
    p.get_by_role("link", name=cid).click()
    p.wait_for_selector("#cy[data-drawn]")
    expected = case_of(live, cid)["graph"]
    assert expected["source"] == "neighbourhood"
    assert p.evaluate("window.ctfmonGraph.nodes().length") == len(expected["nodes"])
    tab.shot("case_neighbourhood", full=True)

    # an illegal move is explained with the allowed states (a crafted post; the page offers none)
    csrf = p.locator("input[name=csrf]").first.get_attribute("value")
    r = p.request.post(f"{live['url']}/ui/cases/{cid}/transition", form={"csrf": csrf, "to": "str_filed", "reason": "x"})
    assert r.status == 409 and "cannot move to str_filed; allowed: in_review" in r.text()

    p.get_by_label("Assign to").select_option("ana")
    p.get_by_role("button", name="Assign", exact=True).click()
    assert p.get_by_test_id("flash").inner_text() == "Case assigned to ana."
    assert p.get_by_test_id("case-assignee").inner_text() == "ana"
    p.get_by_role("button", name="Start review").click()
    p.locator("#reason").fill("Funds return to the origin within two days.")
    p.get_by_role("button", name="Escalate").click()
    assert p.get_by_test_id("case-state").inner_text() == "Escalated"
    with p.expect_download() as info:
        p.get_by_test_id("goaml").click()
    download = info.value
    assert download.suggested_filename == f"{cid}-goaml.xml"
    xml = Path(download.path()).read_bytes()
    assert xml.startswith(b"<?xml") and b"<report" in xml and b"Amina" in xml
    tab.close()


def test_dashboard_and_a_scan_polled_to_its_result(browser: Any, live: dict[str, Any]) -> None:
    tab = Page(browser, live["url"])
    p = tab.page
    tab.goto("/ui/demo-login?as=admin")
    p.get_by_role("link", name="Dashboard").click()
    p.wait_for_url("**/ui/dashboard")
    assert "open cases" in p.get_by_test_id("tiles").inner_text()
    assert "TF-CASH-01" in p.get_by_test_id("weekly").inner_text()
    tab.shot("dashboard")

    p.get_by_role("link", name="Scans").click()
    p.get_by_label("Typologies").select_option(["TF-CASH-01"])
    p.get_by_role("button", name="Start scan").click()
    p.wait_for_url("**/ui/scans/run/**")
    p.wait_for_selector("[data-testid=scan-status][data-running='0']", timeout=30_000)
    assert p.get_by_test_id("scan-state").inner_text() == "completed"
    assert "TF-CASH-01" in p.get_by_test_id("scan-counts").inner_text()
    tab.shot("scan")
    tab.close()
