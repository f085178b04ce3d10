"""Helpers for the analyst-page tests: a small seeded world, users with tokens, and a
real uvicorn server on a free loopback port.  (No tests here.)"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from engine import auth, cases, graph

T0 = datetime(2026, 3, 2, 9, 0, 0)
USERS = {"ana": "analyst", "sam": "supervisor", "ada": "admin", "aud": "auditor"}
SCREENS = Path(__file__).resolve().parent / "ui_screens"

_FIRST = ("Amal", "Bilal", "Chen", "Dina", "Elif", "Farid", "Grace", "Hana", "Ivan", "Jamal", "Kiri", "Lena",
          "Musa", "Nadia", "Omar", "Priya", "Rami", "Sara", "Tariq", "Umar", "Vera", "Wen", "Yusuf", "Zara")
_LAST = ("Haddad", "Okafor", "Tan", "Rahman", "Kaya", "Nasser", "Lim", "Petrov", "Saleh", "Mendes")
_EXTRA_TYPOLOGIES = ("TF-CASH-02", "TF-XB-01", "TF-REM-01", "ML-NET-01", "TF-MICRO-01", "SAN-01",
                     "TF-CARD-01", "TF-NPO-01")
EXTRA_CASES = 30


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                    list(row.values()))


def _alert(con: duckdb.DuckDBPyConnection, alert_id: str, typology: str, subject: str, score: float,
           evidence: list[str], explanation: str, details: dict[str, Any], end: datetime) -> None:
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, 'party', ?, ?, ?, ?, ?, ?, ?, 'SC-SEED', ?)",
        [alert_id, typology, subject, score, end - timedelta(days=9), end, evidence, explanation,
         json.dumps(details), end + timedelta(hours=1)],
    )


def seed(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Parties, accounts and transactions; a structuring case (no subgraph, so its graph is
    the subject's neighbourhood), a cycle case with an alert subgraph, and filler cases.
    Returns the case ids of interest."""
    insert(con, "parties", [
        {"party_id": "P1", "party_type": "individual", "name": "Amina Yusuf", "country": "SG", "city": "Singapore",
         "date_of_birth": "1990-04-01", "nationality": "SG", "id_number": "S9012345A", "occupation": "trader",
         "_batch_id": 1},
        {"party_id": "P2", "party_type": "business", "name": "Orchid Trading Pte Ltd", "country": "SG",
         "registered_on": "2015-06-01", "_batch_id": 1},
        {"party_id": "P4", "party_type": "business", "name": "Delta Imports LLC", "country": "AE", "_batch_id": 1},
        {"party_id": "P5", "party_type": "npo", "name": "Hope Relief", "country": "PH", "_batch_id": 1},
        {"party_id": "P6", "party_type": "individual", "name": "Karim Saleh", "country": "TR", "_batch_id": 1},
    ])
    insert(con, "accounts", [
        {"account_id": a, "party_id": p, "institution_id": "BANK1", "country": c, "account_type": t,
         "currency": "USD", "opened_on": "2020-01-01", "_batch_id": 1}
        for a, p, c, t in (("A1", "P1", "SG", "current"), ("A2", "P2", "SG", "business"),
                           ("A4", "P4", "AE", "business"), ("A5", "P5", "PH", "npo"), ("A6", "P6", "TR", "current"))
    ])
    txns: list[dict[str, Any]] = []
    for i, amt in enumerate((9400, 9600, 9800, 9900)):
        txns.append({"txn_id": f"TC{i}", "timestamp": T0 + timedelta(days=i, hours=i), "channel": "cash_deposit",
                     "to_account": "A1", "amount": amt, "currency": "USD", "amount_base": amt,
                     "location_country": "SG", "_batch_id": 1})
    txns += [
        {"txn_id": "TW1", "timestamp": T0 + timedelta(days=5), "channel": "wire", "from_account": "A1",
         "to_account": "X9", "amount": 30000, "currency": "USD", "amount_base": 30000,
         "beneficiary_name": "Omar Haddad", "beneficiary_country": "SY", "reference": "family", "_batch_id": 1},
        {"txn_id": "TW0", "timestamp": T0 + timedelta(days=4), "channel": "wire", "from_account": "A6",
         "to_account": "A1", "amount": 12000, "currency": "USD", "amount_base": 12000,
         "originator_name": "Karim Saleh", "originator_country": "TR", "_batch_id": 1},
        {"txn_id": "TW2", "timestamp": T0 + timedelta(days=6), "channel": "wire", "from_account": "A2",
         "to_account": "A4", "amount": 50000, "currency": "USD", "amount_base": 50000, "_batch_id": 1},
        {"txn_id": "TW3", "timestamp": T0 + timedelta(days=7), "channel": "wire", "from_account": "A4",
         "to_account": "A5", "amount": 48000, "currency": "USD", "amount_base": 48000, "_batch_id": 1},
        {"txn_id": "TW4", "timestamp": T0 + timedelta(days=8), "channel": "wire", "from_account": "A5",
         "to_account": "A2", "amount": 46000, "currency": "USD", "amount_base": 46000, "_batch_id": 1},
    ]
    insert(con, "transactions", txns)
    end = T0 + timedelta(days=9)
    _alert(con, "AL-CASH", "TF-CASH-01", "P1", 0.9, ["TC0", "TC1", "TC2", "TC3"],
           "4 cash deposits of 9,400-9,900 USD within 4 days, each just under the 10,000 USD threshold.",
           {"deposits": 4, "total_base": 38700.0, "threshold": 10000}, end)
    _alert(con, "AL-XB", "TF-XB-01", "P1", 0.6, ["TW1"], "30,000 USD sent to SY (high-risk corridor) in 30 days.",
           {"corridor": "SY", "total_base": 30000.0}, end)
    cycle = [{"txn_id": t["txn_id"], "ts": t["timestamp"], "src": t["from_account"], "dst": t["to_account"],
              "amount": t["amount_base"]} for t in txns if t["txn_id"] in ("TW2", "TW3", "TW4")]
    owners = graph.owners(con, ["A2", "A4", "A5"])
    details = {"cycle_length": 3, "returned_share": 0.92,
               **graph.subgraph_details(cycle, {"A2": "origin", "A4": "member", "A5": "member"}, owners)}
    _alert(con, "AL-NET", "ML-NET-03", "P2", 0.7, ["TW2", "TW3", "TW4"],
           "A 3-hop cycle returned 92% of 50,000 USD to its origin within 2 days.", details, end)
    for i in range(EXTRA_CASES):
        pid = f"Q{i:03d}"
        insert(con, "parties", [{"party_id": pid, "party_type": "individual",
                                 "name": f"{_FIRST[i % len(_FIRST)]} {_LAST[i % len(_LAST)]}",
                                 "country": "SG", "_batch_id": 1}])
        typ = _EXTRA_TYPOLOGIES[i % len(_EXTRA_TYPOLOGIES)]
        _alert(con, f"AL-X{i:03d}", typ, pid, round(0.2 + 0.02 * i, 2), [], f"{typ} pattern for {pid}.", {},
               end - timedelta(days=7 * (i % 10)))
    cases.sync_cases(con, actor="test")
    # Spread the filler cases' ages so sorting by age and the dashboard's age buckets mean something.
    con.execute("UPDATE cases SET created_at = created_at - to_days(CAST(4 * CAST(substr(subject_id, 2) AS INTEGER) "
                "AS INTEGER)), due_at = due_at - to_days(CAST(4 * CAST(substr(subject_id, 2) AS INTEGER) AS INTEGER)) "
                "WHERE subject_id LIKE 'Q%'")
    ids = {r[1]: r[0] for r in con.execute("SELECT case_id, subject_id FROM cases").fetchall()}
    return {"structuring": ids["P1"], "cycle": ids["P2"], "all": ids}


def add_users(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """One user per role; returns {role: token}."""
    tokens = {}
    for name, role in USERS.items():
        auth.add_user(con, name, role, actor="test")
        tokens[role] = auth.issue_token(con, name, actor="test")[1]
    return tokens


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: Any) -> LiveServer:
    """Run ``app`` with uvicorn in a thread on a free loopback port until :meth:`LiveServer.stop`."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="ui-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)
