"""TF-NPO-01 NPO funds diverted outside its declared operations.

Definition (catalogue): an NPO sends >= 20% of its outflows (>= 10,000 in 90 days) to
countries outside ``npo_operating_countries``, to individuals rather than organisations,
or in cash withdrawals; high-risk destinations raise the score.

Reading of the data:

- The NPO is a party of type ``npo``; its outflows are all debits from its accounts in the
  scan window (transfers, cash, cards), except moves between its own accounts.
- "(>= 10,000 in 90 days)" qualifies the outflows: within any 90-day window the NPO's
  outflows total >= 10,000 and the diverted part is >= 20% of them.
- A debit is diverted when any of these holds:
  * outside operations: its destination country (beneficiary country, else the credited
    account's country, else the transaction's location country) is known, is not the
    NPO's own country of registration, and is not in ``npo_operating_countries`` (an NPO
    that declares none has no declared operations abroad);
  * to an individual: the credited party is on file as ``individual``, or it is not on
    file and the beneficiary name is given and does not look like an organisation;
  * cash: a ``cash_withdrawal`` or ``atm_withdrawal``.
- Overlapping qualifying windows merge into one alert per NPO and burst.

Score: ``0.3 + 0.4 * ramp(diverted share, 20%, 80%) + 0.3 * h`` where ``h`` is the
amount-weighted jurisdiction weight of the diverted debits (0 for destinations not in
``ref_jurisdiction_risk``), so high-risk destinations raise it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from typologies._common import (
    as_list,
    clamp01,
    country_names,
    join_words,
    money,
    pct,
    plural,
    ramp,
    whole_days,
)
from typologies._sql import OWNERS_CTE, base_currency, bursts_cte, org_name_sql, transfers_cte
from typologies.base import Alert, Params, ScanContext, Typology


class Npo01Params(Params):
    min_diverted_share: float = Field(
        0.2, gt=0, le=1, description="share of the NPO's outflows in the window that is diverted"
    )
    min_outflows: float = Field(10_000, gt=0, description="the NPO's outflows within window_days")
    window_days: int = Field(90, ge=1, le=366, description="length of the sliding window in days")


class NpoFundsDiverted(Typology):
    id = "TF-NPO-01"
    name = "NPO funds diverted outside its declared operations"
    description = (
        "An NPO sends at least 20% of its outflows (at least 10,000 within 90 days) to countries "
        "outside its declared operating countries, to individuals rather than organisations, or "
        "in cash withdrawals; high-risk destinations raise the score."
    )
    references = (
        "FATF Recommendation 8 (non-profit organisations)",
        "FATF Risk of Terrorist Abuse in Non-Profit Organisations (2014)",
        "FATF Terrorist Financing (2008)",
    )
    Params = Npo01Params

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: Npo01Params = ctx.params  # type: ignore[assignment]
        wd = int(p.window_days)
        query = f"""
WITH {OWNERS_CTE},
npo_acc AS (
  SELECT a.account_id FROM accounts a JOIN parties p ON p.party_id = a.party_id WHERE p.party_type = 'npo'
),
src AS (SELECT t.* FROM scan_transactions t WHERE t.from_account IN (SELECT account_id FROM npo_acc)),
{transfers_cte("tx", "src")},
npo AS (SELECT party_id, country FROM parties WHERE party_type = 'npo'),
npo_ops AS (
  SELECT party_id, UNNEST(npo_operating_countries) AS country
  FROM parties WHERE party_type = 'npo' AND npo_operating_countries IS NOT NULL
),
outs AS (
  SELECT n.party_id AS npo_id, x.txn_id, x.ts, x.amt, x.channel,
         COALESCE(x.dest_country, x.location_country) AS dest,
         (COALESCE(x.dest_country, x.location_country) IS NOT NULL
          AND COALESCE(x.dest_country, x.location_country) <> n.country
          AND NOT EXISTS (SELECT 1 FROM npo_ops o WHERE o.party_id = n.party_id
                          AND o.country = COALESCE(x.dest_country, x.location_country))) AS outside,
         (x.channel NOT IN ('cash_withdrawal', 'atm_withdrawal')
          AND (x.t_ptype = 'individual'
               OR (x.t_party IS NULL AND x.beneficiary_name IS NOT NULL
                   AND trim(x.beneficiary_name) <> '' AND NOT {org_name_sql("x.beneficiary_name")})))
           AS to_individual,
         (x.channel IN ('cash_withdrawal', 'atm_withdrawal')) AS cash
  FROM tx x JOIN npo n ON x.f_stype = 'party' AND x.f_sid = n.party_id
  WHERE NOT x.self_transfer
),
flagged AS (
  SELECT o.*, (outside OR to_individual OR cash) AS diverted,
         CASE WHEN outside OR to_individual OR cash THEN amt ELSE 0 END AS div_amt
  FROM outs o
),
anchors AS (
  SELECT npo_id, ts AS win_start, MAX(ts) OVER w AS win_end,
         SUM(amt) OVER w AS total, SUM(div_amt) OVER w AS diverted_amt
  FROM flagged
  WINDOW w AS (PARTITION BY npo_id ORDER BY ts RANGE BETWEEN CURRENT ROW AND INTERVAL '{wd}' DAY FOLLOWING)
),
qual AS (
  SELECT DISTINCT 'party' AS subject_type, npo_id AS subject_id, win_start, win_end
  FROM anchors WHERE total >= ? AND diverted_amt > 0 AND diverted_amt >= ? * total
),
{bursts_cte("qual")},
inb AS (
  SELECT b.subject_id, b.burst_no, b.b_start, b.b_end, f.*
  FROM bursts b JOIN flagged f ON f.npo_id = b.subject_id AND f.ts BETWEEN b.b_start AND b.b_end
)
SELECT i.subject_id, i.burst_no, MIN(i.b_start) AS b_start, MAX(i.b_end) AS b_end,
       SUM(i.amt) AS total, SUM(i.div_amt) AS diverted,
       SUM(CASE WHEN i.outside THEN i.amt ELSE 0 END) AS outside_amt,
       SUM(CASE WHEN i.to_individual THEN i.amt ELSE 0 END) AS individual_amt,
       SUM(CASE WHEN i.cash THEN i.amt ELSE 0 END) AS cash_amt,
       SUM(CASE WHEN i.diverted THEN 1 ELSE 0 END) AS n_div,
       SUM(CASE WHEN i.diverted THEN i.amt * COALESCE(r.weight, 0) ELSE 0 END) AS weighted,
       SUM(CASE WHEN i.diverted AND r.weight IS NOT NULL THEN i.amt ELSE 0 END) AS hr_amt,
       array_agg(CASE WHEN i.diverted THEN i.txn_id END ORDER BY i.ts, i.txn_id) AS evidence,
       array_agg(DISTINCT CASE WHEN i.outside THEN i.dest END) AS outside_countries,
       array_agg(DISTINCT CASE WHEN i.diverted AND r.weight IS NOT NULL THEN i.dest END) AS hr_countries
