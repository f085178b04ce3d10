"""TF-DORM-01 Dormant account reactivation.

An account with no activity for at least 180 days (counted from its last transaction on
file, or from ``opened_on`` when none is on file) that, within 14 days of the transaction
ending the dormancy, receives at least 10,000 and moves out at least 10,000.  Activity is
any transaction debiting or crediting the account, over the whole history on file (not
only the scan window); the reactivating transaction must fall inside the scan window.
An account with neither earlier transactions nor an opening date is never counted dormant.

Score: 0.5 at the minimum, raised (noisy-or) by the length of the dormancy (180 -> 720
days), the amount moved (the smaller of in and out, 1x -> 5x the minimum) and how much of
what came in went out again (50% -> 100%).
"""

from __future__ import annotations

from pydantic import Field

from typologies._common import combine, days_between, money, num, pct, plural, ramp
from typologies.base import Alert, Params, ScanContext, Typology


class DormantParams(Params):
    dormant_days: int = Field(180, ge=1, description="days without any transaction that make an account dormant")
    min_amount: float = Field(
        10_000, gt=0, description="minimum received and minimum moved out after reactivation (base currency)"
    )
    window_days: int = Field(14, ge=1, description="days after reactivation in which the money must come in and go out")


class DormantReactivation(Typology):
    id = "TF-DORM-01"
    name = "Dormant account reactivation"
    description = (
        "An account with no activity for at least 180 days (from its last transaction on file, or its "
        "opening date when none is on file) receives and moves out at least 10,000 within 14 days."
    )
    references = (
        "FATF, Terrorist Financing (2008)",
        "FATF, Emerging Terrorist Financing Risks (2015)",
    )
    Params = DormantParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: DormantParams = ctx.params  # type: ignore[assignment]
        ws = ctx.window_start.isoformat(sep=" ")
        we = ctx.window_end.isoformat(sep=" ")
        wd = f"INTERVAL '{p.window_days} days'"
        q = f"""
        WITH legs AS (
          SELECT from_account AS account_id, timestamp AS ts FROM transactions WHERE from_account IS NOT NULL
          UNION ALL
          SELECT to_account, timestamp FROM transactions WHERE to_account IS NOT NULL
        ),
        gaps AS (
          SELECT account_id, ts, lag(ts) OVER (PARTITION BY account_id ORDER BY ts) AS prev_ts
          FROM legs
        ),
        react AS (
          SELECT g.account_id, g.ts AS r_ts, g.prev_ts,
                 coalesce(g.prev_ts, CAST(a.opened_on AS TIMESTAMP)) AS idle_since,
                 a.party_id
          FROM gaps g LEFT JOIN accounts a ON a.account_id = g.account_id
          WHERE g.ts >= TIMESTAMP '{ws}' AND g.ts <= TIMESTAMP '{we}'
            AND coalesce(g.prev_ts, CAST(a.opened_on AS TIMESTAMP)) IS NOT NULL
            AND g.ts >= coalesce(g.prev_ts, CAST(a.opened_on AS TIMESTAMP)) + INTERVAL '{p.dormant_days} days'
        ),
        moves AS (
          SELECT r.account_id, r.r_ts, t.txn_id, t.timestamp AS ts, 'in' AS dir, CAST(t.amount_base AS DOUBLE) AS amt
          FROM react r JOIN transactions t ON t.to_account = r.account_id
           AND t.timestamp >= r.r_ts AND t.timestamp <= r.r_ts + {wd}
          UNION ALL
          SELECT r.account_id, r.r_ts, t.txn_id, t.timestamp, 'out', CAST(t.amount_base AS DOUBLE)
          FROM react r JOIN transactions t ON t.from_account = r.account_id
           AND t.timestamp >= r.r_ts AND t.timestamp <= r.r_ts + {wd}
        ),
        agg AS (
          SELECT account_id, r_ts,
                 sum(CASE WHEN dir = 'in' THEN amt ELSE 0 END) AS amt_in,
                 sum(CASE WHEN dir = 'out' THEN amt ELSE 0 END) AS amt_out,
                 sum(CASE WHEN dir = 'in' THEN 1 ELSE 0 END) AS n_in,
                 sum(CASE WHEN dir = 'out' THEN 1 ELSE 0 END) AS n_out,
                 max(ts) AS last_ts,
                 array_agg(txn_id ORDER BY ts, txn_id) AS evidence
          FROM moves GROUP BY account_id, r_ts
        )
        SELECT g.*, r.idle_since, r.prev_ts, r.party_id
        FROM agg g JOIN react r ON r.account_id = g.account_id AND r.r_ts = g.r_ts
        WHERE g.amt_in >= {float(p.min_amount)!r} AND g.amt_out >= {float(p.min_amount)!r}
        ORDER BY g.account_id, g.r_ts
        """
        alerts: list[Alert] = []
        for r in ctx.sql(q).iter_rows(named=True):
            idle = days_between(r["idle_since"], r["r_ts"])
            moved = min(r["amt_in"], r["amt_out"])
            out_share = r["amt_out"] / r["amt_in"] if r["amt_in"] else 0.0
            score = combine(
                0.5,
                0.4 * ramp(idle, p.dormant_days, 4 * p.dormant_days),
                0.4 * ramp(moved, p.min_amount, 5 * p.min_amount),
                0.2 * ramp(out_share, 0.5, 1.0),
            )
            since = "last transaction" if r["prev_ts"] is not None else "opening"
            details = {
                "account_id": r["account_id"],
                "dormant_days": round(idle, 1),
                "dormant_since": str(r["idle_since"]),
                "dormant_since_kind": since,
                "reactivated_at": str(r["r_ts"]),
                "received": round(r["amt_in"], 2),
                "moved_out": round(r["amt_out"], 2),
                "inflows": int(r["n_in"]),
                "outflows": int(r["n_out"]),
                "out_share": round(out_share, 4),
                "window_days": p.window_days,
            }
            explanation = (
                f"Account {r['account_id']} was dormant for {num(round(idle))} days (since its {since}), "
                f"then received {money(r['amt_in'])} in {plural(int(r['n_in']), 'transfer')} and moved out "
                f"{money(r['amt_out'])} ({pct(out_share)}) within {p.window_days} days of reactivation."
            )
            subject_type, subject_id = (
                ("party", r["party_id"]) if r["party_id"] else ("account", r["account_id"])
            )
            alerts.append(Alert(
                subject_type=subject_type, subject_id=subject_id, score=score,
                window_start=r["r_ts"], window_end=r["last_ts"], evidence=list(r["evidence"]),
                explanation=explanation, details=details,
            ))
        return alerts
