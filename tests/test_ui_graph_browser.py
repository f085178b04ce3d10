"""The case page's money-flow graph and the pages' widths, in Debian's Chromium (Playwright).

The drawn graph is checked against the evidence: one node per account (or traveller,
transport, destination), one edge per ordered pair, each transaction counted once even when
two alerts of the scheme name it.  Widths: no page scrolls sideways at 1024x768 or at a
200%-zoom viewport (640x384 CSS pixels).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from test_ui_support import T0, LiveServer, _alert, add_users, insert, seed, serve

from api.app import create_app
from engine import cases, graph

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
LAYER1, LAYER2, SINK = ["L1a", "L1b", "L1c"], ["L2a", "L2b", "L2c"], "LS"
FAN_SENDERS = [f"F{i:02d}" for i in range(30)]
BOTH = [f"G{i:02d}" for i in range(6)]  # each pays both the hub and its onward receiver


def _party(pid: str, name: str, **kw: Any) -> dict[str, Any]:
    return {"party_id": pid, "party_type": "individual", "name": name, "country": "SG", "_batch_id": 1, **kw}


def _account(aid: str, pid: str) -> dict[str, Any]:
    return {"account_id": aid, "party_id": pid, "institution_id": "BANK1", "country": "SG",
            "account_type": "current", "currency": "USD", "opened_on": "2020-01-01", "_batch_id": 1}


def _txn(tid: str, src: str, dst: str, amount: float, hours: float) -> dict[str, Any]:
    return {"txn_id": tid, "timestamp": T0 + timedelta(hours=hours), "channel": "wire", "from_account": src,
            "to_account": dst, "amount": amount, "currency": "USD", "amount_base": amount, "_batch_id": 1}


def _edges(txns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"txn_id": t["txn_id"], "ts": t["timestamp"], "src": t["from_account"], "dst": t["to_account"],
             "amount": t["amount_base"]} for t in txns]


def seed_graphs(con: Any) -> dict[str, Any]:
    """A layering block named by two overlapping alerts, a fan-in of 30 one-off senders, and
    three travellers on one flight."""
    accounts = LAYER1 + LAYER2 + [SINK]
    insert(con, "parties", [_party(f"PL-{a}", f"Layer Owner {a}", is_pep=(a == "L1a")) for a in accounts])
    insert(con, "accounts", [_account(a, f"PL-{a}") for a in accounts])
    block = [_txn(f"TB{i}{j}", s, d, 10_000 + 100 * i + j, hours=i * 3 + j) for i, s in enumerate(LAYER1)
             for j, d in enumerate(LAYER2)]
    block.append(_txn("TB00b", "L1a", "L2a", 4_000, hours=1.5))  # a second transfer between the same pair
    out = [_txn(f"TS{j}", d, SINK, 29_000 + j, hours=20 + j) for j, d in enumerate(LAYER2)]
    insert(con, "transactions", block + out)
    owners = graph.owners(con, accounts)
    roles1 = {**{a: "layer1" for a in LAYER1}, **{a: "layer2" for a in LAYER2}}
    roles2 = {**{a: "layer2" for a in LAYER2}, SINK: "layer3"}
    end = T0 + timedelta(days=2)
    first, second = block, out + block[:4]  # the second alert names four of the first's transfers again
    _alert(con, "AL-LAY1", "ML-NET-05", "PL-L1a", 0.8, [t["txn_id"] for t in first], "Layering block one.",
           graph.subgraph_details(_edges(first), roles1, owners), end)
    _alert(con, "AL-LAY2", "ML-NET-05", "PL-L1a", 0.75, [t["txn_id"] for t in second], "Layering block two.",
           graph.subgraph_details(_edges(second), roles2, owners), end)

    insert(con, "parties", [_party("PH", "Hub Holder")] + [_party(f"PF{a}", f"Sender {a}") for a in FAN_SENDERS + BOTH]
           + [_party("PO", "Onward Receiver")])
    insert(con, "accounts", [_account("H1", "PH"), _account("O1", "PO")]
           + [_account(a, f"PF{a}") for a in FAN_SENDERS + BOTH])
    fan = [_txn(f"TF{i:02d}", a, "H1", 1_500 + i, hours=30 + i) for i, a in enumerate(FAN_SENDERS)]
    fan.append(_txn("TFO", "H1", "O1", 40_000, hours=70))
    fan += [_txn(f"TG{i:02d}{d}", a, d, 300 + i, hours=72 + i) for i, a in enumerate(BOTH) for d in ("H1", "O1")]
    insert(con, "transactions", fan)
    roles = {"H1": "hub", **{a: "source" for a in FAN_SENDERS + BOTH}, "O1": "sink"}
    _alert(con, "AL-FAN", "ML-NET-01", "PH", 0.7, [t["txn_id"] for t in fan], "30 senders paid one account.",
           graph.subgraph_details(_edges(fan), roles, graph.owners(con, list(roles))), end)

    insert(con, "parties", [_party(f"PC{i}", f"Traveller {i}") for i in range(3)])
    insert(con, "cash_declarations", [
        {"declaration_id": f"CD{i}", "timestamp": T0 + timedelta(minutes=5 * i), "traveller_name": f"Traveller {i}",
         "party_id": f"PC{i}", "direction": "outbound", "port": "SIN", "origin_country": "SG",
         "destination_country": "TR", "amount": 9_500 + 10 * i, "currency": "USD", "amount_base": 9_500 + 10 * i,
         "declared": True, "transport_ref": "TK055", "_batch_id": 1} for i in range(3)])
    _alert(con, "AL-COURIER", "TF-CASH-03", "PC0", 0.6, ["CD0", "CD1", "CD2"],
           "One of 3 travellers on TK055 carrying 9,500-9,520 USD each.", {"indicators": ["shared_transport"]}, end)
    # party risk tiers: only medium and high get a ring
    for pid, tier in (("PL-L1b", "high"), ("PL-L2a", "medium"), ("PL-L2b", "low")):
        con.execute("INSERT INTO party_risk_current VALUES (?, ?, 0.5, ?, 'v1', 'test', 'RUN-T', 'x')",
                    [pid, T0, tier])
    cases.sync_cases(con, actor="test")

    def case_of(subject: str) -> str:
        return str(con.execute("SELECT case_id FROM cases WHERE subject_id = ? ORDER BY case_id",
                               [subject]).fetchall()[0][0])

    return {"layering": case_of("PL-L1a"), "fan": case_of("PH"), "courier": case_of("PC0"),
            "txns": {t["txn_id"] for t in block + out}, "pairs": {(t["from_account"], t["to_account"]) for t in block + out}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: install it with `make browser`."
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    app = create_app(":memory:", demo=True, scheduler=False)
    with app.state.db.writing() as con:
        ids = {**seed(con), **seed_graphs(con)}
        add_users(con)
    server: LiveServer = serve(app)
    try:
        yield {"url": server.url, "app": app, "ids": ids}
    finally:
        server.stop()


@pytest.fixture()
def tab(browser: Any, live: dict[str, Any]) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    host = urlparse(live["url"]).netloc
    off_site: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: None if urlparse(r.url).netloc == host or r.url.startswith("data:")
            else off_site.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live["url"] + "/ui/demo-login?as=analyst")
    yield page
    ctx.close()
    assert off_site == [], f"requests left the server: {off_site}"
    assert errors == [], f"script errors: {errors}"


def drawn(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => { const cy = window.ctfmonGraph; return {
        nodes: cy.nodes().map(n => ({id: n.id(), label: n.data('label'), role: n.data('role'), kind: n.data('kind'),
                                     ring: n.data('ring'), x: n.position('x'), y: n.position('y')})),
        edges: cy.edges().map(e => ({s: e.source().id(), t: e.target().id(), count: e.data('count'),
                                     label: e.data('label'), txns: e.data('txn_ids')})) }; }""")


