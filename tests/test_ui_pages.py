"""The analyst pages through FastAPI's TestClient: sign-in and redirects, demo sign-in only
in demo mode, the queue's filters/sorting/pages, the case page's data, role checks and
errors in words, scans and schedules."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_ui_support import EXTRA_CASES, add_users, seed

from api.app import create_app
from api.ui.session import COOKIE, csrf_for
from engine import auth, cases


class World:
    def __init__(self, demo: bool = False) -> None:
        self.app = create_app(":memory:", demo=demo, scheduler=False)
        with self.app.state.db.writing() as con:
            self.ids = seed(con)
            self.tokens = add_users(con)
        self.anon = TestClient(self.app, follow_redirects=False)
        self.sessions: dict[str, str] = {}

    def session(self, role: str) -> str:
        """A signed-in page session of the role's user (its id, as the cookie holds it)."""
        if role not in self.sessions:
            with self.app.state.db.writing() as con:
                self.sessions[role] = auth.start_session(con, self.tokens[role], hours=1)[0]
        return self.sessions[role]

    def client(self, role: str) -> TestClient:
        c = TestClient(self.app, follow_redirects=False)
        c.cookies.set(COOKIE, self.session(role))
        return c

    def csrf(self, role: str) -> str:
        return csrf_for(self.session(role))

    def sign_in(self, client: TestClient, token: str, next: str = "/ui/cases") -> Any:
        """Sign in through the form, as a browser does (the form's CSRF field and cookie)."""
        form = client.get("/ui/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        return client.post("/ui/login", data={"token": token, "next": next, "csrf": csrf})

    def case(self, case_id: str) -> dict[str, Any]:
        with self.app.state.db.reading() as con:
            return cases.get_case(con, case_id)


@pytest.fixture
def w() -> World:
    return World()


def text(html: str) -> str:
    """Visible text of a page, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def case_ids_in(html: str) -> list[str]:
    return re.findall(r'class="case-link">([^<]+)<', html)


# --------------------------------------------------------------------------- sign-in
def test_every_page_answers_200_signed_in_and_redirects_to_sign_in_without(w: World) -> None:
    c = w.client("analyst")
    with w.app.state.db.writing() as con:
        con.execute("INSERT INTO scans (scan_id, started_at, finished_at, as_of, window_start, window_end, "
                    "typologies, params, status, counts, timings, errors, triggered_by) VALUES "
                    "('SC-X', now(), now(), now(), now(), now(), ['TF-CASH-01'], '{}', 'completed', "
                    "'{\"TF-CASH-01\": {\"alerts\": 2, \"new\": 1}}', '{\"TF-CASH-01\": 0.1}', '{}', 'cli')")
    pages = ["/ui/cases", f"/ui/cases/{w.ids['structuring']}", f"/ui/cases/{w.ids['cycle']}", "/ui/dashboard",
             "/ui/scans", "/ui/scans/SC-X", "/ui/schedules"]
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert "Signed in as" in r.text and ">ana<" in r.text
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
        anon = w.anon.get(url)
        assert anon.status_code == 303, url
        assert anon.headers["location"].startswith("/ui/login?next=%2Fui%2F")
    assert w.anon.get("/ui/").headers["location"] == "/ui/cases"


def test_sign_in_with_a_token_sets_an_httponly_cookie_and_returns_to_the_page(w: World) -> None:
    c = TestClient(w.app, follow_redirects=False)
    r = w.sign_in(c, w.tokens["supervisor"], "/ui/dashboard")
    assert r.status_code == 303 and r.headers["location"] == "/ui/dashboard"
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    # an off-site "next" is never followed
    r = w.sign_in(TestClient(w.app, follow_redirects=False), w.tokens["supervisor"], "https://evil.example/")
    assert r.headers["location"] == "/ui/cases"


def test_a_bad_token_is_refused_in_words(w: World) -> None:
    c = TestClient(w.app, follow_redirects=False)
    r = w.sign_in(c, "ctf_nope")
    assert r.status_code == 401
    assert "That token is not valid" in r.text and f"{COOKIE}=" not in r.headers.get("set-cookie", "")
    r = w.sign_in(c, "  ")
    assert r.status_code == 401 and "Enter your API token." in r.text


def test_a_stale_cookie_sends_you_to_sign_in(w: World) -> None:
    c = TestClient(w.app, follow_redirects=False)
    c.cookies.set(COOKIE, "ctf_revoked_or_unknown")
    assert c.get("/ui/cases").status_code == 303


def test_sign_out_clears_the_cookie_and_needs_the_form_field(w: World) -> None:
    c = w.client("analyst")
    assert c.post("/ui/logout", data={}).status_code == 403
    r = c.post("/ui/logout", data={"csrf": w.csrf("analyst")})
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    assert f'{COOKIE}=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]


def test_demo_sign_in_exists_only_in_demo_mode() -> None:
    plain = World(demo=False)
    assert plain.anon.get("/ui/demo-login?as=analyst").status_code == 404
    assert "demo-login" not in plain.anon.get("/ui/login").text
    demo = World(demo=True)
    r = demo.anon.get("/ui/demo-login?as=analyst")
    assert r.status_code == 303 and r.headers["location"] == "/ui/cases"
    session = r.cookies.get(COOKIE) or re.search(rf"{COOKIE}=([^;]+)", r.headers["set-cookie"]).group(1)
    assert session != demo.app.state.demo_tokens["demo-analyst"]  # a session id, never the token
    c = TestClient(demo.app)
    c.cookies.set(COOKIE, session)
    page = c.get("/ui/cases")
    assert page.status_code == 200 and "demo-analyst" in page.text and ">analyst<" in page.text
    bad = demo.anon.get("/ui/demo-login?as=root")
    assert bad.status_code == 422 and "no demo user for role 'root'" in text(bad.text)
    assert "/ui/demo-login?as=supervisor" in demo.anon.get("/ui/login").text


# --------------------------------------------------------------------------- queue
def test_queue_pages_sorts_and_filters(w: World) -> None:
    c = w.client("analyst")
    total = EXTRA_CASES + 2
    first = c.get("/ui/cases")
    assert f"{total} cases" in text(first.text)
    ids1 = case_ids_in(first.text)
    assert len(ids1) == 25
    ids2 = case_ids_in(c.get("/ui/cases?page=2").text)
    assert len(ids2) == total - 25 and not set(ids1) & set(ids2)
    # default: highest risk first (the structuring case with 0.9/0.6 alerts leads)
    with w.app.state.db.reading() as con:
        by_risk = [r[0] for r in con.execute("SELECT case_id FROM cases ORDER BY risk_score DESC, due_at, case_id").fetchall()]
        by_age = [r[0] for r in con.execute("SELECT case_id FROM cases ORDER BY created_at, risk_score DESC, case_id").fetchall()]
    assert ids1 == by_risk[:25] and ids1[0] == w.ids["structuring"]
    assert case_ids_in(c.get("/ui/cases?sort=age").text) == by_age[:25]
    assert by_age != by_risk
    typ = c.get("/ui/cases?typology=ML-NET-03")
    assert case_ids_in(typ.text) == [w.ids["cycle"]] and "1 case<" in typ.text
    risky = case_ids_in(c.get("/ui/cases?min_risk=0.6").text)
    expected = [cid for cid in by_risk if w.case(cid)["risk_score"] >= 0.6]
    assert risky == expected and 0 < len(risky) < total
    assert len(case_ids_in(c.get("/ui/cases?assignee=-").text)) == 25
    assert case_ids_in(c.get("/ui/cases?assignee=ana").text) == []
    assert "No cases match these filters." in c.get("/ui/cases?state=str_filed").text
    # filters survive paging
    page2 = c.get("/ui/cases?sort=age&state=new")
    assert 'href="/ui/cases?state=new&amp;sort=age&amp;page=2"' in page2.text


def test_queue_refuses_bad_filters_in_words(w: World) -> None:
    c = w.client("analyst")
    r = c.get("/ui/cases?sort=colour")
    assert r.status_code == 422 and "unknown sort 'colour'; expected one of risk, age" in text(r.text)
    r = c.get("/ui/cases?min_risk=high")
    assert r.status_code == 422 and "is not a number" in text(r.text)
    r = c.get("/ui/cases?state=open")
    assert r.status_code == 422 and "unknown state 'open'" in text(r.text)


# --------------------------------------------------------------------------- case page
def graph_data(html: str) -> dict[str, Any]:
    import json

    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    assert m, "no graph data on the page"
    return json.loads(m.group(1))


def test_case_page_shows_alerts_evidence_timeline_and_the_alert_subgraph(w: World) -> None:
    c = w.client("analyst")
    cid = w.ids["cycle"]
    html = c.get(f"/ui/cases/{cid}").text
    t = text(html)
    assert "Orchid Trading Pte Ltd" in t and "ML-NET-03" in t
    assert "A 3-hop cycle returned 92% of 50,000 USD" in t
    g = graph_data(html)
    expected = w.case(cid)["graph"]
    assert expected["source"] == "alerts"
    assert sorted(n["data"]["id"] for n in g["nodes"]) == sorted(n["id"] for n in expected["nodes"]) == ["A2", "A4", "A5"]
    assert len(g["edges"]) == 3
    labels = {tuple(e["data"]["txn_ids"]): e["data"]["label"] for e in g["edges"]}
    assert labels[("TW2",)] == "50,000 · 2026-03-08"
    roles = {n["data"]["id"]: n["data"]["role"] for n in g["nodes"]}
    assert roles == {"A2": "origin", "A4": "member", "A5": "member"}
    # the cycle's origin A2 belongs to P2, whose open case carries the risk ring
    risk = {n["data"]["id"]: n["data"]["risk"] for n in g["nodes"]}
    assert risk["A2"] == pytest.approx(w.case(cid)["risk_score"], abs=1e-3) and risk["A4"] == 0
    for txn in ("TW2", "TW3", "TW4"):
        assert f"<td>{txn}</td>" in html
    # timeline in time order
    tl = re.search(r'data-testid="timeline">(.*?)</table>', html, re.S).group(1)
    assert [m for m in re.findall(r"transaction (TW\d)", tl)] == ["TW2", "TW3", "TW4"]


def test_case_without_a_subgraph_draws_the_subjects_neighbourhood(w: World) -> None:
    c = w.client("analyst")
    cid = w.ids["structuring"]
    html = c.get(f"/ui/cases/{cid}").text
    g = graph_data(html)
    expected = w.case(cid)["graph"]
    assert expected["source"] == "neighbourhood"
    ids = sorted(n["data"]["id"] for n in g["nodes"])
    assert ids == sorted(n["id"] for n in expected["nodes"])
    assert {"A1", "A6", "X9"} <= set(ids)
    subject = [n["data"]["id"] for n in g["nodes"] if n["data"]["subject"]]
    assert subject == ["A1"]
    t = text(html)
    # direction relative to the subject: cash deposits in, the wire to SY out
    tl = re.search(r'data-testid="timeline">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"transaction (T\w+).*?dir-(\w+)", tl, re.S)
    assert rows == [("TC0", "in"), ("TC1", "in"), ("TC2", "in"), ("TC3", "in"), ("TW1", "out")]
    assert "Omar Haddad" in t and "Amina Yusuf" in t and "S9012345A" in t


def test_unknown_case_is_a_404_page(w: World) -> None:
    r = w.client("analyst").get("/ui/cases/CASE-9999999")
    assert r.status_code == 404 and "no case 'CASE-9999999'" in r.text.replace("&#39;", "'")


# --------------------------------------------------------------------------- case actions
def test_analyst_adds_a_note_and_escalates(w: World) -> None:
    c = w.client("analyst")
    cid, csrf = w.ids["cycle"], w.csrf("analyst")
    r = c.post(f"/ui/cases/{cid}/notes", data={"csrf": csrf, "text": "Called the bank; funds returned."})
    assert r.status_code == 303 and r.headers["location"] == f"/ui/cases/{cid}"
    page = c.get(f"/ui/cases/{cid}")
    assert "Note added." in page.text and "Called the bank; funds returned." in page.text
    assert 'data-testid="to-in_review"' in page.text and 'data-testid="to-escalated"' not in page.text
    assert c.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": "in_review"}).status_code == 303
    assert "Case moved to In review." in c.get(f"/ui/cases/{cid}").text
    assert c.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": "escalated", "reason": "cycle unexplained"}).status_code == 303
    case = w.case(cid)
    assert case["state"] == "escalated" and case["assignee"] == "ana"
    assert [n["text"] for n in case["notes"]] == ["Called the bank; funds returned."]


def test_forms_without_the_csrf_field_change_nothing(w: World) -> None:
    c = w.client("analyst")
    cid = w.ids["cycle"]
    r = c.post(f"/ui/cases/{cid}/notes", data={"text": "forged"})
    assert r.status_code == 403 and "reload the page" in r.text
    r = c.post(f"/ui/cases/{cid}/notes", data={"text": "forged", "csrf": w.csrf("supervisor")})
    assert r.status_code == 403
    assert w.case(cid)["notes"] == []


def test_an_illegal_transition_shows_the_allowed_states(w: World) -> None:
    c = w.client("supervisor")
    cid = w.ids["cycle"]
    r = c.post(f"/ui/cases/{cid}/transition", data={"csrf": w.csrf("supervisor"), "to": "str_filed", "reason": "x"})
    assert r.status_code == 409
    assert f"case {cid} is new: cannot move to str_filed; allowed: in_review" in text(r.text)
    assert w.case(cid)["state"] == "new"


def test_analyst_cannot_do_supervisor_actions(w: World) -> None:
    c = w.client("analyst")
    cid, csrf = w.ids["cycle"], w.csrf("analyst")
    page = c.get(f"/ui/cases/{cid}").text
    assert 'id="assignee"' not in page
    r = c.post(f"/ui/cases/{cid}/assign", data={"csrf": csrf, "assignee": "ana"})
    assert r.status_code == 403
    assert "Assigning cases needs the supervisor role; you are signed in as ana (analyst)." in text(r.text)
    assert w.case(cid)["assignee"] is None
    r = c.post(f"/ui/cases/{cid}/goaml", data={"csrf": csrf})
    assert r.status_code == 403 and "Exporting goAML reports needs the supervisor role" in text(r.text)
    # a disposition by an analyst is only a proposal, shown as such
    c.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": "in_review"})
    r = c.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": "closed_false_positive", "reason": ""})
    assert r.status_code == 422 and "needs a reason" in text(r.text)
    r = c.post(f"/ui/cases/{cid}/transition",
               data={"csrf": csrf, "to": "closed_false_positive", "reason": "salary loop"})
    assert r.status_code == 303
    page = c.get(f"/ui/cases/{cid}").text
    assert "Proposed Closed: false positive; a supervisor must approve it." in text(page)
    assert "A supervisor approves or rejects it." in page and w.case(cid)["state"] == "in_review"
    sup = w.client("supervisor").get(f"/ui/cases/{cid}").text
    assert "Approve: close as false positive" in sup and "Reject proposal" in sup


@pytest.mark.slow
def test_supervisor_assigns_rejects_and_exports_goaml(w: World) -> None:
    c = w.client("supervisor")
    cid, csrf = w.ids["structuring"], w.csrf("supervisor")
    r = c.post(f"/ui/cases/{cid}/goaml", data={"csrf": csrf})
    assert r.status_code == 409 and "escalated" in r.text
    assert c.post(f"/ui/cases/{cid}/assign", data={"csrf": csrf, "assignee": "ana"}).status_code == 303
    assert w.case(cid)["assignee"] == "ana"
    r = c.post(f"/ui/cases/{cid}/assign", data={"csrf": csrf, "assignee": "ada"})
    assert r.status_code == 422 and "cases go to active analysts or supervisors" in text(r.text)
    r = c.post(f"/ui/cases/{cid}/reject", data={"csrf": csrf, "reason": "no"})
    assert r.status_code == 409 and "has no pending disposition proposal" in text(r.text)
    for to in ("in_review", "escalated"):
        assert c.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": to, "reason": "escalation reason"}).status_code == 303
    page = c.get(f"/ui/cases/{cid}").text
    assert 'data-testid="goaml"' in page
    r = c.post(f"/ui/cases/{cid}/goaml", data={"csrf": csrf})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert r.headers["content-disposition"] == f'attachment; filename="{cid}-goaml.xml"'
    assert r.content.startswith(b"<?xml") and b"<report" in r.content and b"Amina" in r.content


# --------------------------------------------------------------------------- dashboard
def test_dashboard_counts(w: World) -> None:
    html = w.client("auditor").get("/ui/dashboard").text
    t = text(html)
    total = EXTRA_CASES + 2
    assert f"{total} open cases" in t and f"{total} unassigned" in t
    weekly = re.search(r'data-testid="weekly">(.*?)</table>', html, re.S).group(1)
    assert "TF-CASH-01" in weekly and "ML-NET-03" in weekly
    open_cases = re.search(r'data-testid="open-cases">(.*?)</table>', html, re.S).group(1)
    new_row = re.search(r"New</a></th>(.*?)</tr>", open_cases, re.S).group(1)
    cells = [int(x) for x in re.findall(r'<td class="num">(\d+)</td>', new_row)]
    assert sum(cells) == total and cells[0] > 0 and cells[-1] > 0  # young and >90-day-old cases


# --------------------------------------------------------------------------- scans
def test_scans_start_poll_and_show_results(w: World) -> None:
    analyst = w.client("analyst")
    assert "Starting scans needs the supervisor or admin role" in analyst.get("/ui/scans").text
    r = analyst.post("/ui/scans", data={"csrf": w.csrf("analyst"), "typology_ids": ["TF-CASH-01"]})
    assert r.status_code == 403
    c = w.client("supervisor")
    r = c.post("/ui/scans", data={"csrf": w.csrf("supervisor"), "typology_ids": ["TF-NOPE-9"]})
    assert r.status_code == 404 and "TF-NOPE-9" in r.text
    r = c.post("/ui/scans", data={"csrf": w.csrf("supervisor"), "lookback_days": "zero"})
    assert r.status_code == 422 and "expected a whole number of days" in r.text
    r = c.post("/ui/scans", data={"csrf": w.csrf("supervisor"), "typology_ids": ["TF-CASH-01", "TF-XB-01"]})
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/scans/run/")
    job_url = r.headers["location"]
    deadline = time.monotonic() + 30
    while True:
        frag = c.get(job_url + "?fragment=1").text
        if 'data-running="0"' in frag:
            break
        assert 'hx-trigger="every 1s"' in frag
        assert time.monotonic() < deadline, frag
        time.sleep(0.1)
    assert "<html" not in frag and 'data-testid="scan-counts"' in frag
    assert "TF-CASH-01" in frag and "TF-XB-01" in frag and 'data-testid="scan-cases"' in frag
    scan_id = re.search(r"by ui:sam:[0-9a-f]+", frag)
    assert scan_id
    listing = c.get("/ui/scans").text
    sid = re.findall(r'href="/ui/scans/(SC-[^"]+)"', listing)[0]
    assert "completed" in c.get(f"/ui/scans/{sid}").text
    assert c.get("/ui/scans/run/nope").status_code == 404


# --------------------------------------------------------------------------- schedules
def test_admin_manages_schedules_others_read(w: World) -> None:
    c, csrf = w.client("admin"), w.csrf("admin")
    r = c.post("/ui/schedules", data={"csrf": csrf, "name": "nightly", "trigger": "cron", "cron": "0 2 * *"})
    assert r.status_code == 422 and "expected 5 fields" in text(r.text)
    assert 'value="nightly"' in r.text  # the form keeps what was typed
    r = c.post("/ui/schedules", data={"csrf": csrf, "name": "nightly", "trigger": "cron", "cron": "0 2 * * *",
                                      "lookback_days": "30", "typology_ids": ["TF-CASH-01"]})
    assert r.status_code == 303
    page = c.get("/ui/schedules").text
    assert "Schedule &#39;nightly&#39; created." in page and "<code>0 2 * * *</code>" in page
    sid = re.search(r"(SCH-[0-9a-f]+)", page).group(1)
    assert c.post(f"/ui/schedules/{sid}/toggle", data={"csrf": csrf}).status_code == 303
    assert "paused" in c.get("/ui/schedules").text
    r = c.post(f"/ui/schedules/{sid}/run", data={"csrf": csrf})
    assert r.status_code == 303
    ran = c.get("/ui/schedules").text
    assert "Schedule ran: scan SC-" in ran and "completed" in ran
    analyst = w.client("analyst")
    listing = analyst.get("/ui/schedules").text
    assert "nightly" in listing and "Managing schedules needs the admin role" in listing and "Run now" not in listing
    r = analyst.post(f"/ui/schedules/{sid}/delete", data={"csrf": w.csrf("analyst")})
    assert r.status_code == 403 and "Managing schedules needs the admin role" in text(r.text)
    assert c.post(f"/ui/schedules/{sid}/delete", data={"csrf": csrf}).status_code == 303
    assert "No schedules." in c.get("/ui/schedules").text


# --------------------------------------------------------------------------- assets
def test_vendored_assets_are_served_and_nothing_points_off_site(w: World) -> None:
    for name in ("vendor/cytoscape-3.33.1.min.js", "vendor/htmx-2.0.4.min.js", "app.css", "graph.js"):
        r = w.anon.get(f"/ui/static/{name}")
        assert r.status_code == 200 and len(r.content) > 500, name
    assert w.anon.get("/ui/static/../pages.py").status_code == 404
    assert w.anon.get("/ui/static/%2e%2e/pages.py").status_code == 404
    html = w.client("analyst").get(f"/ui/cases/{w.ids['cycle']}").text
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_parallel_transfers_are_drawn_as_one_labelled_edge(w: World) -> None:
    from api.ui import views

    case = {**w.case(w.ids["cycle"]), "graph": {"source": "alerts", "nodes": [
        {"id": "A2", "role": "origin", "party_id": "P2"}, {"id": "A4", "role": "member"}, "ZZ"],
        "edges": [
            {"txn_id": "T1", "from": "A2", "to": "A4", "amount": 1000.0, "timestamp": "2026-03-01T10:00:00"},
            {"txn_id": "T2", "from": "A2", "to": "A4", "amount": 2500.5, "timestamp": "2026-03-04T10:00:00"},
            {"txn_id": "T3", "from": "A4", "to": "A2", "amount": 900.0, "timestamp": "2026-03-05T10:00:00"},
            {"txn_id": "T4", "from": "A4", "to": "NOT-DRAWN", "amount": 5.0, "timestamp": "2026-03-05T10:00:00"},
        ]}}
    with w.app.state.db.reading() as con:
        g = views.graph_elements(con, case)
    edges = {(e["data"]["source"], e["data"]["target"]): e["data"] for e in g["elements"]["edges"]}
    assert set(edges) == {("A2", "A4"), ("A4", "A2")}
    assert edges[("A2", "A4")]["label"] == "2 transfers · 3,500 · 2026-03-01..2026-03-04"
    assert edges[("A2", "A4")]["txn_ids"] == ["T1", "T2"] and edges[("A2", "A4")]["amount"] == 3500.5
    assert edges[("A4", "A2")]["label"] == "900 · 2026-03-05"
    nodes = {n["data"]["id"]: n["data"] for n in g["elements"]["nodes"]}
    assert set(nodes) == {"A2", "A4", "ZZ"} and nodes["A2"]["subject"] and not nodes["A4"]["subject"]
    assert nodes["ZZ"]["role"] == "counterparty"
    legend = {item["colour"]: item["label"] for item in g["legend"] if item["kind"] == "node"}
    assert legend == {views.ROLE_COLOURS["origin"]: "where the money started",
                      views.ROLE_COLOURS["member"]: "part of the loop",
                      views.ROLE_COLOURS["counterparty"]: "other account"}
    assert g["transactions"] == 3  # T4 goes to an account outside the drawing


def test_the_site_root_opens_the_pages() -> None:
    plain = World(demo=False)
    assert plain.anon.get("/").headers["location"] == "/ui/login"
    assert plain.client("analyst").get("/").headers["location"] == "/ui/cases"
    demo = World(demo=True)
    r = demo.anon.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/ui/demo-login?as=analyst"
    # following it signs the visitor in as the demo analyst and lands on the queue
    c = TestClient(demo.app)
    page = c.get("/")
    assert page.status_code == 200 and str(page.url).endswith("/ui/cases") and "demo-analyst" in page.text
    assert demo.client("supervisor").get("/").headers["location"] == "/ui/cases"
    assert plain.anon.get("/health").json()["status"] == "ok"


def test_roles_without_a_move_are_told_who_can(w: World) -> None:
    cid = w.ids["cycle"]
    page = text(w.client("auditor").get(f"/ui/cases/{cid}").text)
    assert "Your role (auditor) cannot move this case: In review needs the analyst or supervisor role." in page
    assert "Adding notes needs the analyst or supervisor role." in page
    sup, csrf = w.client("supervisor"), w.csrf("supervisor")
    for to, reason in (("in_review", ""), ("closed_no_action", "known payroll loop")):
        sup.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": to, "reason": reason})
    assert w.case(cid)["state"] == "closed_no_action"
    page = text(w.client("analyst").get(f"/ui/cases/{cid}").text)
    assert "Your role (analyst) cannot move this case: In review needs the supervisor role." in page
    assert "Reopen for review" in text(sup.get(f"/ui/cases/{cid}").text)
