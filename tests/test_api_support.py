"""Helpers shared by the API, case, schedule and goAML tests: a small seeded world and
clients holding one token per role.  (No tests here.)"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb
from fastapi.testclient import TestClient

from api.app import create_app
from engine import auth
from engine.detect import catalogue
from typologies import registry

T0 = datetime(2026, 3, 2, 9, 0, 0)
ROLES = ("analyst", "supervisor", "admin", "auditor")


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def seed_world(con: duckdb.DuckDBPyConnection) -> None:
    """Parties, accounts, transactions, a declaration, a trade document and alerts of
    several kinds (cash, transfer, graph, declaration-only, trade), with the typology
    catalogue on record as a scan leaves it."""
    catalogue.record(con, {t: t.Params() for t in registry.catalogue().values()})
    insert(con, "parties", [
        {"party_id": "P1", "party_type": "individual", "name": "Amina Yusuf", "country": "SG",
         "date_of_birth": "1990-04-01", "nationality": "SG", "id_number": "S9012345A", "_batch_id": 1},
        {"party_id": "P2", "party_type": "business", "name": "Orchid Trading Pte Ltd", "country": "SG",
         "occupation": "wholesale", "registered_on": "2015-06-01", "_batch_id": 1},
        {"party_id": "P3", "party_type": "individual", "name": "Абдулла Рашидов", "country": "KZ", "_batch_id": 1},
        {"party_id": "P4", "party_type": "business", "name": "Delta Imports LLC", "country": "AE", "_batch_id": 1},
        {"party_id": "P5", "party_type": "npo", "name": "Hope Relief", "country": "PH", "_batch_id": 1},
    ])
    insert(con, "accounts", [
        {"account_id": "A1", "party_id": "P1", "institution_id": "BANKSG", "country": "SG",
         "account_type": "current", "currency": "SGD", "opened_on": "2020-01-01", "_batch_id": 1},
        {"account_id": "A2", "party_id": "P2", "institution_id": "BANKSG", "country": "SG",
         "account_type": "business", "currency": "USD", "_batch_id": 1},
        {"account_id": "A4", "party_id": "P4", "institution_id": "BANKAE", "country": "AE",
         "account_type": "business", "currency": "USD", "_batch_id": 1},
        {"account_id": "A5", "party_id": "P5", "institution_id": "BANKPH", "country": "PH",
         "account_type": "npo", "currency": "USD", "_batch_id": 1},
    ])
    txns = []
    for i, amt in enumerate((9400, 9600, 9800, 9900)):  # structuring by P1
        txns.append({"txn_id": f"TC{i}", "timestamp": T0 + timedelta(days=i), "channel": "cash_deposit",
                     "to_account": "A1", "amount": amt * 1.35, "currency": "SGD", "amount_base": amt,
                     "location_city": "Singapore", "location_country": "SG", "_batch_id": 1})
    txns += [
        {"txn_id": "TW1", "timestamp": T0 + timedelta(days=5), "channel": "wire", "from_account": "A1",
         "to_account": "X9", "amount": 30000, "currency": "USD", "amount_base": 30000,
         "beneficiary_name": "Omar Haddad", "beneficiary_country": "SY", "reference": "family", "_batch_id": 1},
        {"txn_id": "TW2", "timestamp": T0 + timedelta(days=6), "channel": "wire", "from_account": "A2",
         "to_account": "A4", "amount": 50000, "currency": "USD", "amount_base": 50000, "_batch_id": 1},
        {"txn_id": "TW3", "timestamp": T0 + timedelta(days=7), "channel": "wire", "from_account": "A4",
         "to_account": "A5", "amount": 48000, "currency": "USD", "amount_base": 48000, "_batch_id": 1},
        {"txn_id": "TW4", "timestamp": T0 + timedelta(days=8), "channel": "wire", "from_account": "A5",
         "to_account": "A2", "amount": 46000, "currency": "USD", "amount_base": 46000, "_batch_id": 1},
        {"txn_id": "TA1", "timestamp": T0 + timedelta(days=9), "channel": "atm_withdrawal",
         "from_account": "A1", "amount": 500, "currency": "USD", "amount_base": 500,
         "location_country": "TR", "_batch_id": 1},
        {"txn_id": "TK1", "timestamp": T0 + timedelta(days=9), "channel": "card_payment",
         "from_account": "A1", "amount": 800, "currency": "USD", "amount_base": 800,
         "merchant_category": "4511", "_batch_id": 1},
    ]
    insert(con, "transactions", txns)
    insert(con, "cash_declarations", [
        {"declaration_id": "D1", "timestamp": T0 + timedelta(days=3), "traveller_name": "Абдулла Рашидов",
         "party_id": "P3", "direction": "outbound", "port": "DXB", "origin_country": "AE",
         "destination_country": "PK", "amount": 9800, "currency": "USD", "amount_base": 9800,
         "declared": False, "transport_ref": "EK612", "_batch_id": 1},
    ])
    insert(con, "trade_documents", [
        {"trade_id": "INV1", "date": (T0 + timedelta(days=4)).date(), "exporter_party_id": "P4",
         "importer_party_id": "P2", "hs_code": "710812", "quantity": 2, "unit": "kg",
         "invoice_value": 900000, "currency": "USD", "invoice_value_base": 900000,
         "origin_country": "AE", "destination_country": "SG", "_batch_id": 1},
    ])
    graph = {"nodes": [{"id": "A2"}, {"id": "A4"}, {"id": "A5"}],
             "edges": [{"source": "A2", "target": "A4", "amount": 50000},
                       {"source": "A4", "target": "A5", "amount": 48000},
                       {"source": "A5", "target": "A2", "amount": 46000}]}
    alerts = [
        ("AL-CASH", "TF-CASH-01", "party", "P1", 0.9, ["TC0", "TC1", "TC2", "TC3"],
         "4 cash deposits of 9,400-9,900 USD just under the 10,000 threshold.", {"deposits": 4}),
        ("AL-XB", "TF-XB-01", "party", "P1", 0.6, ["TW1"], "30,000 USD sent to SY in 30 days.", {}),
        ("AL-NET", "ML-NET-03", "party", "P2", 0.7, ["TW2", "TW3", "TW4"],
         "A 3-hop cycle returned 92% of 50,000 USD to its origin in 2 days.", graph),
        ("AL-DECL", "TF-CASH-03", "party", "P3", 0.8, ["D1"], "Undeclared 9,800 USD detected at DXB.", {}),
        ("AL-TBML", "TF-TBML-02", "party", "P4", 0.5, ["INV1"], "Invoice INV1 has no shipment record.", {}),
    ]
    for aid, typ, st, sid, score, ev, expl, details in alerts:
        con.execute(
            "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [aid, typ, st, sid, score, T0, T0 + timedelta(days=9), ev, expl, json.dumps(details),
             "SC-TEST", T0 + timedelta(days=10)],
        )


def add_alert(con: duckdb.DuckDBPyConnection, alert_id: str, typology: str, subject: str, score: float,
              evidence: list[str] | None = None) -> None:
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, 'party', ?, ?, ?, ?, ?, ?, '{}', 'SC-TEST', ?)",
        [alert_id, typology, subject, score, T0, T0 + timedelta(days=1), evidence or [],
         f"{typology} on {subject}", T0 + timedelta(days=2)],
    )


class Clients:
    """A TestClient per role (and an anonymous one) over one in-memory app."""

    def __init__(self, seed: bool = True) -> None:
        self.app = create_app(":memory:", scheduler=False)
        self.db = self.app.state.db
        self.tokens: dict[str, str] = {}
        with self.db.writing() as con:
            if seed:
                seed_world(con)
                from engine import cases

                cases.sync_cases(con)
            for role in ROLES:
                auth.add_user(con, role, role, actor="test")
                self.tokens[role] = auth.issue_token(con, role, actor="test")[1]
            auth.add_user(con, "analyst2", "analyst", actor="test")
        self.anon = TestClient(self.app)
        self.by_role = {
            role: TestClient(self.app, headers={"Authorization": f"Bearer {tok}"})
            for role, tok in self.tokens.items()
        }

    def __getitem__(self, role: str) -> TestClient:
        return self.by_role[role]

    def second_admin(self) -> TestClient:
        """A client for a second admin, ``admin2`` (four eyes need two people)."""
        if "admin2" not in self.tokens:
            with self.db.writing() as con:
                auth.add_user(con, "admin2", "admin", actor="test")
                self.tokens["admin2"] = auth.issue_token(con, "admin2", actor="test")[1]
            self.by_role["admin2"] = TestClient(self.app, headers={"Authorization": f"Bearer {self.tokens['admin2']}"})
        return self.by_role["admin2"]

    def case_of(self, subject: str) -> str:
        with self.db.reading() as con:
            return con.execute(  # the newest case holding an alert on the subject (a case has several)
                "SELECT c.case_id FROM cases c JOIN case_alerts ca ON ca.case_id = c.case_id "
                "JOIN alerts a ON a.alert_id = ca.alert_id WHERE a.subject_id = ? "
                "ORDER BY c.created_at DESC, c.case_id DESC LIMIT 1", [subject]
            ).fetchall()[0][0]
