"""Network cases in a real browser (Chromium through Playwright, like test_ui_browser): an
analyst merges two cases and splits a subject out of a case on the case page; a courier's
timeline shows only the courier's own declarations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from test_ui_browser import Page, browser  # noqa: F401  (the browser fixture)
from test_ui_support import add_users, insert, serve

from api.app import create_app
from engine import cases

pytestmark = pytest.mark.slow

T0 = datetime(2026, 6, 1, 8, 0, 0)


def _alert(con: Any, aid: str, typology: str, subject: str, score: float, evidence: list[str]) -> None:
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, 'party', ?, ?, ?, ?, ?, ?, ?, 'SC-NET', ?)",
        [aid, typology, subject, score, T0, T0 + timedelta(days=3), evidence, f"{typology} seen for {subject}.",
         json.dumps({}), T0 + timedelta(days=4)],
    )


def _seed(con: Any) -> dict[str, str]:
    names = {"N1": "Layla Haddad", "N2": "Samir Haddad", "N3": "Yusuf Karim", "N4": "Omar Nasser",
             "N5": "Rania Aziz", "N6": "Tariq Aziz"}
    insert(con, "parties", [{"party_id": p, "party_type": "individual", "name": n, "country": "AE", "_batch_id": 1}
                            for p, n in names.items()])
    insert(con, "accounts", [{"account_id": f"B{p[1]}", "party_id": p, "institution_id": "BANK1", "country": "AE",
                              "account_type": "current", "currency": "USD", "_batch_id": 1} for p in names])
    # N1 and N2 share one transfer (a linked pair: one case); N3 and N4 stand alone
    insert(con, "transactions", [{"txn_id": "TN1", "timestamp": T0 + timedelta(days=1), "channel": "wire",
                                  "from_account": "B1", "to_account": "B2", "amount": 20000, "currency": "USD",
                                  "amount_base": 20000, "_batch_id": 1}])
    # N5 carried cash on QR1021; N6 travelled on the same flight (co-traveller, not alerted)
    insert(con, "cash_declarations", [
        {"declaration_id": f"DN{i}", "timestamp": T0 + timedelta(hours=i), "traveller_name": names[p],
         "party_id": p, "direction": "outbound", "port": "DXB", "origin_country": "AE", "destination_country": "PK",
         "amount": 9600 + i, "currency": "USD", "amount_base": 9600 + i, "declared": True, "transport_ref": "QR1021",
         "_batch_id": 1} for i, p in ((5, "N5"), (6, "N6"))])
    _alert(con, "AN1", "ML-NET-04", "N1", 0.8, ["TN1"])
    _alert(con, "AN2", "ML-NET-04", "N2", 0.7, ["TN1"])
    _alert(con, "AN3", "TF-CASH-01", "N3", 0.6, [])
    _alert(con, "AN4", "TF-CASH-01", "N4", 0.5, [])
    _alert(con, "AN5", "TF-CASH-03", "N5", 0.75, ["DN5", "DN6"])
    cases.sync_cases(con, actor="test")
    ids = dict(con.execute("SELECT a.alert_id, ca.case_id FROM case_alerts ca JOIN alerts a USING (alert_id)").fetchall())
    return {"pair": ids["AN1"], "n3": ids["AN3"], "n4": ids["AN4"], "courier": ids["AN5"]}


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", demo=True, scheduler=False)
    with app.state.db.writing() as con:
        ids = _seed(con)
        tokens = add_users(con)
    server = serve(app)
    try:
        yield {"url": server.url, "app": app, "ids": ids, "tokens": tokens}
    finally:
        server.stop()


def _detail(live: dict[str, Any], case_id: str) -> dict[str, Any]:
    with live["app"].state.db.reading() as con:
        return cases.get_case(con, case_id)


def _sign_in(tab: Page, token: str) -> None:
    tab.goto("/ui/login")
    tab.page.get_by_label("API token").fill(token)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url("**/ui/cases")


def test_merge_two_cases_on_the_case_page(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    n3, n4 = live["ids"]["n3"], live["ids"]["n4"]
    tab = Page(browser, live["url"])
    p = tab.page
    _sign_in(tab, live["tokens"]["analyst"])
    tab.goto(f"/ui/cases/{n3}")
    p.get_by_test_id("merge-panel").locator("summary").click()
    form = p.get_by_test_id("merge-form")
    form.get_by_label("Other case ids").fill(n3)
    form.get_by_label("Reason (required)").fill("same person")
    form.get_by_role("button", name=f"Merge into {n3}").click()
    assert p.get_by_test_id("error").inner_text() == f"cannot merge case {n3} with itself"
    p.get_by_test_id("merge-panel").locator("summary").click()
    form.get_by_label("Other case ids").fill(n4)
    form.get_by_label("Reason (required)").fill("Brothers structuring cash at the same branch on the same days")
    form.get_by_role("button", name=f"Merge into {n3}").click()
    assert p.get_by_test_id("flash").inner_text() == f"Merged {n4} into {n3}."
    subjects = p.get_by_test_id("subjects").locator("tbody tr")
    assert subjects.count() == 2
    assert sorted(subjects.evaluate_all("rows => rows.map(r => r.dataset.subject)")) == ["N3", "N4"]
    assert f"{n4} merged into {n3}" in p.get_by_test_id("lineage").inner_text()
    detail = _detail(live, n3)
    assert detail["alert_count"] == 2 and [x["kind"] for x in detail["lineage"]] == ["merge"]
    tab.goto(f"/ui/cases/{n4}")
    assert f"was merged into {n3}" in p.content()
    tab.close()


def test_split_a_subject_out_on_the_case_page(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    pair = live["ids"]["pair"]
    assert [s["subject_id"] for s in _detail(live, pair)["subjects"]] == ["N1", "N2"]  # linked by TN1
    tab = Page(browser, live["url"])
    p = tab.page
    _sign_in(tab, live["tokens"]["analyst"])
    tab.goto(f"/ui/cases/{pair}")
    p.get_by_test_id("split-panel").locator("summary").click()
    form = p.get_by_test_id("split-form")
    form.get_by_label("N1 Layla Haddad").check()
    form.get_by_label("N2 Samir Haddad").check()
    form.get_by_label("Reason (required)").fill("both out")
    form.get_by_role("button", name="Split into a new case").click()
    assert "at least one must stay" in p.get_by_test_id("error").inner_text()
    p.get_by_test_id("split-panel").locator("summary").click()
    form.get_by_label("N2 Samir Haddad").check()
    form.get_by_label("Reason (required)").fill("N2 received a loan repayment; not part of the chain")
    form.get_by_role("button", name="Split into a new case").click()
    flash = p.get_by_test_id("flash").inner_text()
    assert flash.startswith("Split 1 alert into the new case CASE-")
    new_id = flash.rsplit(" ", 1)[1].rstrip(".")
    assert p.get_by_test_id("subjects").locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.subject)") == ["N1"]
    assert new_id in p.get_by_test_id("related").inner_text()  # N2's case shares the transfer's counterparty
    p.get_by_test_id("lineage").get_by_role("link", name=new_id).click()
    p.wait_for_url(f"**/ui/cases/{new_id}")
    assert p.get_by_test_id("subjects").locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.subject)") == ["N2"]
    assert _detail(live, new_id)["lineage"][0]["kind"] == "split"
    tab.close()


def test_courier_timeline_shows_only_the_couriers_own_declarations(browser: Any, live: dict[str, Any]) -> None:  # noqa: F811
    courier = live["ids"]["courier"]
    assert {d["declaration_id"] for d in _detail(live, courier)["evidence"]["cash_declarations"]} == {"DN5", "DN6"}
    tab = Page(browser, live["url"])
    p = tab.page
    _sign_in(tab, live["tokens"]["auditor"])
    tab.goto(f"/ui/cases/{courier}")
    rows = p.get_by_test_id("timeline").locator("tbody tr")
    assert rows.count() == 1 and "DN5" in rows.inner_text() and "DN6" not in p.get_by_test_id("timeline").inner_text()
    assert p.get_by_test_id("merge-panel").count() == 0  # an auditor only reads
    tab.close()
