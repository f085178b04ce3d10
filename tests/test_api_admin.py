"""Alerts, scans, typologies, schedules, ingestion and goAML over HTTP, per role."""

from __future__ import annotations

import pytest
from test_api_support import Clients

from engine.reports import goaml


@pytest.fixture()
def c() -> Clients:
    return Clients()


def test_alerts_filters_and_detail(c: Clients) -> None:
    an = c["analyst"]
    r = an.get("/alerts").json()
    assert r["total"] == 5 and [a["score"] for a in r["items"]] == sorted((a["score"] for a in r["items"]), reverse=True)
    assert all(a["case_id"] and a["case_state"] == "new" for a in r["items"])
    assert an.get("/alerts", params={"typology": "TF-CASH-03"}).json()["total"] == 1
    assert an.get("/alerts", params={"min_score": 0.75}).json()["total"] == 2
    assert an.get("/alerts", params={"date_from": "2026-04-01T00:00:00"}).json()["total"] == 0
    assert an.get("/alerts", params={"date_to": "2026-03-05T00:00:00Z"}).json()["total"] == 5
    cid = c.case_of("P2")
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"})
    assert [a["alert_id"] for a in an.get("/alerts", params={"status": "in_review"}).json()["items"]] == ["AL-NET", "AL-TBML"]
    page = an.get("/alerts", params={"limit": 2, "offset": 4}).json()
    assert page["total"] == 5 and len(page["items"]) == 1
    a = an.get("/alerts/AL-NET").json()
    assert a["details"]["edges"][0]["amount"] == 50000 and a["evidence"] == ["TW2", "TW3", "TW4"]
    assert an.get("/alerts/NOPE").status_code == 404
    assert an.get("/alerts", params={"min_score": 2}).status_code == 422
    assert an.get("/alerts", params={"date_from": "yesterday"}).status_code == 422


