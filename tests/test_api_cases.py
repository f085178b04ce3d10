"""Cases over HTTP: queue, detail, assignment, transitions, dispositions, notes, audit."""

from __future__ import annotations

import pytest
from test_api_support import Clients


@pytest.fixture()
def c() -> Clients:
    return Clients()


def test_queue_is_ordered_by_risk_with_filters_and_pagination(c: Clients) -> None:
    r = c["analyst"].get("/cases").json()
    assert r["total"] == 3  # P2 and P4 are one network case
    risks = [x["risk_score"] for x in r["items"]]
    assert risks == sorted(risks, reverse=True)
    assert r["items"][0]["subject_id"] == "P1"  # two typologies, noisy-or
    assert r["items"][0]["typologies"] == ["TF-CASH-01", "TF-XB-01"]
    page = c["analyst"].get("/cases", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert [x["case_id"] for x in page["items"]] == [x["case_id"] for x in r["items"][2:]]
    assert c["analyst"].get("/cases", params={"typology": "ML-NET-03"}).json()["total"] == 1
    assert c["analyst"].get("/cases", params={"min_risk": 0.8}).json()["total"] == 1
    assert c["analyst"].get("/cases", params={"state": "escalated"}).json()["total"] == 0
    assert c["analyst"].get("/cases", params={"state": "bogus"}).status_code == 422
    assert c["analyst"].get("/cases", params={"limit": 0}).status_code == 422


def test_case_detail_has_alerts_evidence_subject_counterparties_graph(c: Clients) -> None:
    cid = c.case_of("P1")
    d = c["auditor"].get(f"/cases/{cid}").json()
    assert {a["alert_id"] for a in d["alerts"]} == {"AL-CASH", "AL-XB"}
    assert all(a["explanation"] for a in d["alerts"])
    assert {t["txn_id"] for t in d["evidence"]["transactions"]} == {"TC0", "TC1", "TC2", "TC3", "TW1"}
    assert d["subject"]["party"]["name"] == "Amina Yusuf"
    assert [a["account_id"] for a in d["subject"]["accounts"]] == ["A1"]
    cps = {(x["account_id"], x["direction"]): x for x in d["counterparties"]}
    assert cps[("X9", "out")]["total_base"] == 30000 and cps[("X9", "out")]["name"] == "Omar Haddad"
    assert "in_review" in d["allowed_transitions"]
    net = c["auditor"].get(f"/cases/{c.case_of('P2')}").json()
    assert net["graph"]["source"] == "alerts" and len(net["graph"]["edges"]) == 3
    assert c["auditor"].get("/cases/CASE-9999999").status_code == 404


def test_lifecycle_with_proposal_and_approval(c: Clients) -> None:
    cid = c.case_of("P1")
    an, sup = c["analyst"], c["supervisor"]
    r = an.post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": ""})
    assert r.status_code == 409 and "allowed: in_review" in r.json()["detail"]
    r = an.post(f"/cases/{cid}/transition", json={"to": "in_review"})
    assert r.status_code == 200 and r.json()["outcome"] == "moved"
    assert r.json()["case"]["assignee"] == "analyst"  # taken into review by the analyst
    r = an.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "x"})
    assert r.status_code == 409
    assert "escalated" in r.json()["detail"] and "closed_no_action" in r.json()["detail"]
    assert an.post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "unexplained pattern"}).json()["case"]["state"] == "escalated"
    # analyst proposes; the case stays escalated
    assert an.post(f"/cases/{cid}/transition", json={"to": "str_filed"}).status_code == 422  # reason needed
    r = an.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "structuring + SY wire"})
    assert r.json()["outcome"] == "proposed" and r.json()["case"]["state"] == "escalated"
    r = an.post(f"/cases/{cid}/transition", json={"to": "closed_no_action", "reason": "changed mind"})
    assert r.status_code == 409 and "pending proposal" in r.json()["detail"]
    # supervisor approves by making the transition
    r = sup.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "agreed"})
    assert r.json()["outcome"] == "moved" and r.json()["case"]["state"] == "str_filed"
    assert r.json()["case"]["closed_at"] is not None
    d = an.get(f"/cases/{cid}").json()
    assert [(x["status"], x["proposed_by"], x["decided_by"]) for x in d["dispositions"]] == [
        ("approved", "analyst", "supervisor")]
    r = sup.post(f"/cases/{cid}/transition", json={"to": "in_review", "reason": "reopen"})
    assert r.status_code == 409 and "none (final state)" in r.json()["detail"]


