"""TF-MICRO-01 Micro-donation aggregation (crowdfunding).

Definition (catalogue): >= 20 small inbound transfers (<= 500 each) from >= 15 distinct
senders into a personal account within 30 days, then >= 70% of the total sent abroad in
<= 3 transfers within 14 days.

Reading of the data:

- A personal account is an account on file whose owner is a party of type ``individual``
  and whose type is not ``business``/``npo``/``correspondent``.
- Inbound transfers are credits by a transfer channel (wire, domestic transfer,
  remittance, mobile transfer, cheque, internal) of at most 500 in the base currency, not
  from another account of the same owner.  A sender is the debited account's owner party,
  else the debited account, else the originator name.
- Any 30-day window counts; qualifying windows of an account merge into one collection
  burst.  The collected total is the small credits in the burst.
- "Sent abroad": debits from the account by a transfer channel whose destination country
  (beneficiary country, else the credited account's country) differs from the account's
  country, made after the burst's first small credit and at most 14 days after its last.
  The burst qualifies when its 3 largest such debits carry >= 70% of the collected total.

Score: ``0.4 + 0.2 * ramp(senders, 15, 60) + 0.2 * ramp(share abroad, 70%, 100%)`` plus up
to 0.2 times the highest jurisdiction weight among the destinations (high-risk
destinations raise it).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.schema import TRANSFER_CHANNELS
from typologies._common import (
    as_list,
    clamp01,
    country_names,
    money,
    pct,
    plural,
    ramp,
    whole_days,
)
from typologies._sql import (
    OWNERS_CTE,
    base_currency,
    bursts_cte,
    sql_strings,
    transfers_cte,
)
from typologies.base import Alert, Params, ScanContext, Typology


class MicroParams(Params):
    max_small_amount: float = Field(500, gt=0, description="largest amount of a small inbound transfer")
    min_small_transfers: int = Field(20, ge=1, description="small inbound transfers within window_days")
    min_senders: int = Field(15, ge=1, description="distinct senders of those transfers")
    window_days: int = Field(30, ge=1, le=366, description="collection window in days")
    min_abroad_share: float = Field(
        0.7, gt=0, le=1, description="share of the collected total sent abroad afterwards"
    )
    max_abroad_transfers: int = Field(3, ge=1, description="the share must go in at most this many transfers")
    forward_days: int = Field(14, ge=0, description="days after the last small credit to send it abroad")
    channels: tuple[str, ...] = Field(TRANSFER_CHANNELS, description="transaction channels that count as transfers")
    excluded_account_types: tuple[str, ...] = Field(
        ("business", "npo", "correspondent"), description="account types that are not personal accounts"
    )


class MicroDonationAggregation(Typology):
    id = "TF-MICRO-01"
    name = "Micro-donation aggregation (crowdfunding)"
    description = (
        "At least 20 small inbound transfers (500 or less each) from at least 15 distinct senders "
        "reach a personal account within 30 days, then at least 70% of the total is sent abroad "
        "in at most 3 transfers within 14 days."
    )
    references = (
        "FATF Emerging Terrorist Financing Risks (2015)",
        "FATF Financing of the terrorist organisation ISIL (2015)",
    )
    Params = MicroParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: MicroParams = ctx.params  # type: ignore[assignment]
        channels = sql_strings(p.channels, "channels")
        excluded = sql_strings(p.excluded_account_types, "excluded_account_types", allow_empty=True)
        wd, fd = int(p.window_days), int(p.forward_days)
        query = f"""
