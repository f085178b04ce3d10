"""TF-CASH-01 in real time: a cash movement that completes a structuring window.

The batch detector (``detect.sql``) finds any ``window_days`` window holding at least
``min_transactions`` cash deposits or withdrawals of one subject in the band
``[low_ratio * threshold, threshold)``.  Scored as it happens, a cash movement in the band
fires when the subject's band movements in the ``window_days`` up to it (both ends
included), itself counted, reach ``min_transactions``: the last movement of every window the
batch scan would alert on fires, and only those (the running totals hold every band movement
on file and every one scored since the state was loaded).  Subjects as in the batch: the
account's owner, else the account.
"""

from __future__ import annotations

from typing import Any

import duckdb

from engine.realtime.base import Hit, Running, days, window_with
from engine.realtime.directory import Directory
from typologies.tf_cash_01.detect import CashStructuringParams

TYPOLOGY_ID = "TF-CASH-01"
CASH = ("cash_deposit", "cash_withdrawal", "atm_withdrawal")


def _account(item: dict[str, Any]) -> str | None:
    return item.get("to_account") if item["channel"] == "cash_deposit" else item.get("from_account")


def _subject(account_id: str, directory: Directory) -> tuple[str, str]:
    acc = directory.account(account_id)
    return acc.subject if acc else ("account", account_id)


class Reader:
    typology_id = TYPOLOGY_ID
    kind = "transaction"

    def __init__(self, con: duckdb.DuckDBPyConnection, params: CashStructuringParams, directory: Directory) -> None:
        self.p = params
        self.low = round(params.low_ratio * params.threshold, 2)
        self.running = Running()
        rows = con.execute(
            "SELECT txn_id, timestamp, channel, from_account, to_account, CAST(amount_base AS DOUBLE) "
            "FROM transactions WHERE channel IN ('cash_deposit', 'cash_withdrawal', 'atm_withdrawal') "
            "AND amount_base >= ? AND amount_base < ?", [self.low, params.threshold]).fetchall()
        for txn_id, ts, ch, fa, ta, amt in rows:
            self.add({"txn_id": txn_id, "timestamp": ts, "channel": ch, "from_account": fa, "to_account": ta,
                      "amount_base": amt}, directory)

    def _event(self, item: dict[str, Any]) -> tuple[str, float] | None:
        if item["channel"] not in CASH:
            return None
        amt = float(item["amount_base"])
        acc = _account(item)
        if acc is None or not (self.low <= amt < self.p.threshold):
            return None
        return acc, amt

    def add(self, item: dict[str, Any], directory: Directory) -> None:
        ev = self._event(item)
        if ev is not None:
            self.running.add(_subject(ev[0], directory), item["timestamp"], item["txn_id"], ev[1])

    def evaluate(self, item: dict[str, Any], directory: Directory) -> list[Hit]:
        ev = self._event(item)
        if ev is None:
            return []
        subject, ts = _subject(ev[0], directory), item["timestamp"]
        events = window_with(self.running.window(subject, ts - days(self.p.window_days), ts),
                             (ts, item["txn_id"], ev[1]))
        if len(events) < self.p.min_transactions:
            return []
        total = sum(e[2] for e in events)
        reason = (f"{len(events)} cash movements of {min(e[2] for e in events):,.2f}-{max(e[2] for e in events):,.2f} "
                  f"(total {total:,.2f}) by {subject[0]} {subject[1]} within {self.p.window_days} days, each just "
                  f"under the {self.p.threshold:,.0f} reporting threshold (TF-CASH-01)")
        return [Hit(TYPOLOGY_ID, "review", subject[0], subject[1], min(1.0, 0.5 + 0.1 * len(events)), reason,
                    [e[1] for e in events], {"transactions": len(events), "total": round(total, 2),
                                             "threshold": self.p.threshold, "window_days": self.p.window_days})]
