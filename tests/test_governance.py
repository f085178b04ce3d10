"""Four eyes through the API: STR filing, case-role grants, enrolment tokens, escalation reasons.
Each refusal answers 4xx with a message naming the rule."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_api_support import Clients

from engine import auth


@pytest.fixture()
def c() -> Clients:
    cl = Clients()
    with cl.db.writing() as con:
        auth.add_user(con, "supervisor2", "supervisor", actor="test")
        cl.tokens["supervisor2"] = auth.issue_token(con, "supervisor2", actor="test")[1]
        auth.add_user(con, "admin2", "admin", actor="test")
        cl.tokens["admin2"] = auth.issue_token(con, "admin2", actor="test")[1]
    for name in ("supervisor2", "admin2"):
        cl.by_role[name] = TestClient(cl.app, headers={"Authorization": f"Bearer {cl.tokens[name]}"})
    return cl


def _escalated(c: Clients, subject: str = "P1") -> str:
    cid = c.case_of(subject)
    assert c["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"}).status_code == 200
    r = c["analyst"].post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "wire to SY"})
    assert r.status_code == 200 and r.json()["case"]["state"] == "escalated"
    return cid


def test_escalation_needs_a_reason(c: Clients) -> None:
    cid = c.case_of("P1")
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"})
    for body in ({"to": "escalated"}, {"to": "escalated", "reason": "   "}):
        r = c["analyst"].post(f"/cases/{cid}/transition", json=body)
        assert r.status_code == 422 and "escalating case" in r.json()["detail"] and "needs a reason" in r.json()["detail"]
    assert c["analyst"].get(f"/cases/{cid}").json()["state"] == "in_review"


def test_one_supervisor_alone_cannot_file_an_str(c: Clients) -> None:
    cid = _escalated(c)
    sup = c["supervisor"]
    # alone, the supervisor's request is a proposal: the case stays escalated
    r = sup.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "structuring and SY wire"})
    assert r.status_code == 200 and r.json()["outcome"] == "proposed"
    assert r.json()["case"]["state"] == "escalated"
    # and approving their own proposal is refused
    r = sup.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "approve"})
    assert r.status_code == 403
    assert "cannot also approve it" in r.json()["detail"] and "four eyes" in r.json()["detail"]
    assert sup.get(f"/cases/{cid}").json()["state"] == "escalated"
    # a second supervisor approves
    r = c["supervisor2"].post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "agreed"})
    assert r.status_code == 200 and r.json()["outcome"] == "moved" and r.json()["case"]["state"] == "str_filed"
    d = sup.get(f"/cases/{cid}").json()["dispositions"]
    assert [(x["status"], x["proposed_by"], x["decided_by"]) for x in d] == [("approved", "supervisor", "supervisor2")]


def test_analyst_proposal_is_approved_by_a_supervisor_not_another_disposition(c: Clients) -> None:
    cid = _escalated(c)
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "closed_no_action", "reason": "explained"})
    r = c["supervisor"].post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "no: file"})
    assert r.status_code == 409 and "pending proposal to closed_no_action" in r.json()["detail"]


def test_a_case_role_granted_by_an_admin_waits_for_a_second_admin(c: Clients) -> None:
    r = c["admin"].post("/users", json={"name": "sam", "role": "supervisor"})
    assert r.status_code == 201 and r.json()["active"] is False and r.json()["pending_approval"] is True
    tok = c["admin"].post("/users/sam/tokens").json()["token"]
    sam = TestClient(c.app, headers={"Authorization": f"Bearer {tok}"})
    assert sam.get("/me").status_code == 401  # not active until approved
    r = c["admin"].post("/users/sam/approve")
    assert r.status_code == 403 and "cannot also approve it" in r.json()["detail"]
    assert c["supervisor"].post("/users/sam/approve").status_code == 403  # admins only
    r = c["admin2"].post("/users/sam/approve")
    assert r.status_code == 200 and r.json()["active"] is True and r.json()["approved_by"] == "admin2"
    assert c["admin2"].post("/users/sam/approve").status_code == 409  # nothing pending any more
    assert sam.get("/me").json()["enrolment_token"] is True
    # non-case roles are not held back
    r = c["admin"].post("/users", json={"name": "aud2", "role": "auditor"})
    assert r.json()["active"] is True and r.json()["pending_approval"] is False
    log = c["auditor"].get("/audit", params={"object_id": "sam"}).json()["items"]
    assert {e["action"] for e in log} >= {"user.add", "user.approve", "token.issue"}
    assert next(e for e in log if e["action"] == "user.approve")["actor"] == "admin2"


def test_an_admin_cannot_act_on_cases_with_a_token_minted_for_someone_else(c: Clients) -> None:
    cid = _escalated(c)
    tok = c["admin"].post("/users/supervisor2/tokens").json()["token"]  # admin mints for supervisor2
    minted = TestClient(c.app, headers={"Authorization": f"Bearer {tok}"})
    assert minted.get(f"/cases/{cid}").status_code == 200  # reading is fine
    for path, body in ((f"/cases/{cid}/transition", {"to": "str_filed", "reason": "file"}),
                       (f"/cases/{cid}/notes", {"text": "x"}),
                       (f"/cases/{cid}/assign", {"assignee": "analyst"}),
                       (f"/reports/goaml/{cid}/narrative", {"text": "draft"})):
        r = minted.post(path, json=body)
        assert r.status_code == 403 and "enrolment token" in r.json()["detail"], path
    assert minted.get(f"/reports/goaml/{cid}").status_code == 403
    assert c["auditor"].get(f"/cases/{cid}").json()["dispositions"] == []
    # the holder exchanges it for their own token; the minted one stops working
    r = minted.post("/me/tokens")
    assert r.status_code == 201
    own = TestClient(c.app, headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert minted.get("/me").status_code == 401
    assert own.get("/me").json()["enrolment_token"] is False
    assert own.post(f"/cases/{cid}/notes", json={"text": "own token"}).status_code == 201
    log = c["auditor"].get("/audit", params={"action": "token.exchange"}).json()["items"]
    assert len(log) == 1 and log[0]["actor"] == "supervisor2"


def test_case_page_offers_a_supervisor_a_proposal_then_a_second_supervisor_the_approval(c: Clients) -> None:
    from api.ui.session import COOKIE, csrf_for

    cid = _escalated(c)

    def page(role: str) -> tuple[TestClient, str]:
        with c.db.writing() as con:
            sid = auth.start_session(con, c.tokens[role], hours=1)[0]
        client = TestClient(c.app, follow_redirects=False)
        client.cookies.set(COOKIE, sid)
        return client, csrf_for(sid)

    sup, csrf = page("supervisor")
    html = sup.get(f"/ui/cases/{cid}").text
    assert "Propose: file STR" in html
    r = sup.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": "str_filed", "reason": "structuring"})
    assert r.status_code == 303
    html = sup.get(f"/ui/cases/{cid}").text
    assert "another supervisor must approve it" in html and 'data-testid="to-str_filed"' not in html
    r = sup.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf, "to": "str_filed", "reason": "me again"})
    assert r.status_code == 403 and "cannot also approve it" in r.text
    sup2, csrf2 = page("supervisor2")
    assert "Approve: file STR" in sup2.get(f"/ui/cases/{cid}").text
    r = sup2.post(f"/ui/cases/{cid}/transition", data={"csrf": csrf2, "to": "str_filed", "reason": "agreed"})
    assert r.status_code == 303
    assert c["auditor"].get(f"/cases/{cid}").json()["state"] == "str_filed"
    # signing in and out of the pages is audited
    actions = [e["action"] for e in c["auditor"].get("/audit", params={"actor": "supervisor2"}).json()["items"]]
    assert "session.start" in actions
    sup2.post("/ui/logout", data={"csrf": csrf2})
    actions = [e["action"] for e in c["auditor"].get("/audit", params={"actor": "supervisor2"}).json()["items"]]
    assert actions[0] == "session.end"