def test_layering_case_draws_each_transaction_once_left_to_right(tab: Any, live: dict[str, Any]) -> None:
    ids = live["ids"]
    tab.goto(f"{live['url']}/ui/cases/{ids['layering']}")
    tab.wait_for_selector("#cy[data-drawn]")
    g = drawn(tab)
    assert tab.locator("#cy").get_attribute("data-layout") == "layered"
    # nodes: the seven accounts; edges: one per ordered pair (12), not one per alert's mention (17)
    assert sorted(n["id"] for n in g["nodes"]) == sorted(LAYER1 + LAYER2 + [SINK])
    assert {(e["s"], e["t"]) for e in g["edges"]} == ids["pairs"] and len(g["edges"]) == 12
    # each transaction once: the counts add up to the evidence table's rows
    evidence_rows = tab.get_by_test_id("evidence-transactions").locator("tbody tr").count()
    assert sum(e["count"] for e in g["edges"]) == evidence_rows == len(ids["txns"]) == 13
    assert sorted(t for e in g["edges"] for t in e["txns"]) == sorted(ids["txns"])
    parallel = next(e for e in g["edges"] if (e["s"], e["t"]) == ("L1a", "L2a"))
    assert parallel["count"] == 2 and parallel["label"].startswith("2 transfers · 14,000")
    assert tab.locator("#cy").get_attribute("data-transactions") == "13"
    # left to right: every layer-1 account left of every layer-2 account, the sink rightmost
    x = {n["id"]: n["x"] for n in g["nodes"]}
    assert max(x[a] for a in LAYER1) < min(x[a] for a in LAYER2) < x[SINK]
    # rings only for the parties rated high (L1b) and medium (L2a)
    assert {n["id"] for n in g["nodes"] if n["ring"]} == {"L1b", "L2a"}
    legend = tab.get_by_test_id("graph-legend").inner_text()
    assert "ring: party rated high risk" in legend and "ring: party rated medium risk" in legend
    assert "first layer" in legend and "second layer" in legend
    # the subject's PEP status on the subject panel
    assert tab.get_by_test_id("subject-pep").inner_text() == "yes: politically exposed person"