def test_reject_proposal_and_role_rules(c: Clients) -> None:
    cid = c.case_of("P2")
    an, sup = c["analyst"], c["supervisor"]
    an.post(f"/cases/{cid}/transition", json={"to": "in_review"})
    an.post(f"/cases/{cid}/transition", json={"to": "closed_false_positive", "reason": "known business"})
    assert an.post(f"/cases/{cid}/dispositions/reject", json={"reason": "no"}).status_code == 403
    r = sup.post(f"/cases/{cid}/dispositions/reject", json={"reason": "cycle unexplained"})
    assert r.status_code == 200 and r.json()["state"] == "in_review"
    assert sup.post(f"/cases/{cid}/dispositions/reject", json={"reason": "again"}).status_code == 409
    # the analyst may not send an escalated case back; the supervisor may
    an.post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "unexplained pattern"})
    r = an.post(f"/cases/{cid}/transition", json={"to": "in_review"})
    assert r.status_code == 403 and "supervisor" in r.json()["detail"]
    assert sup.post(f"/cases/{cid}/transition", json={"to": "in_review"}).status_code == 200
    # supervisor closes directly, then reopens with a reason
    assert sup.post(f"/cases/{cid}/transition", json={"to": "closed_no_action", "reason": "ok"}).status_code == 200
    assert sup.post(f"/cases/{cid}/transition", json={"to": "in_review"}).status_code == 422
    assert sup.post(f"/cases/{cid}/transition", json={"to": "in_review", "reason": "new info"}).status_code == 200
    # auditors and admins do no case work
    assert c["auditor"].post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "unexplained pattern"}).status_code == 403
    assert c["admin"].post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "unexplained pattern"}).status_code == 403
    assert an.post(f"/cases/{cid}/transition", json={"to": "nowhere"}).status_code == 422
    assert an.post("/cases/NOPE/transition", json={"to": "in_review"}).status_code == 404


def test_assign(c: Clients) -> None:
    cid = c.case_of("P3")
    assert c["analyst"].post(f"/cases/{cid}/assign", json={"assignee": "analyst2"}).status_code == 403
    r = c["supervisor"].post(f"/cases/{cid}/assign", json={"assignee": "analyst2"})
    assert r.status_code == 200 and r.json()["assignee"] == "analyst2"
    assert c["analyst"].get("/cases", params={"assignee": "analyst2"}).json()["total"] == 1
    assert c["supervisor"].post(f"/cases/{cid}/assign", json={"assignee": "auditor"}).status_code == 422
    assert c["supervisor"].post(f"/cases/{cid}/assign", json={"assignee": "ghost"}).status_code == 404
    assert c["supervisor"].post(f"/cases/{cid}/assign", json={}).status_code == 422


def test_notes(c: Clients) -> None:
    cid = c.case_of("P4")
    r = c["analyst"].post(f"/cases/{cid}/notes", json={"text": "Called the RM."})
    assert r.status_code == 201 and r.json()["author"] == "analyst"
    assert c["analyst"].post(f"/cases/{cid}/notes", json={"text": ""}).status_code == 422
    assert c["analyst"].post(f"/cases/{cid}/notes", json={"text": "x", "extra": 1}).status_code == 422
    assert c["auditor"].post(f"/cases/{cid}/notes", json={"text": "x"}).status_code == 403
    assert c["analyst"].post("/cases/NOPE/notes", json={"text": "x"}).status_code == 404
    assert [n["text"] for n in c["analyst"].get(f"/cases/{cid}").json()["notes"]] == ["Called the RM."]


def test_every_change_is_audited_and_log_is_read_only(c: Clients) -> None:
    cid = c.case_of("P1")
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"})
    c["analyst"].post(f"/cases/{cid}/notes", json={"text": "n1"})
    c["supervisor"].post(f"/cases/{cid}/assign", json={"assignee": "analyst2"})
    r = c["auditor"].get("/audit", params={"object_id": cid, "verify": True}).json()
    actions = [e["action"] for e in r["items"]]
    assert actions[:3] == ["case.assign", "case.note", "case.transition"]
    assert "case.create" in actions and r["chain_intact"] is True
    tr = next(e for e in r["items"] if e["action"] == "case.transition")
    assert tr["actor"] == "analyst" and tr["before"]["state"] == "new" and tr["after"]["state"] == "in_review"
    for method in ("put", "patch", "delete", "post"):
        assert getattr(c["admin"], method)("/audit").status_code == 405
    with c.db.writing() as con:
        con.execute("UPDATE audit_log SET actor = 'mallory' WHERE action = 'case.note'")
    assert c["auditor"].get("/audit", params={"verify": True}).json()["chain_intact"] is False
