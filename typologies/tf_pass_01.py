"""TF-PASS-01 Rapid pass-through.

Definition (catalogue): >= 90% of an account's inflows (total >= 20,000 in 30 days) leave
within 72 hours, leaving a residual under 10%.

Reading of the data: money leaves first in, first out.  Over the account's history up to
the end of the scan window, every credit is a slice of the running inflow total and every
debit consumes that total in order; the balance the account must already have held (the
largest shortfall of cumulative debits over cumulative credits, never negative) is placed
in front of the queue.  A credit has been *forwarded within 72 hours* for the part of its
slice that cumulative debits have consumed by ``credit time + 72 h``, where the account
may keep back up to ``max_residual_share`` (10%) of what it received in the previous
``window_days`` without that counting against newer credits (a pass-through account that
leaves a few percent of each credit behind still forwards each credit).  So an account
that keeps a working balance (a business that holds money for weeks) does not qualify,
while one that empties itself after each credit does.

For every window of 30 days opening at a credit inside the scan window: credits total
>= 20,000, the forwarded part >= 90% of them, and the residual (the part of those credits
still in the account 72 hours after the window's last credit, first in first out) < 10%.
Overlapping qualifying windows of an account merge into one burst and one alert.  All
channels count (transfers, cash, card); accounts of ``excluded_account_types``
(correspondent accounts exist to pass money through) are skipped.  The subject is the
account's owner party, or the account when its owner is not on file.

Score: ``0.4 + 0.3 * ramp(forwarded share, 90%, 100%) + 0.3 * ramp(credits, 20,000, 100,000)``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from typologies._common import clamp01, money, pct, plural, ramp
from typologies._sql import base_currency, sql_strings, ts_literal
from typologies.base import Alert, Params, ScanContext, Typology


class PassParams(Params):
    min_inflow: float = Field(20_000, gt=0, description="credits into the account within window_days")
    window_days: int = Field(30, ge=1, le=366, description="length of the sliding window in days")
    max_hours: int = Field(72, ge=1, description="hours within which credits must leave")
    min_forwarded_share: float = Field(
        0.9, gt=0, le=1, description="share of the window's credits that left within max_hours"
    )
    max_residual_share: float = Field(
        0.1, ge=0, le=1, description="residual of the window's credits must be under this share"
    )
    excluded_account_types: tuple[str, ...] = Field(
        ("correspondent",), description="account types not monitored (built to pass money through)"
    )


class RapidPassThrough(Typology):
    id = "TF-PASS-01"
    name = "Rapid pass-through"
    description = (
        "At least 90% of an account's inflows (at least 20,000 within 30 days) leave within 72 "
        "hours, first in first out, leaving a residual under 10%."
    )
    references = (
        "FATF Terrorist Financing (2008)",
        "FATF Emerging Terrorist Financing Risks (2015)",
        "FATF Recommendation 20 (suspicious transaction reporting)",
    )
    Params = PassParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: PassParams = ctx.params  # type: ignore[assignment]
        wd, hours = int(p.window_days), int(p.max_hours)
        excluded = sql_strings(p.excluded_account_types, "excluded_account_types", allow_empty=True)
        ws, we = ts_literal(ctx.window_start), ts_literal(ctx.window_end)
        query = f"""
