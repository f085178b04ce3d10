"""Four eyes on parameter changes through the API: every refusal, and nothing half-written."""

from __future__ import annotations

import pytest
from test_api_support import Clients


@pytest.fixture(scope="module")
def c() -> Clients:
    return Clients(seed=False)


def _propose(c: Clients, values: dict[str, object], reason: str | None = "test") -> dict[str, object]:
    r = c["admin"].post("/typologies/TF-CASH-01/changes", json={"values": values, "reason": reason})
    assert r.status_code == 201, r.text
    return r.json()


def test_self_approval_is_refused_and_nothing_goes_live(c: Clients) -> None:
    ch = _propose(c, {"window_days": 9})
    r = c["admin"].post(f"/typologies/changes/{ch['change_id']}/approve", json={})
    assert r.status_code == 403 and "second person" in r.json()["detail"]
    assert c["admin"].get("/typologies/TF-CASH-01").json()["effective"]["window_days"] == 7
    pending = c["analyst"].get("/typologies/changes", params={"status": "pending"}).json()
    assert ch["change_id"] in [p["change_id"] for p in pending]
    assert c["admin"].post(f"/typologies/changes/{ch['change_id']}/reject", json={}).json()["status"] == "withdrawn"


def test_unknown_parameter_is_refused(c: Clients) -> None:
    r = c["admin"].post("/typologies/TF-CASH-01/changes", json={"values": {"no_such": 1}, "reason": "x"})
    assert r.status_code == 400 and "unknown parameter 'no_such'" in r.json()["detail"]
    assert c["admin"].post("/typologies/NOPE/changes", json={"values": {"a": 1}, "reason": "x"}).status_code == 404


@pytest.mark.parametrize("value", ["many", -1, 0])
def test_bad_value_is_refused(c: Clients, value: object) -> None:
    before = len(c["analyst"].get("/typologies/changes").json())
    r = c["admin"].post("/typologies/TF-CASH-01/changes", json={"values": {"min_transactions": value}, "reason": "x"})
    assert r.status_code == 400 and "min_transactions" in r.json()["detail"]
    assert len(c["analyst"].get("/typologies/changes").json()) == before


def test_a_reason_and_a_value_are_required(c: Clients) -> None:
    r = c["admin"].post("/typologies/TF-CASH-01/changes", json={"values": {"window_days": 8}, "reason": "  "})
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = c["admin"].post("/typologies/TF-CASH-01/changes", json={"values": {}, "reason": "x"})
    assert r.status_code == 422


def test_approving_twice_and_after_rejection_is_refused(c: Clients) -> None:
    second = c.second_admin()
    ch = _propose(c, {"low_ratio": 0.75})
    assert second.post(f"/typologies/changes/{ch['change_id']}/approve", json={}).status_code == 200
    again = second.post(f"/typologies/changes/{ch['change_id']}/approve", json={})
    assert again.status_code == 409 and "approved already" in again.json()["detail"]
    assert second.post(f"/typologies/changes/{ch['change_id']}/reject", json={}).status_code == 409
    ch2 = _propose(c, {"low_ratio": 0.7})
    assert second.post(f"/typologies/changes/{ch2['change_id']}/reject", json={"note": "no"}).json()["status"] == \
        "rejected"
    assert second.post(f"/typologies/changes/{ch2['change_id']}/approve", json={}).status_code == 409
    assert second.post("/typologies/changes/PC-NOPE/approve", json={}).status_code == 404
    assert c["admin"].get("/typologies/TF-CASH-01").json()["effective"]["low_ratio"] == 0.75


def test_only_admins_propose_and_approve(c: Clients) -> None:
    for role in ("analyst", "supervisor", "auditor"):
        r = c[role].post("/typologies/TF-CASH-01/changes", json={"values": {"window_days": 8}, "reason": "x"})
        assert r.status_code == 403
    ch = _propose(c, {"window_days": 8})
    assert c["supervisor"].post(f"/typologies/changes/{ch['change_id']}/approve", json={}).status_code == 403
    c["admin"].post(f"/typologies/changes/{ch['change_id']}/reject", json={})


def test_rollback_restores_and_is_versioned(c: Clients) -> None:
    assert c["admin"].post("/typologies/TF-XB-01/rollback", json={}).status_code == 409  # nothing to roll back
    second = c.second_admin()
    ch = _propose(c, {"threshold": 12000})
    second.post(f"/typologies/changes/{ch['change_id']}/approve", json={})
    versions = c["auditor"].get("/typologies/TF-CASH-01/versions").json()
    r = c["admin"].post("/typologies/TF-CASH-01/rollback", json={"reason": "too strict"})
    assert r.status_code == 200 and r.json()["kind"] == "rollback" and r.json()["version"] == versions[0]["version"] + 1
    assert c["admin"].get("/typologies/TF-CASH-01").json()["effective"]["threshold"] == 10000
    assert c["admin"].post("/typologies/TF-CASH-01/rollback", json={"to_version": 999}).status_code == 404
    audit = c["auditor"].get("/audit", params={"action": "typology.rollback"}).json()
    assert audit["total"] == 1 and audit["items"][0]["actor"] == "admin"


def test_what_if_params_never_open_cases() -> None:
    c = Clients(seed=True)
    r = c["admin"].post("/scans", json={"typology_ids": ["TF-CASH-01"], "params": {"TF-CASH-01": {"min_transactions": 2}},
                                        "sandbox": False})
    assert r.status_code == 422 and "sandbox" in r.json()["detail"]
    with c.db.reading() as con:
        cases_before = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    r = c["admin"].post("/scans", json={"typology_ids": ["TF-CASH-01"],
                                        "params": {"TF-CASH-01": {"min_transactions": 2}}})
    assert r.status_code == 200 and r.json()["mode"] == "sandbox" and r.json()["cases"]["cases_created"] == 0
    with c.db.reading() as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == cases_before
        assert con.execute("SELECT count(*) FROM alerts WHERE scan_id = ?", [r.json()["scan_id"]]).fetchall()[0][0] == 0
    # no live scan over that window yet: compare says how to get one
    cmp = c["analyst"].get(f"/scans/{r.json()['scan_id']}/compare")
    assert cmp.status_code == 409 and "live scan" in cmp.json()["detail"]
    live = c["admin"].post("/scans", json={"typology_ids": ["TF-CASH-01"]}).json()
    cmp = c["analyst"].get(f"/scans/{r.json()['scan_id']}/compare").json()
    assert cmp["live_scan_id"] == live["scan_id"]
    t = cmp["typologies"]["TF-CASH-01"]
    assert t["added"] + t["unchanged"] == r.json()["total_alerts"]
    assert t["removed"] + t["unchanged"] == live["total_alerts"]
    assert c["analyst"].get(f"/scans/{live['scan_id']}/compare").status_code == 422