FROM inb i LEFT JOIN ref_jurisdiction_risk r ON r.country = i.dest
GROUP BY i.subject_id, i.burst_no
ORDER BY i.subject_id, b_start
"""
        rows = ctx.sql(query, [float(p.min_outflows), float(p.min_diverted_share)])
        ccy = base_currency()
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            total, diverted = float(r["total"]), float(r["diverted"])
            share = clamp01(diverted / total) if total else 0.0
            h = float(r["weighted"]) / diverted if diverted else 0.0
            score = clamp01(0.3 + 0.4 * ramp(share, float(p.min_diverted_share), 0.8) + 0.3 * h)
            details: dict[str, Any] = {
                "outflow_amount": round(total, 2),
                "diverted_amount": round(diverted, 2),
                "diverted_share": round(share, 4),
                "diverted_count": int(r["n_div"]),
                "outside_operations_amount": round(float(r["outside_amt"]), 2),
                "to_individuals_amount": round(float(r["individual_amt"]), 2),
                "cash_amount": round(float(r["cash_amt"]), 2),
                "high_risk_amount": round(float(r["hr_amt"]), 2),
                "high_risk_weight": round(h, 3),
                "outside_countries": sorted(c for c in as_list(r["outside_countries"]) if c),
                "high_risk_countries": sorted(c for c in as_list(r["hr_countries"]) if c),
                "days": whole_days(r["b_start"], r["b_end"]),
                "currency": ccy,
            }
            alerts.append(
                Alert(
                    subject_type="party",
                    subject_id=r["subject_id"],
                    score=round(score, 4),
                    window_start=r["b_start"],
                    window_end=r["b_end"],
                    evidence=[e for e in as_list(r["evidence"]) if e],
                    explanation=_explain(details),
                    details=details,
                )
            )
        return alerts


def _explain(d: dict[str, Any]) -> str:
    ccy = d["currency"]
    parts = []
    if d["outside_operations_amount"]:
        parts.append(
            f"{money(d['outside_operations_amount'], ccy)} to countries outside its declared operations "
            f"({country_names(d['outside_countries'])})"
        )
    if d["to_individuals_amount"]:
        parts.append(f"{money(d['to_individuals_amount'], ccy)} to individuals")
    if d["cash_amount"]:
        parts.append(f"{money(d['cash_amount'], ccy)} in cash withdrawals")
    text = (
        f"The NPO diverted {money(d['diverted_amount'], ccy)} ({pct(d['diverted_share'])} of its "
        f"{money(d['outflow_amount'], ccy)} outflows) in {plural(d['diverted_count'], 'payment')} "
        f"over {plural(d['days'], 'day')}: {join_words(parts)}"
    )
    if d["high_risk_amount"]:
        text += (
            f"; {money(d['high_risk_amount'], ccy)} went to high-risk jurisdictions "
            f"({country_names(d['high_risk_countries'])})"
        )
    return text + "."
