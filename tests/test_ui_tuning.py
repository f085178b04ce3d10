"""The typologies, tuning, review-batch, compare and challenger pages: four eyes in the page,
the chart drawn on the tuning page, below-the-line decisions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typo_fixtures import T0, account, days, party, txn

from api.app import create_app
from api.ui.session import COOKIE, csrf_for
from engine import auth
from services import scans


class World:
    def __init__(self) -> None:
        self.app = create_app(":memory:", scheduler=False)
        self.sessions: dict[str, str] = {}
        with self.app.state.db.writing() as con:
            for name, role in (("ana", "analyst"), ("sam", "supervisor"), ("adm", "admin"), ("adm2", "admin")):
                auth.add_user(con, name, role, actor="test")
                token = auth.issue_token(con, name, actor="test")[1]
                self.sessions[name] = auth.start_session(con, token, hours=1)[0]
            for pid, amounts in (("P1", [9400, 9950, 9500]), ("P2", [9300, 9900])):
                party(con, pid)
                account(con, f"A{pid}", pid)
                for i, a in enumerate(amounts):
                    txn(con, f"T{pid}{i}", T0 + days(i), "cash_deposit", a, to_account=f"A{pid}")

    def client(self, name: str) -> TestClient:
        c = TestClient(self.app, follow_redirects=False)
        c.cookies.set(COOKIE, self.sessions[name])
        return c

    def post(self, who: str, url: str, /, **data: str) -> Any:
        return self.client(who).post(url, data={**data, "csrf": csrf_for(self.sessions[who])})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_typology_page_four_eyes_and_rollback() -> None:
    w = World()
    page = w.client("ana").get("/ui/typologies")
    assert page.status_code == 200 and "min_transactions=3" in _text(page.text)
    r = w.post("adm", "/ui/typologies/TF-CASH-01/changes", name="min_transactions", value="2", reason="catch pairs")
    assert r.status_code == 303
    own = w.client("adm").get("/ui/typologies/TF-CASH-01").text
    assert "needs a second person" in own and "catch pairs" in own
    change_id = re.search(r"(PC-\d{8}-[0-9a-f]{8})", own).group(1)
    refused = w.post("adm", f"/ui/typologies/changes/{change_id}/approve")
    assert refused.status_code == 403 and "second person" in refused.text
    assert "Approve" in w.client("adm2").get("/ui/typologies/TF-CASH-01").text
    assert w.post("adm2", f"/ui/typologies/changes/{change_id}/approve").status_code == 303
    page = _text(w.client("ana").get("/ui/typologies/TF-CASH-01").text)
    assert "At least 2 cash deposits" in page  # the description shows the live value
    assert "catch pairs" in page and "adm2" in page  # the version history names the approver
    assert w.post("sam", "/ui/typologies/TF-CASH-01/rollback").status_code == 403
    assert w.post("adm", "/ui/typologies/TF-CASH-01/rollback", reason="too many").status_code == 303
    assert "At least 3 cash deposits" in _text(w.client("ana").get("/ui/typologies/TF-CASH-01").text)


def test_tuning_page_draws_the_chart_and_reviews_below_the_line(tmp_path: Path) -> None:
    w = World()
    labels = tmp_path / "labels.csv"
    labels.write_text("typology_id,instance_id,entity_type,entity_id,role\nTF-CASH-01,I1,party,P1,subject\n")
    r = w.post("sam", "/ui/tuning", typology_id="TF-CASH-01", param="min_transactions", values="2,4",
               labels_path=str(labels), target_recall="1")
    assert r.status_code == 303, r.text
    run_url = r.headers["location"]
    page = w.client("ana").get(run_url).text
    assert "Recommended: " in _text(page) and "min_transactions = 3" in _text(page)
    src = re.search(r'<img src="([^"]+chart\.svg)"', page).group(1)
    svg = w.client("ana").get(src)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    r = w.post("sam", f"{run_url}/batches", value="4", sample="5")
    assert r.status_code == 303
    batch_url = r.headers["location"]
    batch = w.client("ana").get(batch_url).text
    alert_id = re.search(r"(AL-[0-9a-f]{24})", batch).group(1)
    assert w.post("ana", f"{batch_url}/items/{alert_id}", decision="worth_case").status_code == 303
    assert w.post("ana", f"{batch_url}/items/{alert_id}", decision="worth_case").status_code == 409
    summary = _text(w.client("sam").get(batch_url).text)
    assert "1 sampled, 1 decided, 1 worth a case (100%)" in summary
    assert w.post("ana", "/ui/tuning", typology_id="TF-CASH-01", param="min_transactions", values="2").status_code == 403


def test_sandbox_button_compare_page_and_challenger_page() -> None:
    w = World()
    assert 'name="sandbox" value="1"' in w.client("sam").get("/ui/scans").text
    with w.app.state.db.writing() as con:
        sb = scans.run_scan(con, w.app.state.catalogue, actor="sam", triggered_by="test", typology_ids=["TF-CASH-01"],
                            params={"TF-CASH-01": {"min_transactions": 2}})
    assert 'data-testid="scan-mode">sandbox<' in w.client("ana").get("/ui/scans").text
    scan_page = w.client("ana").get(f"/ui/scans/{sb.result.scan_id}").text
    assert "Sandbox scan" in scan_page and f"/ui/scans/{sb.result.scan_id}/compare" in scan_page
    assert w.client("ana").get(f"/ui/scans/{sb.result.scan_id}/compare").status_code == 409
    with w.app.state.db.writing() as con:
        scans.run_scan(con, w.app.state.catalogue, actor="sam", triggered_by="test", typology_ids=["TF-CASH-01"])
    cmp = _text(w.client("ana").get(f"/ui/scans/{sb.result.scan_id}/compare").text)
    assert "TF-CASH-01 1 0 1" in cmp
    r = w.post("adm", "/ui/challengers", typology_id="TF-CASH-01", name="min_transactions", value="4",
               reason="fewer", starts_at="2026-01-01", ends_at="2026-12-31")
    assert r.status_code == 303
    with w.app.state.db.writing() as con:
        scans.run_scheduled(con, w.app.state.catalogue, lookback_days=None, typology_ids=["TF-CASH-01"],
                            actor="schedule:S1")
    tuning = w.client("ana").get("/ui/tuning").text
    ch_url = re.search(r'href="(/ui/challengers/CH-[0-9a-f]+)"', tuning).group(1)
    ch = _text(w.client("ana").get(ch_url).text)
    assert "0 1 0 new: 1" in ch  # added 0, removed 1, unchanged 0; the removed alert's live case is new