WITH acc AS (
  SELECT a.account_id, p.party_id,
         CASE WHEN p.party_id IS NULL THEN 'account' ELSE 'party' END AS subject_type,
         COALESCE(p.party_id, a.account_id) AS subject_id
  FROM accounts a LEFT JOIN parties p ON p.party_id = a.party_id
  WHERE a.account_type NOT IN ({excluded})
),
flows AS (
  SELECT t.to_account AS account_id, t.txn_id, t.timestamp AS ts, 0 AS kind,
         CAST(t.amount_base AS DOUBLE) AS amt
  FROM transactions t JOIN acc ON acc.account_id = t.to_account
  WHERE t.timestamp <= {we}
  UNION ALL
  SELECT t.from_account, t.txn_id, t.timestamp, 1, CAST(t.amount_base AS DOUBLE)
  FROM transactions t JOIN acc ON acc.account_id = t.from_account
  WHERE t.timestamp <= {we}
),
active AS (
  SELECT DISTINCT account_id FROM (
    SELECT account_id,
           SUM(amt) OVER (PARTITION BY account_id ORDER BY ts
                          RANGE BETWEEN CURRENT ROW AND INTERVAL '{wd}' DAY FOLLOWING) AS in_30
    FROM flows WHERE kind = 0 AND ts >= {ws}
  ) c WHERE in_30 >= $min_in
),
f AS (SELECT flows.* FROM flows JOIN active USING (account_id)),
run AS (
  SELECT f.*,
         SUM(CASE WHEN kind = 0 THEN amt ELSE 0 END) OVER w AS cum_in,
         SUM(CASE WHEN kind = 1 THEN amt ELSE 0 END) OVER w AS cum_out,
         SUM(CASE WHEN kind = 0 THEN amt ELSE 0 END) OVER (
           PARTITION BY account_id ORDER BY ts
           RANGE BETWEEN INTERVAL '{wd}' DAY PRECEDING AND CURRENT ROW) AS recent_in
  FROM f
  WINDOW w AS (PARTITION BY account_id ORDER BY ts, kind, txn_id ROWS UNBOUNDED PRECEDING)
),
opening AS (
  SELECT account_id, GREATEST(0, MAX(cum_out - cum_in)) AS opening FROM run GROUP BY account_id
),
probes AS (
  SELECT account_id, ts, 0 AS ord, amt AS out_amt, CAST(NULL AS VARCHAR) AS probe_txn
  FROM f WHERE kind = 1
  UNION ALL
  SELECT account_id, ts + INTERVAL '{hours}' HOUR, 1, 0, txn_id FROM f WHERE kind = 0 AND ts >= {ws}
),
probed AS (
  SELECT account_id, probe_txn,
         SUM(out_amt) OVER (PARTITION BY account_id ORDER BY ts, ord ROWS UNBOUNDED PRECEDING) AS out_by
  FROM probes
),
credits AS (
  SELECT r.account_id, r.txn_id, r.ts, r.amt,
         o.opening + r.cum_in - r.amt AS q_start,
         o.opening + r.cum_in AS q_end,
         $residual * (r.recent_in - r.amt) AS slack,
         pr.out_by
  FROM run r
  JOIN opening o ON o.account_id = r.account_id
  JOIN probed pr ON pr.account_id = r.account_id AND pr.probe_txn = r.txn_id
  WHERE r.kind = 0 AND r.ts >= {ws}
),
fwd AS (
  SELECT c.*, LEAST(amt, GREATEST(0, out_by - (q_start - slack))) AS forwarded FROM credits c
),
anchors AS (
  SELECT account_id, ts AS win_start,
         MAX(ts) OVER w AS win_end,
         SUM(amt) OVER w AS in_amt,
         SUM(forwarded) OVER w AS fwd_amt,
         q_start AS first_q_start,
         LAST_VALUE(out_by) OVER w AS last_out_by
  FROM fwd
  WINDOW w AS (PARTITION BY account_id ORDER BY ts
               RANGE BETWEEN CURRENT ROW AND INTERVAL '{wd}' DAY FOLLOWING)
),
qual AS (
  SELECT DISTINCT acc.subject_type, acc.subject_id, a.account_id, a.win_start, a.win_end
  FROM anchors a JOIN acc ON acc.account_id = a.account_id
  WHERE a.in_amt >= $min_in AND a.fwd_amt >= $share * a.in_amt
    AND (a.in_amt - LEAST(a.in_amt, GREATEST(0, a.last_out_by - a.first_q_start))) < $residual * a.in_amt
),
ord AS (
  SELECT account_id, subject_type, subject_id, win_start, win_end,
         MAX(win_end) OVER (PARTITION BY account_id ORDER BY win_start, win_end
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM qual
),
isl AS (
  SELECT ord.*,
         SUM(CASE WHEN prev_end IS NULL OR win_start > prev_end THEN 1 ELSE 0 END)
           OVER (PARTITION BY account_id ORDER BY win_start, win_end ROWS UNBOUNDED PRECEDING) AS burst_no
  FROM ord
),
bursts AS (
  SELECT account_id, subject_type, subject_id, burst_no, MIN(win_start) AS b_start, MAX(win_end) AS b_end
  FROM isl GROUP BY account_id, subject_type, subject_id, burst_no
),
b_in AS (
  SELECT b.account_id, b.burst_no, SUM(c.amt) AS in_amt, SUM(c.forwarded) AS fwd_amt,
         MIN(c.q_start) AS first_q_start, MAX(c.out_by) AS last_out_by,
         COUNT(*) AS n_in, array_agg(c.txn_id ORDER BY c.ts, c.txn_id) AS in_ids
  FROM bursts b JOIN fwd c ON c.account_id = b.account_id AND c.ts BETWEEN b.b_start AND b.b_end
  GROUP BY b.account_id, b.burst_no
),
b_out AS (
  SELECT b.account_id, b.burst_no, SUM(f.amt) AS out_amt, COUNT(*) AS n_out,
         array_agg(f.txn_id ORDER BY f.ts, f.txn_id) AS out_ids, MAX(f.ts) AS last_out
  FROM bursts b JOIN f ON f.account_id = b.account_id AND f.kind = 1
   AND f.ts >= b.b_start AND f.ts <= b.b_end + INTERVAL '{hours}' HOUR
  GROUP BY b.account_id, b.burst_no
)
SELECT b.account_id, b.subject_type, b.subject_id, b.b_start, b.b_end,
       i.in_amt, i.fwd_amt, i.n_in, i.in_ids,
       (i.in_amt - LEAST(i.in_amt, GREATEST(0, i.last_out_by - i.first_q_start))) / i.in_amt AS residual,
       COALESCE(o.out_amt, 0) AS out_amt, COALESCE(o.n_out, 0) AS n_out, o.out_ids, o.last_out
FROM bursts b JOIN b_in i ON i.account_id = b.account_id AND i.burst_no = b.burst_no
LEFT JOIN b_out o ON o.account_id = b.account_id AND o.burst_no = b.burst_no
ORDER BY b.subject_type, b.subject_id, b.account_id, b.b_start
"""
        rows = ctx.sql(
            query,
            {
                "min_in": float(p.min_inflow),
                "share": float(p.min_forwarded_share),
                "residual": float(p.max_residual_share),
            },
        )
        ccy = base_currency()
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            in_amt = float(r["in_amt"])
            share = clamp01(float(r["fwd_amt"]) / in_amt) if in_amt else 0.0
            score = clamp01(
                0.4
                + 0.3 * ramp(share, float(p.min_forwarded_share), 1.0)
                + 0.3 * ramp(in_amt, float(p.min_inflow), 5 * float(p.min_inflow))
            )
            end = r["last_out"] if r["last_out"] and r["last_out"] > r["b_end"] else r["b_end"]
            details: dict[str, Any] = {
                "account_id": r["account_id"],
                "inflow_amount": round(in_amt, 2),
                "inflow_count": int(r["n_in"]),
                "forwarded_amount": round(float(r["fwd_amt"]), 2),
                "forwarded_share": round(share, 4),
                "residual_share": round(clamp01(float(r["residual"])), 4),
                "outflow_amount": round(float(r["out_amt"]), 2),
                "outflow_count": int(r["n_out"]),
                "max_hours": int(p.max_hours),
                "currency": ccy,
            }
            alerts.append(
                Alert(
                    subject_type=r["subject_type"],
                    subject_id=r["subject_id"],
                    score=round(score, 4),
                    window_start=r["b_start"],
                    window_end=end,
                    evidence=list(r["in_ids"]) + list(r["out_ids"] or []),
                    explanation=_explain(details),
                    details=details,
                )
            )
        return alerts


def _explain(d: dict[str, Any]) -> str:
    ccy = d["currency"]
    return (
        f"Account {d['account_id']} received {money(d['inflow_amount'], ccy)} in "
        f"{plural(d['inflow_count'], 'credit')} and {pct(d['forwarded_share'])} of it "
        f"({money(d['forwarded_amount'], ccy)}) left within {d['max_hours']} hours in "
        f"{plural(d['outflow_count'], 'debit')}, leaving a residual of {pct(d['residual_share'])}."
    )
