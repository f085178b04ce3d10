"""Builders for handcrafted scan/typology test databases (rows inserted straight into tables)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb

from engine import store

T0 = datetime(2026, 3, 2, 9, 0, 0)


def db() -> duckdb.DuckDBPyConnection:
    return store.connect(":memory:")


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> None:
    row = {**row, "_batch_id": 1}
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def party(con: duckdb.DuckDBPyConnection, party_id: str, party_type: str = "individual",
          country: str = "US", **kw: Any) -> str:
    _insert(con, "parties", {"party_id": party_id, "party_type": party_type, "name": f"Name {party_id}",
                             "country": country, **kw})
    return party_id


def account(con: duckdb.DuckDBPyConnection, account_id: str, party_id: str | None = None,
            account_type: str = "current", country: str = "US", **kw: Any) -> str:
    _insert(con, "accounts", {"account_id": account_id, "party_id": party_id, "institution_id": "BANKUS",
                              "country": country, "account_type": account_type, "currency": "USD", **kw})
    return account_id


def txn(con: duckdb.DuckDBPyConnection, txn_id: str, ts: datetime, channel: str, amount: float,
        from_account: str | None = None, to_account: str | None = None, **kw: Any) -> str:
    _insert(con, "transactions", {"txn_id": txn_id, "timestamp": ts, "channel": channel,
                                  "from_account": from_account, "to_account": to_account,
                                  "amount": amount, "currency": "USD", "amount_base": amount, **kw})
    return txn_id


def days(n: float) -> timedelta:
    return timedelta(days=n)