WITH {OWNERS_CTE},
{transfers_cte("tx", "scan_transactions", f"t.channel IN ({channels})")},
small AS (
  SELECT to_account AS account_id, txn_id, ts, amt,
         COALESCE(f_party, from_account, upper(trim(originator_name))) AS sender
  FROM tx
  WHERE t_on_file AND t_ptype = 'individual' AND t_acct_type NOT IN ({excluded})
    AND amt <= ? AND NOT self_transfer
),
cand AS (
  SELECT account_id FROM small GROUP BY account_id
  HAVING COUNT(*) >= ? AND COUNT(DISTINCT sender) >= ?
),
cs AS (SELECT small.* FROM small JOIN cand USING (account_id)),
anchors AS (
  SELECT a.account_id, a.ts AS win_start, MAX(e.ts) AS win_end,
         COUNT(*) AS n, COUNT(DISTINCT e.sender) AS n_senders
  FROM cs a JOIN cs e ON e.account_id = a.account_id
   AND e.ts >= a.ts AND e.ts <= a.ts + INTERVAL '{wd}' DAY
  GROUP BY a.account_id, a.txn_id, a.ts
),
qual AS (
  SELECT DISTINCT 'account' AS subject_type, account_id AS subject_id, win_start, win_end
  FROM anchors WHERE n >= ? AND n_senders >= ?
),
{bursts_cte("qual")},
collected AS (
  SELECT b.subject_id AS account_id, b.burst_no, b.b_start, b.b_end,
         SUM(s.amt) AS total, COUNT(*) AS n_small, COUNT(DISTINCT s.sender) AS n_senders,
         MIN(s.amt) AS min_amt, MAX(s.amt) AS max_amt,
         array_agg(s.txn_id ORDER BY s.ts, s.txn_id) AS small_ids
  FROM bursts b JOIN cs s ON s.account_id = b.subject_id AND s.ts BETWEEN b.b_start AND b.b_end
  GROUP BY b.subject_id, b.burst_no, b.b_start, b.b_end
),
abroad AS (
  SELECT c.account_id, c.burst_no, x.txn_id, x.ts, x.amt, x.dest_country,
         ROW_NUMBER() OVER (PARTITION BY c.account_id, c.burst_no ORDER BY x.amt DESC, x.ts, x.txn_id) AS rk
  FROM collected c JOIN tx x ON x.from_account = c.account_id
   AND x.ts > c.b_start AND x.ts <= c.b_end + INTERVAL '{fd}' DAY
  WHERE x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country AND NOT x.self_transfer
),
top AS (
  SELECT a.account_id, a.burst_no, SUM(a.amt) AS sent_abroad, COUNT(*) AS n_abroad,
         MAX(a.ts) AS last_abroad, MAX(COALESCE(r.weight, 0)) AS max_weight,
         array_agg(a.txn_id ORDER BY a.ts, a.txn_id) AS abroad_ids,
         array_agg(DISTINCT a.dest_country) AS countries
  FROM abroad a LEFT JOIN ref_jurisdiction_risk r ON r.country = a.dest_country
  WHERE a.rk <= ?
  GROUP BY a.account_id, a.burst_no
)
SELECT c.*, t.sent_abroad, t.n_abroad, t.last_abroad, t.max_weight, t.abroad_ids, t.countries,
       o.subject_type, o.subject_id
FROM collected c JOIN top t ON t.account_id = c.account_id AND t.burst_no = c.burst_no
JOIN own o ON o.account_id = c.account_id
WHERE t.sent_abroad >= ? * c.total
ORDER BY o.subject_id, c.account_id, c.b_start
"""
        rows = ctx.sql(
            query,
            [
                float(p.max_small_amount),
                int(p.min_small_transfers),
                int(p.min_senders),
                int(p.min_small_transfers),
                int(p.min_senders),
                int(p.max_abroad_transfers),
                float(p.min_abroad_share),
            ],
        )
        ccy = base_currency()
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            total = float(r["total"])
            share = clamp01(float(r["sent_abroad"]) / total)
            score = clamp01(
                0.4
                + 0.2 * ramp(int(r["n_senders"]), int(p.min_senders), 4 * int(p.min_senders))
                + 0.2 * ramp(share, float(p.min_abroad_share), 1.0)
                + 0.2 * float(r["max_weight"] or 0)
            )
            details: dict[str, Any] = {
                "account_id": r["account_id"],
                "small_transfer_count": int(r["n_small"]),
                "sender_count": int(r["n_senders"]),
                "collected_amount": round(total, 2),
                "smallest": round(float(r["min_amt"]), 2),
                "largest": round(float(r["max_amt"]), 2),
                "collection_days": whole_days(r["b_start"], r["b_end"]),
                "sent_abroad_amount": round(float(r["sent_abroad"]), 2),
                "sent_abroad_count": int(r["n_abroad"]),
                "sent_abroad_share": round(share, 4),
                "days_to_send": whole_days(r["b_end"], r["last_abroad"]),
                "countries": sorted(c for c in as_list(r["countries"]) if c),
                "currency": ccy,
            }
            alerts.append(
                Alert(
                    subject_type=r["subject_type"],
                    subject_id=r["subject_id"],
                    score=round(score, 4),
                    window_start=r["b_start"],
                    window_end=max(r["b_end"], r["last_abroad"]),
                    evidence=list(r["small_ids"]) + list(r["abroad_ids"]),
                    explanation=_explain(details),
                    details=details,
                )
            )
        return alerts


def _explain(d: dict[str, Any]) -> str:
    ccy = d["currency"]
    return (
        f"{d['small_transfer_count']} small transfers of {money(d['smallest'], '')}–{money(d['largest'], ccy)} "
        f"from {d['sender_count']} senders (total {money(d['collected_amount'], ccy)}) reached personal "
        f"account {d['account_id']} in {plural(d['collection_days'], 'day')}, then "
        f"{money(d['sent_abroad_amount'], ccy)} ({pct(d['sent_abroad_share'])}) went to "
        f"{country_names(d['countries'])} in "
        f"{plural(d['sent_abroad_count'], 'transfer')} within {plural(d['days_to_send'], 'day')}."
    )
