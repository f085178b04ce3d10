"""End to end against a real server: data -> ingest -> serve -> scan -> case -> note ->
escalate -> STR -> goAML that validates; the database is held by the server; a schedule
survives a server restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from lxml import etree

from engine.reports import goaml

BIN = Path(sys.executable).parent / "ctfmon"


def _ctfmon(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    r = subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"ctfmon {' '.join(args)} failed ({r.returncode}): {r.stdout}\n{r.stderr}")
    return r


def _write_contract_files(out: Path) -> None:
    out.mkdir(parents=True)
    (out / "parties.csv").write_text(
        "party_id,party_type,name,country,date_of_birth\n"
        "P1,individual,Amina Yusuf,SG,1990-04-01\nP2,business,Orchid Trading Pte Ltd,SG,\n"
    )
    (out / "accounts.csv").write_text(
        "account_id,party_id,institution_id,country,account_type,currency\n"
        "A1,P1,BANKSG,SG,current,USD\nA2,P2,BANKSG,SG,business,USD\n"
    )
    rows = ["txn_id,timestamp,channel,from_account,to_account,amount,currency,location_country"]
    for i, amt in enumerate((9400, 9600, 9800, 9900)):
        rows.append(f"TC{i},2026-03-0{i + 2}T10:00:00Z,cash_deposit,,A1,{amt},USD,SG")
    rows.append("TW1,2026-03-07T10:00:00Z,wire,A1,A2,30000,USD,")
    (out / "transactions.csv").write_text("\n".join(rows) + "\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--db", str(db), "--port", str(self.port), "--log-level", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError("server did not come up")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


def _generated(data: Path) -> bool:
    """Use the real generator when it is installed."""
    if _ctfmon("generate", "--help", check=False).returncode != 0:
        return False
    _ctfmon("generate", "--out", str(data), "--seed", "3", "--transactions", "3000")
    return True


@pytest.mark.slow
def test_end_to_end_against_a_real_server(tmp_path: Path) -> None:
    data, db = tmp_path / "data", tmp_path / "e2e.duckdb"
    if not _generated(data):
        _write_contract_files(data)
    _ctfmon("ingest", str(data), "--db", str(db))
    tokens = {}
    for name, role in (("ana", "analyst"), ("sam", "supervisor"), ("adm", "admin")):
        _ctfmon("users", "add", name, "--role", role, "--db", str(db))
        tokens[role] = _ctfmon("users", "token", name, "--db", str(db)).stdout.strip()

    def client(role: str, url: str) -> httpx.Client:
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens[role]}"}, timeout=300)

    srv = Server(db, tmp_path / "server1.log")
    try:
        # the server owns the database: a CLI command on it says so and exits 2
        busy = _ctfmon("users", "list", "--db", str(db), check=False)
        assert busy.returncode == 2 and "in use" in busy.stderr
        sup, ana, adm = client("supervisor", srv.url), client("analyst", srv.url), client("admin", srv.url)
        assert httpx.get(f"{srv.url}/cases").status_code == 401
        scan = sup.post("/scans", json={})
        assert scan.status_code == 200, scan.text
        assert scan.json()["status"] in ("completed", "completed_with_errors")
        assert scan.json()["cases"]["cases_created"] >= 1
        queue = ana.get("/cases").json()
        cid = queue["items"][0]["case_id"]
        assert ana.post(f"/cases/{cid}/transition", json={"to": "in_review"}).status_code == 200
        assert ana.post(f"/cases/{cid}/notes", json={"text": "Deposits match salary day? No."}).status_code == 201
        assert ana.post(f"/cases/{cid}/transition", json={"to": "escalated", "reason": "unexplained pattern"}).status_code == 200
        prop = ana.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "structuring"})
        assert prop.json()["outcome"] == "proposed"
        filed = sup.post(f"/cases/{cid}/transition", json={"to": "str_filed", "reason": "approved"})
        assert filed.json()["case"]["state"] == "str_filed"
        xml = sup.get(f"/reports/goaml/{cid}")
        assert xml.status_code == 200
        goaml.validate_xml(xml.content)
        doc = etree.fromstring(xml.content)
        assert doc.findtext("entity_reference") == cid and doc.find("report_indicators/indicator") is not None
        sched = adm.post("/schedules", json={"name": "nightly", "trigger": "cron", "cron": "15 1 * * *"})
        assert sched.status_code == 201
        sid = sched.json()["schedule_id"]
        assert sched.json()["next_run_at"] is not None
    finally:
        srv.stop()

    srv2 = Server(db, tmp_path / "server2.log")
    try:
        s = client("admin", srv2.url).get(f"/schedules/{sid}").json()
        assert s["name"] == "nightly" and s["next_run_at"] is not None  # restored into the scheduler
        audit = client("admin", srv2.url).get("/audit", params={"object_id": cid, "verify": True}).json()
        assert audit["chain_intact"] is True
        assert {"case.transition", "case.note", "disposition.approved", "report.goaml"} <= {
            e["action"] for e in audit["items"]}
    finally:
        srv2.stop()
    assert _ctfmon("users", "list", "--db", str(db)).returncode == 0  # released on shutdown
