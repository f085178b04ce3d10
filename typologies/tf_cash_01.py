"""TF-CASH-01 Structuring below the reporting threshold.

Three or more cash deposits or withdrawals by one party, each between 80% and 100% of
the cash reporting threshold, within any 7-day window, over any of its accounts and
branches.  "Between 80% and 100%" is ``low_ratio * threshold <= amount < threshold``: an
amount at the threshold is reported anyway.  Accounts whose owner is not on file are
grouped by account.  Overlapping qualifying windows of one subject merge into one alert.

Score: 0.5 for the minimum pattern, raised (noisy-or) by the number of transactions
(full at ``2 * min_transactions``), by how close the amounts sit to the threshold (mean
ratio 80% -> 0, 100% -> 1) and by the number of accounts/branches used.
"""

from __future__ import annotations

from pydantic import Field

from typologies._common import combine, islands_sql, money, money_range, num, plural, ramp, span_days
from typologies.base import Alert, Params, ScanContext, Typology

CASH_CHANNELS = ("cash_deposit", "cash_withdrawal", "atm_withdrawal")


class CashStructuringParams(Params):
    threshold: float = Field(10_000, gt=0, description="cash reporting threshold in the base currency")
    low_ratio: float = Field(
        0.8, gt=0, lt=1, description="lower bound of the band, as a share of the threshold (inclusive)"
    )
    min_transactions: int = Field(3, ge=2, description="cash transactions in the band needed in one window")
    window_days: int = Field(7, ge=1, description="length of the sliding window in days")


class CashStructuring(Typology):
    id = "TF-CASH-01"
    name = "Structuring below the reporting threshold"
    description = (
        "At least 3 cash deposits or withdrawals by one party, each between 80% and 100% of the "
        "reporting threshold (10,000), within any 7 days, over any of its accounts and branches."
    )
    references = (
        "FATF Recommendation 20 (suspicious transaction reporting)",
        "FATF, Terrorist Financing (2008)",
        "FATF/MENAFATF, Money Laundering through the Physical Transportation of Cash (2015)",
    )
    Params = CashStructuringParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: CashStructuringParams = ctx.params  # type: ignore[assignment]
        channels = ", ".join(f"'{c}'" for c in CASH_CHANNELS)
        q = f"""
        WITH cash AS (
          SELECT t.txn_id, t.timestamp AS ts, t.channel, CAST(t.amount_base AS DOUBLE) AS amt,
                 CASE WHEN t.channel = 'cash_deposit' THEN t.to_account ELSE t.from_account END AS account_id,
                 t.location_city
          FROM scan_transactions t
          WHERE t.channel IN ({channels})
            AND t.amount_base >= {round(p.low_ratio * p.threshold, 2)!r} AND t.amount_base < {float(p.threshold)!r}
        ),
        q AS (
          SELECT c.*,
                 CASE WHEN a.party_id IS NOT NULL AND a.party_id <> '' THEN 'party' ELSE 'account' END AS subject_type,
                 CASE WHEN a.party_id IS NOT NULL AND a.party_id <> '' THEN a.party_id ELSE c.account_id END AS subject_id
          FROM cash c LEFT JOIN accounts a ON a.account_id = c.account_id
          WHERE c.account_id IS NOT NULL
        ),
        w AS (
          SELECT subject_type, subject_id, ts AS s,
                 count(*) OVER win AS n_fwd, max(ts) OVER win AS e
          FROM q
          WINDOW win AS (PARTITION BY subject_type, subject_id ORDER BY ts
                         RANGE BETWEEN CURRENT ROW AND INTERVAL '{p.window_days} days' FOLLOWING)
        ),
        starts AS (SELECT subject_type, subject_id, s, e FROM w WHERE n_fwd >= {p.min_transactions}),
        bursts AS ({islands_sql("starts", "subject_type, subject_id")})
        SELECT b.subject_type, b.subject_id, b.burst_no, b.burst_start, b.burst_end,
               array_agg(q.txn_id ORDER BY q.ts, q.txn_id) AS evidence,
               count(*) AS n, min(q.amt) AS min_amt, max(q.amt) AS max_amt, sum(q.amt) AS total,
               avg(q.amt) AS mean_amt,
               sum(CASE WHEN q.channel = 'cash_deposit' THEN 1 ELSE 0 END) AS n_deposits,
               count(DISTINCT q.account_id) AS n_accounts,
               count(DISTINCT q.location_city) AS n_branches
        FROM bursts b
        JOIN q ON q.subject_type = b.subject_type AND q.subject_id = b.subject_id
              AND q.ts >= b.burst_start AND q.ts <= b.burst_end
        GROUP BY b.subject_type, b.subject_id, b.burst_no, b.burst_start, b.burst_end
        ORDER BY b.subject_id, b.burst_start
        """
        alerts: list[Alert] = []
        for r in ctx.sql(q).iter_rows(named=True):
            n = int(r["n"])
            n_dep = int(r["n_deposits"])
            n_wd = n - n_dep
            mean_ratio = r["mean_amt"] / p.threshold
            score = combine(
                0.5,
                0.5 * ramp(n, p.min_transactions, 2 * p.min_transactions),
                0.4 * ramp(mean_ratio, p.low_ratio, 1.0),
                0.2 * ramp(max(int(r["n_accounts"]), int(r["n_branches"])), 1, 3),
            )
            details = {
                "transactions": n,
                "deposits": n_dep,
                "withdrawals": n_wd,
                "min_amount": round(r["min_amt"], 2),
                "max_amount": round(r["max_amt"], 2),
                "total": round(r["total"], 2),
                "mean_ratio_to_threshold": round(mean_ratio, 4),
                "accounts": int(r["n_accounts"]),
                "branches": int(r["n_branches"]),
                "threshold": p.threshold,
                "window_days": p.window_days,
            }
            kinds = []
            if n_dep:
                kinds.append(plural(n_dep, "cash deposit"))
            if n_wd:
                kinds.append(plural(n_wd, "cash withdrawal"))
            prep = "into" if n_wd == 0 else ("from" if n_dep == 0 else "through")
            explanation = (
                f"{' and '.join(kinds)} of {money_range(r['min_amt'], r['max_amt'])} "
                f"(total {num(r['total'])}) {prep} {plural(int(r['n_accounts']), 'account')} "
                f"in {span_days(r['burst_start'], r['burst_end'])}, each just under the "
                f"{money(p.threshold, '')} reporting threshold."
            )
            alerts.append(Alert(
                subject_type=r["subject_type"], subject_id=r["subject_id"], score=score,
                window_start=r["burst_start"], window_end=r["burst_end"], evidence=list(r["evidence"]),
                explanation=explanation, details=details,
            ))
        return alerts
