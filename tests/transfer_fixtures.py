"""An in-memory ledger for the transfer and NPO detector tests: rows straight into the contract tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import store
from engine.scan import prepare_scan_views
from typologies.base import Alert, ScanContext, Typology


class Db:
    """Rows inserted straight into the contract tables of an in-memory store.

    ``country`` is where parties and accounts are unless a call says otherwise.
    """

    country = "US"

    def __init__(self) -> None:
        self.con = store.connect(":memory:")
        self.n = 0

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        row = {**row, "_batch_id": 1}
        cols = ", ".join(f'"{c}"' for c in row)
        self.con.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
        )

    def party(self, pid: str, ptype: str = "individual", country: str | None = None, **kw: Any) -> str:
        self._insert("parties", {"party_id": pid, "party_type": ptype, "name": f"Name {pid}",
                                 "country": country or self.country, **kw})
        return pid

    def account(self, aid: str, party: str | None = None, country: str | None = None,
                atype: str = "current") -> str:
        self._insert("accounts", {"account_id": aid, "party_id": party, "institution_id": "BANK1",
                                  "country": country or self.country, "account_type": atype,
                                  "currency": "USD"})
        return aid

    def customer(self, pid: str, ptype: str = "individual", country: str | None = None,
                 atype: str | None = None, **kw: Any) -> str:
        """A party with one account ``A-<pid>`` (an NPO's is of type ``npo``); returns the account id."""
        self.party(pid, ptype, country, **kw)
        kind = atype or ("npo" if ptype == "npo" else "current")
        return self.account(f"A-{pid}", pid, country, kind)

    def txn(self, ts: datetime, frm: str | None, to: str | None, amount: float,
            channel: str = "wire", **kw: Any) -> str:
        self.n += 1
        tid = f"T{self.n:05d}"
        self._insert("transactions", {"txn_id": tid, "timestamp": ts, "channel": channel,
                                      "from_account": frm, "to_account": to, "amount": amount,
                                      "currency": "USD", "amount_base": amount, **kw})
        return tid

    def run(self, cls: type[Typology], **params: Any) -> list[Alert]:
        start, end = datetime(2024, 1, 1), datetime(2026, 12, 31)
        prepare_scan_views(self.con, start, end)
        ctx = ScanContext(con=self.con, scan_id="test", window_start=start, window_end=end,
                          params=cls.Params(**params))
        return cls().detect(ctx)