def test_scan_endpoint_runs_and_syncs_cases(c: Clients) -> None:
    body = {"typology_ids": ["TF-CASH-01"]}
    assert c["analyst"].post("/scans", json=body).status_code == 403
    r = c["supervisor"].post("/scans", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "completed" and out["counts"]["TF-CASH-01"] >= 1
    assert out["cases"]["alerts_added"] == out["total_new"]
    assert out["cases"]["cases_created"] == 0 and out["cases"]["cases_joined"] == 1  # P1's open case
    scans = c["auditor"].get("/scans").json()
    assert scans[0]["scan_id"] == out["scan_id"] and scans[0]["triggered_by"] == "api:supervisor"
    one = c["auditor"].get(f"/scans/{out['scan_id']}").json()
    assert one["status"] == "completed" and one["counts"]["TF-CASH-01"]["alerts"] >= 1
    assert c["auditor"].get("/scans/NOPE").status_code == 404
    assert c["admin"].post("/scans", json={"typology_ids": ["NOPE-1"]}).status_code == 404
    assert c["admin"].post("/scans", json={"lookback_days": 0}).status_code == 422
    assert c["admin"].post("/scans", json={"as_of": "0001-01-01T00:00:00", "lookback_days": 9}).status_code == 422
    assert c["auditor"].get("/alerts", params={"date_from": "0001-01-01T00:00:00+14:00"}).status_code == 422
    assert c["admin"].post("/scans", json={"typology_ids": ["TF-CASH-01"],
                                           "params": {"TF-CASH-01": {"nonsense": 1}}}).status_code == 400


def test_typology_params_admin_only_validated_and_four_eyes(c: Clients) -> None:
    typs = c["analyst"].get("/typologies").json()
    cash = next(t for t in typs if t["id"] == "TF-CASH-01")
    name = next(iter(cash["params"]))
    assert cash["effective"][name] == cash["params"][name]["default"]
    body = {"values": {"min_transactions": 5}, "reason": "fewer alerts"}
    assert c["supervisor"].put("/typologies/TF-CASH-01/params", json=body).status_code == 403
    r = c["admin"].put("/typologies/TF-CASH-01/params", json=body)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    # proposed is not live: the description still shows the value in force
    assert c["analyst"].get("/typologies/TF-CASH-01").json()["description"].startswith("At least 3 ")
    second = c.second_admin()
    ok = second.post(f"/typologies/changes/{r.json()['change_id']}/approve", json={})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert c["analyst"].get("/typologies/TF-CASH-01").json()["description"].startswith("At least 5 cash deposits")
    bad = c["admin"].put("/typologies/TF-CASH-01/params", json={"values": {"no_such_param": 1}, "reason": "x"})
    assert bad.status_code == 400 and "no_such_param" in bad.json()["detail"]
    assert c["admin"].put("/typologies/NOPE/params", json={"values": {}, "reason": "x"}).status_code == 404
    assert c["admin"].put("/typologies/TF-CASH-01/params", json={"vals": {}}).status_code == 422
    audit = c["auditor"].get("/audit", params={"action": "typology.params"}).json()
    assert audit["total"] == 1 and audit["items"][0]["actor"] == "admin2"


def test_schedules_crud(c: Clients) -> None:
    adm = c["admin"]
    spec = {"name": "nightly", "trigger": "cron", "cron": "0 2 * * *", "typology_ids": ["TF-CASH-01"],
            "lookback_days": 30}
    assert c["supervisor"].post("/schedules", json=spec).status_code == 403
    r = adm.post("/schedules", json=spec)
    assert r.status_code == 201
    sid = r.json()["schedule_id"]
    assert r.json()["cron"] == "0 2 * * *" and r.json()["interval_seconds"] is None
    assert adm.post("/schedules", json={**spec, "cron": "61 2 * * *"}).status_code == 422
    assert adm.post("/schedules", json={**spec, "cron": "daily"}).status_code == 422
    assert adm.post("/schedules", json={"name": "i", "trigger": "interval"}).status_code == 422
    assert adm.post("/schedules", json={**spec, "typology_ids": ["NOPE"]}).status_code == 404
    r = adm.patch(f"/schedules/{sid}", json={"trigger": "interval", "interval_seconds": 3600})
    assert r.status_code == 200 and r.json()["trigger"] == "interval" and r.json()["cron"] is None
    assert c["analyst"].get(f"/schedules/{sid}").json()["name"] == "nightly"
    run = adm.post(f"/schedules/{sid}/run").json()
    assert run["status"] == "completed" and run["scan_id"]
    assert c["auditor"].get(f"/scans/{run['scan_id']}").json()["triggered_by"] == f"schedule:{sid}"
    assert c["auditor"].get(f"/schedules/{sid}").json()["last_scan_id"] == run["scan_id"]
    assert adm.delete(f"/schedules/{sid}").status_code == 204
    assert adm.get(f"/schedules/{sid}").status_code == 404
    assert adm.delete(f"/schedules/{sid}").status_code == 404


def test_ingest_upload(c: Clients) -> None:
    csv = b"party_id,party_type,name,country\nN1,individual,New Person,SG\nN2,alien,Bad Type,SG\n"
    files = {"file": ("parties.csv", csv, "text/csv")}
    assert c["supervisor"].post("/ingest", files=files).status_code == 403
    r = c["admin"].post("/ingest", files=files)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["table"], out["rows_read"], out["rows_loaded"], out["rows_quarantined"]) == ("parties", 2, 1, 1)
    again = c["admin"].post("/ingest", files=files).json()
    assert again["already_loaded"] is True
    assert c["admin"].post("/ingest", files={"file": ("notes.txt", b"x", "text/plain")}).status_code == 422
    assert c["admin"].post("/ingest", files={"file": ("mystery.csv", b"a\n1\n", "text/csv")}).status_code == 400
    assert c["admin"].post("/ingest").status_code == 422


def test_goaml_export_roles_and_states(c: Clients) -> None:
    cid = c.case_of("P1")
    assert c["supervisor"].get(f"/reports/goaml/{cid}").status_code == 409  # still new
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "in_review"})
    c["analyst"].post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "unexplained pattern"})
    assert c["analyst"].get(f"/reports/goaml/{cid}").status_code == 403
    r = c["supervisor"].get(f"/reports/goaml/{cid}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    goaml.validate_xml(r.content)
    assert b"<entity_reference>" + cid.encode() in r.content
    assert c["supervisor"].get("/reports/goaml/NOPE").status_code == 404
