"""A tiny money-flow world for the graph tests: parties, accounts and transfers inserted
straight into an in-memory database with the contract tables.  (No tests here.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from engine import scan, schema

T0 = datetime(2026, 3, 2, 9, 0)


def days(d: float) -> timedelta:
    return timedelta(days=d)


class World:
    """Accounts (each owned by party ``P-<account>`` unless told otherwise) and transfers."""

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        for stmt in schema.all_ddl() + list(scan.DDL):
            self.con.execute(stmt)
        self.n = 0
        self.parties: set[str] = set()

    def party(self, pid: str, name: str | None = None, ptype: str = "individual") -> str:
        if pid not in self.parties:
            self.con.execute(
                "INSERT INTO parties (party_id, party_type, name, country, _batch_id) VALUES (?, ?, ?, 'SG', 1)",
                [pid, ptype, name or f"Name {pid}"],
            )
            self.parties.add(pid)
        return pid

    def account(self, acc: str, party: str | None = "auto") -> str:
        owner = f"P-{acc}" if party == "auto" else party
        if owner:
            self.party(owner)
        self.con.execute(
            "INSERT INTO accounts (account_id, party_id, institution_id, country, account_type, currency, _batch_id) "
            "VALUES (?, ?, 'BANK1', 'SG', 'current', 'USD', 1)",
            [acc, owner],
        )
        return acc

    def tx(self, src: str | None, dst: str | None, amount: float, ts: datetime,
           channel: str = "domestic_transfer", txn_id: str | None = None) -> str:
        self.n += 1
        tid = txn_id or f"T{self.n:05d}"
        self.con.execute(
            "INSERT INTO transactions (txn_id, timestamp, channel, from_account, to_account, amount, currency, "
            "amount_base, _batch_id) VALUES (?, ?, ?, ?, ?, ?, 'USD', ?, 1)",
            [tid, ts, channel, src, dst, amount, amount],
        )
        return tid
