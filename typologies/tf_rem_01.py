"""TF-REM-01 Remittances to many individuals in facilitation jurisdictions.

Definition (catalogue): one party sends remittances or wires without a stated purpose to
>= 4 distinct individuals in high-risk jurisdictions within 60 days.

Reading of the data:

- Payments: debits by ``remittance`` or ``wire`` (``channels``) whose ``reference`` is
  empty ("without a stated purpose"), sent by a party of ``sender_party_types`` (money
  service businesses and banks, whose trade is remitting for others, and government
  bodies are left out by default) or by an account on file whose owner is not on file.
- The beneficiary's country is ``beneficiary_country``, else the credited account's
  country; it must be in ``ref_jurisdiction_risk`` and differ from the sender account's
  country (a cross-border payment).
- Individuals: a beneficiary on file counts when its party type is ``individual``; one not
  on file counts unless its ``beneficiary_name`` looks like an organisation (legal forms
  such as LTD/LLC/GmbH and nouns such as bank, trading, foundation).  Distinct individuals
  are distinct beneficiary parties, else distinct beneficiary names (case and spacing
  ignored), else distinct credited accounts.
- Any 60-day window counts; overlapping qualifying windows merge into one alert.

Score: ``0.3 + 0.4 * ramp(individuals, 4, 12) + 0.3 * w`` where ``w`` is the
amount-weighted jurisdiction weight of the destinations.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from typologies._common import as_list, clamp01, countries_phrase, money, plural, ramp, whole_days
from typologies._sql import OWNERS_CTE, base_currency, bursts_cte, org_name_sql, sql_strings, transfers_cte
from typologies.base import Alert, Params, ScanContext, Typology


class RemParams(Params):
    min_individuals: int = Field(4, ge=1, description="distinct individual beneficiaries within window_days")
    window_days: int = Field(60, ge=1, le=366, description="length of the sliding window in days")
    channels: tuple[str, ...] = Field(("remittance", "wire"), description="channels that count as remittances")
    sender_party_types: tuple[str, ...] = Field(
        ("individual", "business", "npo"), description="party types monitored as senders"
    )


class RemittancesToIndividuals(Typology):
    id = "TF-REM-01"
    name = "Remittances to many individuals in facilitation jurisdictions"
    description = (
        "One party sends remittances or wires without a stated purpose to at least 4 distinct "
        "individuals in high-risk jurisdictions within 60 days."
    )
    references = (
        "FATF Recommendation 16 (wire transfers)",
        "FATF Emerging Terrorist Financing Risks (2015)",
        "FATF Financing of the terrorist organisation ISIL (2015)",
    )
    Params = RemParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: RemParams = ctx.params  # type: ignore[assignment]
        channels = sql_strings(p.channels, "channels")
        stypes = sql_strings(p.sender_party_types, "sender_party_types")
        wd = int(p.window_days)
        query = f"""
WITH {OWNERS_CTE},
{transfers_cte("tx", "scan_transactions", f"t.channel IN ({channels}) AND (t.reference IS NULL OR trim(t.reference) = '')")},
pay AS (
  SELECT x.f_stype AS subject_type, x.f_sid AS subject_id, x.txn_id, x.ts, x.amt, x.channel,
         x.dest_country, r.category, r.weight,
         COALESCE(x.t_party, upper(trim(x.beneficiary_name)), x.to_account) AS beneficiary
  FROM tx x JOIN ref_jurisdiction_risk r ON r.country = x.dest_country
  WHERE x.f_on_file AND (x.f_ptype IN ({stypes}) OR x.f_party IS NULL)
    AND NOT x.self_transfer
    AND x.dest_country <> x.f_acct_country
    AND (x.t_ptype = 'individual'
         OR (x.t_party IS NULL AND (x.beneficiary_name IS NULL OR NOT {org_name_sql("x.beneficiary_name")})))
),
cand AS (
  SELECT subject_type, subject_id FROM pay GROUP BY subject_type, subject_id
  HAVING COUNT(DISTINCT beneficiary) >= ?
),
cp AS (SELECT pay.* FROM pay JOIN cand USING (subject_type, subject_id)),
anchors AS (
  SELECT a.subject_type, a.subject_id, a.ts AS win_start, MAX(e.ts) AS win_end,
         COUNT(DISTINCT e.beneficiary) AS n_ben
  FROM cp a JOIN cp e ON e.subject_type = a.subject_type AND e.subject_id = a.subject_id
   AND e.ts >= a.ts AND e.ts <= a.ts + INTERVAL '{wd}' DAY
  GROUP BY a.subject_type, a.subject_id, a.txn_id, a.ts
),
qual AS (SELECT DISTINCT subject_type, subject_id, win_start, win_end FROM anchors WHERE n_ben >= ?),
{bursts_cte("qual")}
SELECT b.subject_type, b.subject_id, b.b_start, b.b_end,
       COUNT(DISTINCT c.beneficiary) AS n_ben, COUNT(*) AS n_pay, SUM(c.amt) AS total,
       SUM(c.amt * c.weight) / SUM(c.amt) AS weight,
       SUM(CASE WHEN c.channel = 'remittance' THEN 1 ELSE 0 END) AS n_rem,
       array_agg(c.txn_id ORDER BY c.ts, c.txn_id) AS evidence,
       array_agg(DISTINCT c.dest_country) AS countries,
       array_agg(DISTINCT c.category) AS categories
FROM bursts b JOIN cp c ON c.subject_type = b.subject_type AND c.subject_id = b.subject_id
 AND c.ts BETWEEN b.b_start AND b.b_end
GROUP BY b.subject_type, b.subject_id, b.burst_no, b.b_start, b.b_end
ORDER BY b.subject_type, b.subject_id, b.b_start
"""
        rows = ctx.sql(query, [int(p.min_individuals), int(p.min_individuals)])
        ccy = base_currency()
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            n_ben = int(r["n_ben"])
            weight = float(r["weight"])
            score = clamp01(
                0.3 + 0.4 * ramp(n_ben, int(p.min_individuals), 3 * int(p.min_individuals)) + 0.3 * weight
            )
            details: dict[str, Any] = {
                "individual_count": n_ben,
                "payment_count": int(r["n_pay"]),
                "remittance_count": int(r["n_rem"]),
                "wire_count": int(r["n_pay"]) - int(r["n_rem"]),
                "total_amount": round(float(r["total"]), 2),
                "countries": sorted(c for c in as_list(r["countries"]) if c),
                "categories": sorted(c for c in as_list(r["categories"]) if c),
                "category_weight": round(weight, 3),
                "days": whole_days(r["b_start"], r["b_end"]),
                "currency": ccy,
            }
            alerts.append(
                Alert(
                    subject_type=r["subject_type"],
                    subject_id=r["subject_id"],
                    score=round(score, 4),
                    window_start=r["b_start"],
                    window_end=r["b_end"],
                    evidence=list(r["evidence"]),
                    explanation=_explain(details),
                    details=details,
                )
            )
        return alerts


def _explain(d: dict[str, Any]) -> str:
    kinds = []
    if d["remittance_count"]:
        kinds.append(plural(d["remittance_count"], "remittance"))
    if d["wire_count"]:
        kinds.append(plural(d["wire_count"], "wire"))
    return (
        f"Sent {money(d['total_amount'], d['currency'])} in {' and '.join(kinds)} "
        f"with no stated purpose to {d['individual_count']} different individuals in "
        f"{countries_phrase(d['countries'], d['categories'])} within {plural(d['days'], 'day')}."
    )