def test_fan_in_is_radial_labelled_and_folds_its_one_off_senders(tab: Any, live: dict[str, Any]) -> None:
    tab.goto(f"{live['url']}/ui/cases/{live['ids']['fan']}")
    tab.wait_for_selector("#cy[data-drawn]")
    assert tab.locator("#cy").get_attribute("data-layout") == "radial"
    g = drawn(tab)
    # 38 accounts: the 30 one-off senders fold into one node with one edge of 30 transfers, the
    # 6 accounts paying both the hub and the receiver into another with an edge to each
    assert sorted(n["kind"] for n in g["nodes"]) == ["account", "account", "fold", "fold"]
    folds = sorted((e["t"], e["count"]) for e in g["edges"] if e["s"].startswith("fold:"))
    assert folds == [("H1", 6), ("H1", 30), ("O1", 6)]
    labels = sorted(n["label"] for n in g["nodes"] if n["kind"] == "fold")
    assert labels == ["+30 accounts paying Hub Holder\n(select to show)",
                      "+6 accounts with the same 2 counterparties\n(select to show)"]
    assert sum(e["count"] for e in g["edges"]) == 43
    tab.get_by_test_id("graph-toggle").click()
    g = drawn(tab)
    assert len(g["nodes"]) == 38 and len(g["edges"]) == 43
    assert sum(e["count"] for e in g["edges"]) == 43
    # every account labelled (no anonymous dots), senders left of the hub, the receiver right
    assert all(n["label"] for n in g["nodes"])
    x = {n["id"]: n["x"] for n in g["nodes"]}
    assert max(x[a] for a in FAN_SENDERS) < x["H1"] < x["O1"]
    # selecting the folded node unfolds it too
    tab.get_by_test_id("graph-toggle").click()
    assert tab.locator("#cy").get_attribute("data-drawn") == "4"
    tab.evaluate("window.ctfmonGraph.nodes('[kind = \"fold\"]').first().emit('tap')")
    assert tab.locator("#cy").get_attribute("data-drawn") in ("9", "33")  # one of the two unfolded


def test_courier_case_is_travellers_flight_destination(tab: Any, live: dict[str, Any]) -> None:
    tab.goto(f"{live['url']}/ui/cases/{live['ids']['courier']}")
    tab.wait_for_selector("#cy[data-drawn]")
    assert tab.locator("#cy").get_attribute("data-source") == "courier"
    g = drawn(tab)
    kinds = sorted(n["kind"] for n in g["nodes"])
    assert kinds == ["destination", "transport", "traveller", "traveller", "traveller"]
    assert {n["label"] for n in g["nodes"]} >= {"Traveller 0", "Traveller 1", "Traveller 2", "TK055 from SIN", "TR"}
    legs = {(e["s"], e["t"]): e for e in g["edges"]}
    assert len(legs) == 4 and legs[("transport:TK055", "country:TR")]["count"] == 3
    assert sorted(e["txns"][0] for e in g["edges"] if e["s"].startswith("traveller:")) == ["CD0", "CD1", "CD2"]
    x = {n["kind"]: n["x"] for n in g["nodes"]}
    assert x["traveller"] < x["transport"] < x["destination"]


#: Every table's right edge, or that of the box it scrolls in, against the window's width.
TABLES_FIT = """() => Array.from(document.querySelectorAll('main table')).filter(t => t.offsetParent !== null).map(t => {
    let box = t;
    while (box && box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
        box = box.parentElement; }
    const r = (box && box !== document.body ? box : t).getBoundingClientRect();
    return [t.getAttribute('data-testid') || t.className, Math.round(r.right)]; })"""


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 1024, "height": 768},
                                      {"width": 640, "height": 384}], ids=["1366x768", "1024x768", "200pct-zoom"])
def test_no_page_scrolls_sideways(browser: Any, live: dict[str, Any], viewport: dict[str, int]) -> None:
    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    page.goto(live["url"] + "/ui/demo-login?as=supervisor")
    ids = live["ids"]
    paths = ["/ui/cases", f"/ui/cases/{ids['layering']}", f"/ui/cases/{ids['courier']}",
             f"/ui/cases/{ids['structuring']}", "/ui/parties/PL-L1a", "/ui/dashboard", "/ui/scans",
             "/ui/schedules", "/ui/screening"]
    wide, clipped = {}, {}
    for path in paths:
        r = page.goto(live["url"] + path)
        assert r is not None and r.status == 200, path
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if sw > iw:
            wide[path] = (sw, iw)
        # open the collapsed tables too (the graph's arrows)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        over = [(name, right) for name, right in page.evaluate(TABLES_FIT) if right > iw]
        if over:
            clipped[path] = over
    ctx.close()
    assert wide == {}
    assert clipped == {}


def test_api_docs_work_offline(tab: Any, live: dict[str, Any]) -> None:
    tab.goto(live["url"] + "/docs")
    tab.wait_for_selector(".swagger-ui .info .title")
    assert "ctfmon" in tab.locator(".swagger-ui .info .title").inner_text()
    assert tab.locator(".opblock").count() > 10
