"""The party 360 view (services.party360, GET /parties/{id}, /ui/parties/{id}), the queue's
filters (services.case_queue, /ui/cases) and bulk triage (services.case_bulk, POST /cases/bulk,
POST /ui/cases/bulk) over the seeded world of the page tests."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_search import extra
from test_ui_support import add_users, seed

from api.app import create_app
from api.ui.session import COOKIE, csrf_for
from engine import auth, cases
from engine.errors import CtfmonError, NotFound
from services import case_bulk, case_queue, party360


class World:
    def __init__(self) -> None:
        self.app = create_app(":memory:", scheduler=False)
        self.db = self.app.state.db
        with self.db.writing() as con:
            self.ids = seed(con)
            extra(con)
            self.tokens = add_users(con)
        self.sessions: dict[str, str] = {}

    def user(self, name: str) -> auth.User:
        with self.db.reading() as con:
            return auth.authenticate(con, self.tokens[{"ana": "analyst", "sam": "supervisor", "ada": "admin",
                                                       "aud": "auditor"}[name]])

    def api(self, role: str) -> TestClient:
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.tokens[role]}"})

    def page(self, role: str) -> tuple[TestClient, str]:
        if role not in self.sessions:
            with self.db.writing() as con:
                self.sessions[role] = auth.start_session(con, self.tokens[role], hours=1)[0]
        c = TestClient(self.app, follow_redirects=False)
        c.cookies.set(COOKIE, self.sessions[role])
        return c, csrf_for(self.sessions[role])

    def state(self, case_id: str) -> str:
        with self.db.reading() as con:
            return cases.get_case(con, case_id, full=False)["state"]

    def audit(self, case_id: str) -> list[str]:
        with self.db.reading() as con:
            return [r[0] for r in con.execute(
                "SELECT action FROM audit_log WHERE object_type = 'case' AND object_id = ? ORDER BY seq, audit_id",
                [case_id]).fetchall()]


@pytest.fixture
def w() -> World:
    return World()


def filler(w: World, n: int) -> list[str]:
    return [w.ids["all"][f"Q{i:03d}"] for i in range(n)]


# --------------------------------------------------------------------------- party 360
def test_party_360_gathers_everything_on_file(w: World) -> None:
    with w.db.reading() as con:
        v = party360.party_360(con, "P1")
    assert v["party"]["name"] == "Amina Yusuf" and v["party"]["is_pep"] is None
    assert v["party"]["id_number"] == "S9012345A" and v["party"]["nationality"] == "SG"
    [acc] = v["accounts"]
    # in: four cash deposits 9,400..9,900 and 12,000 from Karim Saleh; out: 30,000 to Syria
    assert (acc["account_id"], acc["transactions"], acc["total_in"], acc["total_out"]) == ("A1", 6, 50700.0, 30000.0)
    m = v["monthly"]
    # peers: the individuals moving money in March, P1 (in 50,700, out 30,000) and P6 (in 0, out 12,000)
    assert m["rows"] == [{"month": "2026-03", "in": 50700.0, "out": 30000.0, "peer_in": 25350.0,
                          "peer_out": 21000.0}]
    assert (m["baseline_in"], m["baseline_out"], m["peer_group"]) == (50700.0, 30000.0, "individual")
    cps = [(c["account_id"], c["total_in"], c["total_out"]) for c in v["counterparties"]]
    assert cps == [("X9", 0.0, 30000.0), ("A6", 12000.0, 0.0)]  # by value
    assert v["counterparties"][1]["party_id"] == "P6" and v["counterparties"][1]["name"] == "Karim Saleh"
    assert sorted(a["alert_id"] for a in v["alerts"]) == ["AL-CASH", "AL-XB"]
    assert [c["case_id"] for c in v["cases"]] == [w.ids["structuring"]]
    assert [d["declaration_id"] for d in v["declarations"]] == ["CD1"]
    assert v["trade_documents"] == []
    nb = v["neighbourhood"]
    assert {n["id"] for n in nb["nodes"]} >= {"A1", "A6", "X9"}
    assert [(p["party_id"], p["hop"]) for p in nb["parties"]] == [("P6", 1)]
    with w.db.reading() as con:
        trade = party360.party_360(con, "P4", neighbourhood=False)
        assert [(d["trade_id"], d["role"]) for d in trade["trade_documents"]] == [("TD-42", "importer")]
        assert trade["neighbourhood"] is None
        with pytest.raises(NotFound, match="no party 'NOPE'"):
            party360.party_360(con, "NOPE")


def test_peer_baseline_is_the_median_over_active_peers(w: World) -> None:
    with w.db.reading() as con:
        peers = party360.peer_months(con, "individual")
        business = party360.peer_months(con, "business")
    # March 2026: individuals P1 (in 50,700, out 30,000) and P6 (in 0, out 12,000): medians 25,350 / 21,000
    assert peers == {"2026-03": (25350.0, 21000.0)}
    # businesses P2 (in 46,000, out 50,000) and P4 (in 50,000, out 48,000)
    assert business == {"2026-03": (48000.0, 49000.0)}


def test_party_api_and_page(w: World) -> None:
    r = w.api("auditor").get("/parties/P1")
    assert r.status_code == 200
    body = r.json()
    assert body["party"]["party_id"] == "P1" and body["accounts"][0]["total_in"] == 50700.0
    assert body["monthly"]["rows"][0]["month"] == "2026-03" and len(body["alerts"]) == 2
    assert w.api("auditor").get("/parties/NOPE").status_code == 404
    assert w.api("auditor").get("/parties/P1?neighbourhood=false").json()["neighbourhood"] is None
    c, _ = w.page("analyst")
    html = c.get("/ui/parties/P8").text
    assert 'data-testid="party-pep"' in html and re.search(r'data-testid="party-is-pep">yes<', html)
    html = c.get("/ui/parties/P1").text
    assert re.search(r'data-testid="party-is-pep">not recorded<', html)
    assert 'data-months="1"' in html and "Karim Saleh" in html and "CD1" in html
    assert f'href="/ui/cases/{w.ids["structuring"]}"' in html
    assert 'href="/ui/parties/P6"' in html  # counterparty and neighbour link to their pages
    assert c.get("/ui/parties/NOPE").status_code == 404


# --------------------------------------------------------------------------- queue filters
def test_queue_filters(w: World) -> None:
    f = case_queue.parse({"jurisdiction": "sg", "awaiting": "", "opened_from": "", "sort": ""})
    assert f.jurisdiction == "SG" and not f.awaiting and f.sort == "risk"
    for bad, msg in (({"jurisdiction": "Singapore"}, "two-letter"), ({"opened_from": "March"}, "not a date"),
                     ({"opened_from": "2026-03-05", "opened_to": "2026-03-01"}, "is after"),
                     ({"min_risk": "2"}, "between 0 and 1"), ({"state": "open"}, "unknown state")):
        with pytest.raises(CtfmonError, match=msg):
            case_queue.parse(bad)
    with w.db.writing() as con:
        con.execute("UPDATE parties SET country = 'TR' WHERE party_id IN ('Q001', 'Q002')")
        created = dict(con.execute("SELECT case_id, created_at FROM cases").fetchall())
        now = datetime.now()

        def ids(**kw: Any) -> set[str]:
            rows, total = case_queue.queue(con, case_queue.QueueFilter(**kw), limit=100, offset=0, now=now)
            assert total == len(rows)
            return {r["case_id"] for r in rows}

        assert ids(jurisdiction="TR") == set(filler(w, 3)[1:])
        day = min(created.values()).date()
        oldest = {c for c, t in created.items() if t.date() == day}
        assert ids(opened_to=day) == oldest
        assert ids(opened_from=day) == set(created)
        assert ids(awaiting=True) == set()
        cases.transition(con, filler(w, 1)[0], "in_review", "", w.user("ana"))
        cases.transition(con, filler(w, 1)[0], "closed_false_positive", "salary", w.user("ana"))
        assert ids(awaiting=True) == set(filler(w, 1))
        [row], _ = case_queue.queue(con, case_queue.QueueFilter(awaiting=True), limit=5, offset=0, now=now)
        assert row["pending"] == "closed_false_positive" and row["jurisdiction"] == "SG"
    assert case_queue.QueueFilter(jurisdiction="TR", awaiting=True, sort="age").query() == {
        "sort": "age", "jurisdiction": "TR", "awaiting": "1"}


def test_queue_page_filters_names_and_saved_link(w: World) -> None:
    c, _ = w.page("analyst")
    html = c.get("/ui/cases").text
    name = w.app.state.catalogue["TF-CASH-01"].name
    assert name and name != "TF-CASH-01"
    assert f'<span class="chip" title="{name}">TF-CASH-01</span>' in html
    assert f">TF-CASH-01 · {name}</option>" in html
    assert 'data-testid="saved-filter"' not in html  # nothing filtered yet
    html = c.get("/ui/cases?jurisdiction=sg&awaiting=1&sort=age").text
    assert 'href="/ui/cases?sort=age&amp;jurisdiction=SG&amp;awaiting=1" data-testid="saved-filter"' in html
    assert "No cases match these filters." in html
    r = c.get("/ui/cases?opened_from=yesterday")
    assert r.status_code == 422 and "not a date; expected YYYY-MM-DD" in r.text


# --------------------------------------------------------------------------- bulk triage
def test_bulk_each_case_on_its_own_with_its_own_audit_entry(w: World) -> None:
    sam, ana = w.user("sam"), w.user("ana")
    three = filler(w, 3)
    with w.db.writing() as con:
        out = case_bulk.apply(con, [*three, three[0], "CASE-NOPE"], "transition", sam, to="in_review")
    assert [r["case_id"] for r in out.results] == [*three, "CASE-NOPE"]  # duplicates once, order kept
    assert [r["ok"] for r in out.results] == [True, True, True, False]
    assert out.results[3]["status"] == 404 and "no case 'CASE-NOPE'" in out.results[3]["error"]
    with w.db.writing() as con:
        # an analyst's closing is a proposal per case; a case still new is refused (not in review)
        out = case_bulk.apply(con, [three[0], three[1], filler(w, 4)[3]], "transition", ana,
                              to="closed_false_positive", reason="salary payments, known employer")
    assert [(r["ok"], r.get("outcome")) for r in out.results] == [(True, "proposed"), (True, "proposed"),
                                                                   (False, None)]
    assert "cannot move to closed_false_positive" in out.results[2]["error"]
    with w.db.writing() as con:  # proposing again: refused per case, the third goes ahead
        again = case_bulk.apply(con, three, "transition", ana, to="closed_no_action", reason="r")
    assert [r["ok"] for r in again.results] == [False, False, True]
    assert "already has a pending proposal" in again.results[0]["error"]
    with w.db.writing() as con:  # the supervisor approves both by closing them
        done = case_bulk.apply(con, three[:2], "transition", sam, to="closed_false_positive", reason="agreed")
    assert done.as_dict()["done"] == 2 and {w.state(c) for c in three[:2]} == {"closed_false_positive"}
    for cid in three[:2]:
        assert w.audit(cid).count("case.transition") == 2 and "disposition.approved" in w.audit(cid)
    with w.db.writing() as con:
        assigned = case_bulk.apply(con, filler(w, 5)[3:], "assign", sam, assignee="ana")
    assert assigned.as_dict()["done"] == 2 and all(w.audit(c)[-1] == "case.assign" for c in filler(w, 5)[3:])


def test_bulk_refuses_whole_requests_before_touching_a_case(w: World) -> None:
    ana, sam, aud = w.user("ana"), w.user("sam"), w.user("aud")
    some = filler(w, 2)
    cases_before = {c: w.audit(c) for c in some}
    bad = [
        ((some, "assign", ana), {"assignee": "sam"}, "may not assign"),
        ((some, "transition", aud), {"to": "in_review"}, "may not move"),
        ((some, "transition", sam), {"to": "closed_no_action"}, "needs a reason"),
        ((some, "transition", sam), {"to": "shelved"}, "not a case state"),
        ((some, "delete", sam), {}, "expected one of assign, transition"),
        (([], "assign", sam), {"assignee": "ana"}, "select at least one case"),
        ((some, "assign", sam), {"assignee": " "}, "choose someone"),
    ]
    for args, kw, msg in bad:
        with w.db.writing() as con, pytest.raises(CtfmonError, match=msg):
            case_bulk.apply(con, *args, **kw)
    assert {c: w.audit(c) for c in some} == cases_before


def test_bulk_api(w: World) -> None:
    two = filler(w, 2)
    r = w.api("supervisor").post("/cases/bulk", json={"case_ids": [*two, "CASE-NOPE"], "action": "assign",
                                                       "assignee": "ana"})
    assert r.status_code == 200
    body = r.json()
    assert (body["done"], body["refused"]) == (2, 1)
    assert body["results"][0] == {"case_id": two[0], "ok": True, "outcome": "assigned", "state": "new",
                                  "assignee": "ana", "error": None, "status": None}
    assert body["results"][2]["status"] == 404
    r = w.api("analyst").post("/cases/bulk", json={"case_ids": two, "action": "assign", "assignee": "ana"})
    assert r.status_code == 403
    r = w.api("supervisor").post("/cases/bulk", json={"case_ids": two, "action": "transition",
                                                       "to": "closed_no_action"})
    assert r.status_code == 422 and "needs a reason" in r.json()["detail"]
    assert w.api("supervisor").post("/cases/bulk", json={"case_ids": [], "action": "assign"}).status_code == 422


def test_bulk_from_the_queue_page(w: World) -> None:
    c, csrf = w.page("supervisor")
    two = filler(w, 2)
    form = {"csrf": csrf, "case_id": two, "do": "transition|in_review", "reason": "", "f_sort": "age",
            "f_jurisdiction": "SG"}
    r = c.post("/ui/cases/bulk", data=form)
    assert r.status_code == 200
    assert re.search(r'data-testid="bulk-done">2<', r.text) and re.search(r'data-testid="bulk-refused">0<', r.text)
    assert 'data-testid="saved-filter"' in r.text and "jurisdiction=SG" in r.text  # the filters are kept
    r = c.post("/ui/cases/bulk", data={**form, "do": "transition|closed_no_action", "reason": ""})
    assert r.status_code == 422 and "Nothing was changed" in r.text and "needs a reason" in r.text
    r = c.post("/ui/cases/bulk", data={**form, "case_id": [*two, filler(w, 3)[2]],
                                       "do": "transition|closed_no_action", "reason": "duplicate of a filed STR"})
    assert re.search(r'data-testid="bulk-done">2<', r.text) and re.search(r'data-testid="bulk-refused">1<', r.text)
    assert "cannot move to closed_no_action" in r.text
    assert {w.state(x) for x in two} == {"closed_no_action"}
    r = c.post("/ui/cases/bulk", data={**form, "csrf": "forged"})
    assert r.status_code == 403
    a, acsrf = w.page("analyst")
    html = a.get("/ui/cases").text
    assert "Propose: close as false positive" in html and "Assign to" not in html
