"""Supervisor MI (GET /mi, ctfmon mi, the dashboard) and SLA due dates per priority and typology."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from test_api_support import Clients, add_alert
from typer.testing import CliRunner

from engine import cases, sla, store
from engine.config import get_settings
from engine.store import now_utc


@pytest.fixture()
def c() -> Clients:
    cl = Clients()
    an, sup = cl["analyst"], cl["supervisor"]
    p1, p2, p3 = cl.case_of("P1"), cl.case_of("P2"), cl.case_of("P3")
    for cid in (p1, p2, p3):
        an.post(f"/cases/{cid}/transition", json={"to": "in_review"})
    an.post(f"/cases/{p1}/transition", json={"to": "escalated", "reason": "wire to SY"})
    an.post(f"/cases/{p1}/transition", json={"to": "str_filed", "reason": "structuring"})
    assert sup.post(f"/cases/{p1}/transition", json={"to": "str_filed", "reason": "agreed"}).json()["outcome"] == "moved"
    sup.post(f"/cases/{p2}/transition", json={"to": "closed_false_positive", "reason": "known supplier loop"})
    an.post(f"/cases/{p3}/transition", json={"to": "closed_no_action", "reason": "declared later"})  # pending
    return cl


def test_mi_per_typology_rates_and_tiles(c: Clients) -> None:
    r = c["supervisor"].get("/mi", params={"since": "2026-01-01"})
    assert r.status_code == 200
    m = r.json()
    t = {x["typology"]: x for x in m["typologies"]}
    cash = t["TF-CASH-01"]
    assert (cash["alerts"], cash["cases"], cash["decided"], cash["strs"]) == (1, 1, 1, 1)
    assert cash["str_conversion"] == 1.0 and cash["false_positive_rate"] == 0.0
    assert cash["strs_per_100_alerts"] == 100.0 and cash["median_days_to_decision"] is not None
    net = t["ML-NET-03"]
    assert (net["decided"], net["false_positives"], net["false_positive_rate"], net["str_conversion"]) == (1, 1, 1.0, 0.0)
    assert t["TF-CASH-03"]["decided"] == 0 and t["TF-CASH-03"]["str_conversion"] is None  # proposal still pending
    assert cash["queue_url"] == "/ui/cases?typology=TF-CASH-01"
    # per period: the alerts fall in March 2026, the decisions in the current month
    periods = {(x["typology"], x["period"][:7]): x for x in m["by_period"]}
    assert periods[("TF-CASH-01", "2026-03")]["alerts"] == 1
    assert periods[("TF-CASH-01", now_utc().strftime("%Y-%m"))]["strs"] == 1
    tiles = {x["key"]: x for x in m["tiles"]}
    assert tiles["awaiting_approval"]["value"] == 1 and tiles["awaiting_approval"]["url"] == "/ui/cases?awaiting=1"
    assert tiles["strs_filed"]["value"] == 1 and tiles["overdue"]["url"] == "/ui/cases?overdue=1&sort=due"
    work = {a["analyst"]: a for a in m["analysts"]}
    assert work["analyst"]["open"] == 1 and work["analyst"]["decided"] == 2  # P1 and P2 were the analyst's
    assert [p["priority"] for p in m["sla"]["priorities"]] == ["high", "medium", "low"]
    assert {"typology": "SAN-*", "business_days": 1} in m["sla"]["typology_rules"]
    assert c["analyst"].get("/mi").status_code == 403
    assert c["supervisor"].get("/mi", params={"period": "year"}).status_code == 422
    assert c["supervisor"].get("/mi", params={"since": "2026-05-01", "until": "2026-04-01"}).status_code == 422


def test_queue_filters_behind_the_tiles(c: Clients) -> None:
    from services.case_queue import QueueFilter, parse, queue

    with c.db.reading() as con:
        rows, total = queue(con, QueueFilter(awaiting=True), limit=50, offset=0, now=now_utc())
        assert total == 1 and rows[0]["subject_id"] == "P3"
        assert parse({"pending": "1"}) == QueueFilter(awaiting=True)  # the old link still works
        late = con.execute("SELECT case_id FROM cases WHERE state IN ('new', 'in_review') "
                           "ORDER BY case_id LIMIT 1").fetchall()[0][0]
        con.execute("UPDATE cases SET due_at = TIMESTAMP '2026-01-01' WHERE case_id = ?", [late])
        rows, total = queue(con, QueueFilter(overdue=True), limit=50, offset=0, now=now_utc())
        assert [r["case_id"] for r in rows] == [late]
        rows, _ = queue(con, QueueFilter(priority="high"), limit=50, offset=0, now=now_utc())
        assert rows and all(r["risk_score"] >= get_settings().case_priority_high for r in rows)


def test_business_days_skip_the_weekend() -> None:
    fri = datetime(2026, 3, 6, 15, 0)
    assert sla.add_business_days(fri, 1) == datetime(2026, 3, 9, 15, 0)
    assert sla.add_business_days(datetime(2026, 3, 9, 9, 0), 1) == datetime(2026, 3, 10, 9, 0)
    assert sla.typology_rule("SAN-02") == 1 and sla.typology_rule("TF-CASH-01") is None


def test_a_sanctions_hit_is_due_in_one_business_day_and_pulls_an_old_case_in() -> None:
    con = store.connect(":memory:")
    from test_api_support import seed_world

    seed_world(con)
    cases.sync_cases(con)
    con.execute("UPDATE cases SET created_at = created_at - INTERVAL 20 DAY WHERE subject_id = 'P5'")
    before = con.execute("SELECT count(*) FROM cases WHERE subject_id = 'P5'").fetchall()[0][0]
    assert before == 0
    add_alert(con, "AL-SAN", "SAN-01", "P5", 0.3)
    cases.sync_cases(con)
    row = con.execute("SELECT c.created_at, c.due_at FROM cases c JOIN case_alerts ca ON ca.case_id = c.case_id "
                      "WHERE ca.alert_id = 'AL-SAN'").fetchall()[0]
    added = con.execute("SELECT added_at FROM case_alerts WHERE alert_id = 'AL-SAN'").fetchall()[0][0]
    assert row[1] == sla.add_business_days(added, 1)
    # an existing low-priority case gets a sanctions alert: its due date is pulled in
    low = con.execute("SELECT case_id, due_at, subject_id FROM cases WHERE due_at > ? ORDER BY case_id LIMIT 1",
                      [now_utc() + timedelta(days=10)]).fetchall()[0]
    add_alert(con, "AL-SAN2", "SAN-02", low[2], 0.2)
    cases.sync_cases(con)
    cid, due = con.execute("SELECT c.case_id, c.due_at FROM cases c JOIN case_alerts ca ON ca.case_id = c.case_id "
                           "WHERE ca.alert_id = 'AL-SAN2'").fetchall()[0]
    assert cid == low[0]
    assert due - now_utc() <= timedelta(days=3)
    con.close()


def test_sla_settings_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("CTFMON_CASE_SLA_DAYS_BY_PRIORITY", '{"high": 0, "medium": 5, "low": 9}')
    get_settings.cache_clear()
    with pytest.raises(ValidationError, match="high, medium and low"):
        get_settings()


def test_dashboard_tiles_link_to_the_queue_and_mi_panels(c: Clients) -> None:
    sup = _pages(c, "supervisor")
    page = sup.get("/ui/dashboard").text
    assert 'href="/ui/cases?awaiting=1" data-testid="tile-awaiting_approval"' in page
    assert 'data-testid="mi-typologies"' in page and 'data-testid="mi-analysts"' in page
    assert 'href="/ui/cases?typology=TF-CASH-01&amp;state=str_filed"' in page
    q = sup.get("/ui/cases?awaiting=1").text
    assert 'data-testid="queue-total">1 case<' in q and "awaiting approval" in q.lower()
    ana = _pages(c, "analyst")
    page = ana.get("/ui/dashboard").text
    assert 'data-testid="tile-awaiting_approval"' in page and 'data-testid="mi-typologies"' not in page


def _pages(c: Clients, role: str):
    from fastapi.testclient import TestClient

    from api.ui.session import COOKIE
    from engine import auth

    with c.db.writing() as con:
        sid = auth.start_session(con, c.tokens[role], hours=1)[0]
    client = TestClient(c.app, follow_redirects=False)
    client.cookies.set(COOKIE, sid)
    return client


def test_cli_mi(tmp_path) -> None:
    from test_api_support import seed_world

    from cli.main import app

    db = tmp_path / "mi.duckdb"
    with store.connect(db) as con:
        seed_world(con)
        cases.sync_cases(con)
    r = CliRunner().invoke(app, ["mi", "--db", str(db), "--since", "2026-01-01"])
    assert r.exit_code == 0 and "Per typology and month, 2026-01-01" in r.output
    assert "SAN-* 1 business day" in r.output
    r = CliRunner().invoke(app, ["mi", "--db", str(db), "--json", "--since", "2026-01-01"])
    import json

    assert r.exit_code == 0
    got = {t["typology"]: t["alerts"] for t in json.loads(r.output)["typologies"]}
    assert got["TF-CASH-01"] == 1 and got["ML-NET-03"] == 1
    r = CliRunner().invoke(app, ["mi", "--db", str(db), "--since", "March"])
    assert r.exit_code == 2 and "--since 'March' is not a date" in r.output
