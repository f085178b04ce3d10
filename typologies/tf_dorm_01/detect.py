"""TF-DORM-01 Dormant account reactivation.

An account with no activity for at least 180 days that, within 14 days of the transaction
ending the dormancy, receives at least 10,000 and moves out at least 10,000.  Activity is
any transaction debiting or crediting the account, over the whole history on file (not
only the scan window); the reactivating transaction must fall inside the scan window.

Silence counts from the account's last transaction on file.  When none is on file, it
counts from ``opened_on``, provided at least ``min_covered_days`` (120) of the silent days
lie inside the period the data on file cover (catalogue, "The data window"): from
``history_start`` when configured, else from the first transaction on file (scan view
``scan_coverage``).  An account opened years before the data start whose first record is
large is not dormant: its activity before the data is unknown.  An account with neither
earlier transactions nor an opening date is never counted dormant, and with
``accounts_on_file_only`` (default) neither is an account not on file: only its
transactions with accounts on file are seen, so its silence is not known.  Moves between the
account and its owner's other accounts are neither received nor moved out
(``exclude_own_transfers``: own-account transfers are routine), and accounts of parties of
``excluded_party_types`` (financial institutions and government bodies, whose operational
accounts settle irregularly) are not read.

Score: 0.5 at the minimum, raised (noisy-or) by the length of the dormancy (180 -> 720
days), the amount moved (the smaller of in and out, 1x -> 5x the minimum) and how much of
what came in went out again (50% -> 100%).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Row, Typology
from typologies._common import combine, days_between, money, num, pct, plural, ramp


class DormantParams(Params):
    dormant_days: int = Field(180, ge=1, description="days without any transaction that make an account dormant")
    min_amount: float = Field(
        10_000, gt=0, description="minimum received and minimum moved out after reactivation (base currency)"
    )
    window_days: int = Field(14, ge=1, description="days after reactivation in which the money must come in and go out")
    min_covered_days: int = Field(
        120, ge=0, description="silence counted from opened_on (no transaction on file before) needs at least this "
        "many of its days inside the data on file"
    )
    accounts_on_file_only: bool = Field(
        True, description="only accounts on file are read: an account not on file shows only its transactions with "
        "accounts on file, so its silence is not known (catalogue: who is a subject)"
    )
    exclude_own_transfers: bool = Field(
        True, description="moves between the account and its owner's other accounts are neither money received nor "
        "moved out (own-account transfers are routine)"
    )
    excluded_party_types: tuple[str, ...] = Field(
        ("financial_institution", "government"), description="owners whose accounts are not read: banks, money "
        "service businesses and public bodies hold operational accounts whose activity comes and goes"
    )
    history_start: date | None = Field(
        None, description="first day the data on file cover (default: the first transaction on file); activity "
        "before it is unknown"
    )


Ctx = ScanContext[DormantParams]


class DormantReactivation(Typology[DormantParams]):
    Params = DormantParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "dormant": timedelta(days=p.dormant_days),
                "window": timedelta(days=p.window_days), "min_covered": timedelta(days=p.min_covered_days)}

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        out_share = row["amt_out"] / row["amt_in"] if row["amt_in"] else 0.0
        return {
            "account_id": row["account_id"],
            "dormant_days": round(days_between(row["idle_since"], row["r_ts"]), 1),
            "dormant_since": str(row["idle_since"]),
            "dormant_since_kind": "last transaction" if row["prev_ts"] is not None else "opening",
            "silent_days_on_file": round(days_between(max(row["idle_since"], row["cov_start"] or row["idle_since"]),
                                                      row["r_ts"]), 1),
            "reactivated_at": str(row["r_ts"]),
            "received": round(row["amt_in"], 2),
            "moved_out": round(row["amt_out"], 2),
            "inflows": int(row["n_in"]),
            "outflows": int(row["n_out"]),
            "out_share": round(out_share, 4),
            "window_days": ctx.params.window_days,
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        idle = days_between(row["idle_since"], row["r_ts"])
        moved = min(row["amt_in"], row["amt_out"])
        out_share = row["amt_out"] / row["amt_in"] if row["amt_in"] else 0.0
        return combine(
            0.5,
            0.4 * ramp(idle, p.dormant_days, 4 * p.dormant_days),
            0.4 * ramp(moved, p.min_amount, 5 * p.min_amount),
            0.2 * ramp(out_share, 0.5, 1.0),
        )

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        idle = days_between(row["idle_since"], row["r_ts"])
        out_share = row["amt_out"] / row["amt_in"] if row["amt_in"] else 0.0
        since = f"since its {details['dormant_since_kind']}"
        if row["prev_ts"] is None and details["silent_days_on_file"] < idle - 0.5:
            since += f"; no transaction in the {num(round(details['silent_days_on_file']))} days of data on file"
        return (
            f"Account {row['account_id']} was dormant for {num(round(idle))} days "
            f"({since}), then received {money(row['amt_in'])} in "
            f"{plural(int(row['n_in']), 'transfer')} and moved out {money(row['amt_out'])} ({pct(out_share)}) "
            f"within {ctx.params.window_days} days of reactivation."
        )
