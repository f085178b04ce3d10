"""The list-changes page in a real browser (as :mod:`test_ui_browser`): an analyst opens
"List changes" from the menu, sees the loaded versions and, for the version loaded over the
first, each change with what it caused — the alert a new entry raised with its payments split
around the listing date, the case it is in, the case flagged for a removed entry — and follows
the links to the case.  Screenshot in tests/ui_screens/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_list_changes_page import load_both, world
from test_ui_browser import Page, browser  # noqa: F401  (the module-scoped browser fixture)
from test_ui_support import SCREENS, LiveServer, serve

from api.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", demo=True, scheduler=False)
    with app.state.db.writing() as con:
        world(con)
        v1, v2 = load_both(con)
        alert_case = con.execute(
            "SELECT ca.case_id FROM alerts a JOIN case_alerts ca USING (alert_id) WHERE a.subject_id = 'P9' "
            "AND a.typology_id = 'SAN-01'").fetchone()[0]
        flagged = con.execute("SELECT case_ids[1] FROM screening_list_changes WHERE reference = 'NAT-003'"
                              ).fetchone()[0]
    server: LiveServer = serve(app)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        yield {"url": server.url, "v1": v1, "v2": v2, "alert_case": alert_case, "flagged": flagged}
    finally:
        server.stop()


def test_analyst_sees_what_each_list_change_caused(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    tab = Page(browser, live["url"])
    p = tab.page
    tab.goto("/ui/demo-login?as=analyst")
    p.get_by_role("link", name="List changes").click()
    p.wait_for_url("**/ui/lists")
    versions = p.get_by_test_id("versions")
    assert versions.locator("tbody tr").count() == 2
    row = versions.locator(f"tr[data-version='{live['v2']}']")
    assert "1 new, 1 amended, 1 removed" in row.inner_text()
    assert "1 alert raised, 1 case flagged" in row.inner_text()
    # the newest version loaded over another is shown at once
    assert "1 new, 1 amended, 1 removed; 1 alert raised; 1 case flagged for review" in \
        p.get_by_test_id("change-summary").inner_text()
    table = p.get_by_test_id("change-table")
    assert [r.get_attribute("data-reference") for r in table.locator("tbody tr").all()] == [
        "NAT-005", "NAT-002", "NAT-003"]
    new = table.locator("tr[data-reference=NAT-005]")
    assert "Tarquin Bellweather-Ostrowski" in new.inner_text() and "2025-05-14" in new.inner_text()
    split = new.get_by_test_id("split").inner_text()
    assert "2 payment(s) on or after the listing" in split and "1 before" in split
    assert "3,900.00" in split and "1,200.00" in split
    assert "none" in table.locator("tr[data-reference=NAT-002]").inner_text()
    tab.shot("list_changes", full=True)

    # the version's own page, reached from the versions table
    row.get_by_role("link", name=f"Changes of version {live['v2']}").click()
    p.wait_for_url(f"**/ui/lists/{live['v2']}")
    # the flagged case of the removed entry, then the case of the new entry's alert
    p.get_by_test_id("change-table").locator("tr[data-reference=NAT-003]").get_by_role(
        "link", name=live["flagged"]).click()
    p.wait_for_url(f"**/ui/cases/{live['flagged']}")
    assert "NAT-003 was removed in list version" in p.content()
    p.go_back()
    p.get_by_test_id("change-table").locator("tr[data-reference=NAT-005]").get_by_role(
        "link", name=live["alert_case"]).click()
    p.wait_for_url(f"**/ui/cases/{live['alert_case']}")

    # a version with nothing to compare, and one that does not exist
    tab.goto(f"/ui/lists/{live['v1']}")
    assert "was not loaded over an earlier one" in p.get_by_test_id("changes").inner_text()
    resp = tab.goto("/ui/lists/999")
    assert resp.status == 404 and "No such list version" in p.content()
    tab.close()
