"""TF-XB-01 High-risk corridor.

Definition (catalogue): an individual or business sends or receives >= 10,000 in 30 days
to/from high-risk jurisdictions with no NPO/trade rationale; the score rises with the
jurisdiction's category and the share of the party's flows.

Reading of the data:

- Flows are transfers (``channels``, default wire, domestic transfer, remittance, mobile
  transfer, cheque, internal) in the scan window.  The counterparty's country is
  ``beneficiary_country`` (sent) or ``originator_country`` (received), falling back to the
  country of the counterparty's account when the account is on file.
- A flow is a corridor flow when that country is in ``ref_jurisdiction_risk`` and differs
  from the country of the subject's own account (a domestic payment inside a listed country
  is not a cross-border corridor).  Transfers between two accounts of the same owner are
  ignored.
- Subjects are parties of type ``individual`` or ``business`` (``party_types``) owning the
  account; an account on file whose owner is not on file is its own subject (type unknown).
- "No NPO/trade rationale": a flow is excused when it pays a trade document
  (``trade_documents.payment_txn_id``), or when the counterparty is an NPO whose declared
  ``npo_operating_countries`` include that country (a donation to a charity working
  there), or when the counterparty is a party of ``excused_counterparty_types`` (default
  government bodies: taxes and fees have a public rationale).  Optionally
  (``trade_reference_words``, empty by default) a business's payment whose reference states
  a trade purpose is excused too; payment references are free text anyone can write, so
  this is off unless the user opts in.  NPOs themselves are not
  subjects here; their flows outside declared operations are TF-NPO-01.
- Any 30-day window counts (a window opens at every corridor flow); overlapping qualifying
  windows of a subject merge into one burst, which gives one alert.

Score: ``0.2 + 0.5 * w + 0.3 * s`` where ``w`` is the amount-weighted category weight of
the corridor countries (``ref_jurisdiction_risk.weight``: call for action 1.0, conflict
zone 0.9, increased monitoring 0.6, border/transit 0.5) and ``s`` the share of the subject's
transfer flows (in and out) in the burst's period (at least 30 days from its start) that
went through the corridor.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from engine.schema import TRANSFER_CHANNELS
from typologies._common import (
    CATEGORY_LABELS,
    as_list,
    clamp01,
    country_names,
    join_words,
    money,
    pct,
    plural,
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

# ---------------------------------------------------------------------------------------
# TF-XB-01
# ---------------------------------------------------------------------------------------


class XbParams(Params):
    min_amount: float = Field(
        10_000, gt=0, description="corridor flows (sent plus received, base currency) within window_days"
    )
    window_days: int = Field(30, ge=1, le=366, description="length of the sliding window in days")
    party_types: tuple[str, ...] = Field(
        ("individual", "business"), description="party types monitored (accounts without owner on file too)"
    )
    channels: tuple[str, ...] = Field(TRANSFER_CHANNELS, description="transaction channels that count as transfers")
    trade_reference_words: tuple[str, ...] = Field(
        (),
        description="words that, in the reference of a business's payment, state a trade purpose "
        "(e.g. INVOICE, SUPPLIER); empty: only trade documents on file give a trade rationale",
    )
    excused_counterparty_types: tuple[str, ...] = Field(
        ("government",), description="counterparty party types whose flows have a public rationale (taxes, fees)"
    )


class HighRiskCorridor(Typology):
    id = "TF-XB-01"
    name = "High-risk corridor"
    description = (
        "An individual or business sends or receives at least 10,000 within 30 days to or from "
        "high-risk jurisdictions, with no NPO or trade rationale on file (no trade document paid "
        "by the flows, no NPO counterparty declared to operate there). The score rises with the "
        "jurisdiction's risk category and with the share of the party's flows."
    )
    references = (
        "FATF Recommendation 16 (wire transfers)",
        "FATF Terrorist Financing (2008)",
        "FATF Emerging Terrorist Financing Risks (2015)",
    )
    Params = XbParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: XbParams = ctx.params  # type: ignore[assignment]
        channels = sql_strings(p.channels, "channels")
        ptypes = sql_strings(p.party_types, "party_types")
        excused = sql_strings(p.excused_counterparty_types, "excused_counterparty_types", allow_empty=True)
        wd = int(p.window_days)
        trade_ref = "FALSE"
        if p.trade_reference_words:
            words = "|".join(re.escape(w.upper()) for w in p.trade_reference_words if w.strip())
            if words:
                trade_ref = (
                    "COALESCE(l.own_type = 'business' AND regexp_matches(upper(l.reference), "
                    f"'{words.replace(chr(39), chr(39) * 2)}'), FALSE)"
                )
        query = f"""
WITH {OWNERS_CTE},
hr_acc AS (
  SELECT a.account_id FROM accounts a JOIN ref_jurisdiction_risk r ON r.country = a.country
),
src AS (
  SELECT t.* FROM scan_transactions t
  WHERE t.channel IN ({channels})
    AND (t.beneficiary_country IN (SELECT country FROM ref_jurisdiction_risk)
         OR t.originator_country IN (SELECT country FROM ref_jurisdiction_risk)
         OR t.from_account IN (SELECT account_id FROM hr_acc)
         OR t.to_account IN (SELECT account_id FROM hr_acc))
),
{transfers_cte("tx", "src")},
trade_paid AS (
  SELECT DISTINCT payment_txn_id FROM trade_documents WHERE payment_txn_id IS NOT NULL
),
npo_ops AS (
  SELECT party_id, UNNEST(npo_operating_countries) AS country
  FROM parties WHERE party_type = 'npo' AND npo_operating_countries IS NOT NULL
),
{_legs_cte("legs", "tx", ptypes)},
hr AS (
  SELECT l.*, r.category, r.weight
  FROM legs l JOIN ref_jurisdiction_risk r ON r.country = l.cp_country
  WHERE l.cp_country <> l.own_country
    AND NOT EXISTS (SELECT 1 FROM trade_paid d WHERE d.payment_txn_id = l.txn_id)
    AND NOT EXISTS (SELECT 1 FROM npo_ops n WHERE n.party_id = l.cp_party AND n.country = l.cp_country)
    AND (l.cp_type IS NULL OR l.cp_type NOT IN ({excused}))
    AND NOT {trade_ref}
),
anchors AS (
  SELECT subject_type, subject_id, ts AS win_start,
         SUM(amt) OVER w AS win_amt, MAX(ts) OVER w AS win_end
  FROM hr
  WINDOW w AS (PARTITION BY subject_type, subject_id ORDER BY ts
               RANGE BETWEEN CURRENT ROW AND INTERVAL '{wd}' DAY FOLLOWING)
),
qual AS (SELECT DISTINCT subject_type, subject_id, win_start, win_end FROM anchors WHERE win_amt >= ?),
{bursts_cte("qual")},
hits AS (
  SELECT b.subject_type, b.subject_id, b.burst_no, b.b_start, b.b_end, h.txn_id, h.ts, h.amt,
         h.direction, h.cp_country, h.category, h.weight
  FROM bursts b JOIN hr h ON h.subject_type = b.subject_type AND h.subject_id = b.subject_id
   AND h.ts BETWEEN b.b_start AND b.b_end
),
agg AS (
  SELECT subject_type, subject_id, burst_no, MIN(b_start) AS b_start, MAX(b_end) AS b_end,
         SUM(amt) AS hr_amount,
         SUM(CASE WHEN direction = 'out' THEN amt ELSE 0 END) AS sent,
         SUM(CASE WHEN direction = 'in' THEN amt ELSE 0 END) AS received,
         SUM(CASE WHEN direction = 'out' THEN 1 ELSE 0 END) AS n_sent,
         SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) AS n_received,
         SUM(amt * weight) / SUM(amt) AS weight,
         array_agg(txn_id ORDER BY ts, txn_id) AS evidence,
         array_agg(DISTINCT cp_country) AS countries,
         array_agg(DISTINCT category) AS categories,
         array_agg(DISTINCT CASE WHEN direction = 'out' THEN cp_country END) AS countries_out,
         array_agg(DISTINCT CASE WHEN direction = 'in' THEN cp_country END) AS countries_in
  FROM hits GROUP BY subject_type, subject_id, burst_no
),
subj_acc AS (
  SELECT DISTINCT o.account_id FROM own o JOIN agg a ON a.subject_type = o.subject_type AND a.subject_id = o.subject_id
),
src_all AS (
  SELECT t.* FROM scan_transactions t
  WHERE t.channel IN ({channels})
    AND (t.from_account IN (SELECT account_id FROM subj_acc) OR t.to_account IN (SELECT account_id FROM subj_acc))
),
{transfers_cte("tx_all", "src_all")},
{_legs_cte("legs_all", "tx_all", ptypes)},
all_legs AS (
  SELECT a.subject_type, a.subject_id, a.burst_no, SUM(l.amt) AS all_amount
  FROM agg a JOIN legs_all l ON l.subject_type = a.subject_type AND l.subject_id = a.subject_id
   AND l.ts >= a.b_start
   AND l.ts <= CASE WHEN a.b_end > a.b_start + INTERVAL '{wd}' DAY THEN a.b_end
                    ELSE a.b_start + INTERVAL '{wd}' DAY END
  GROUP BY a.subject_type, a.subject_id, a.burst_no
)
SELECT a.*, COALESCE(al.all_amount, a.hr_amount) AS all_amount
FROM agg a LEFT JOIN all_legs al ON al.subject_type = a.subject_type
 AND al.subject_id = a.subject_id AND al.burst_no = a.burst_no
ORDER BY a.subject_type, a.subject_id, a.b_start
"""
        rows = ctx.sql(query, [float(p.min_amount)])
        ccy = base_currency()
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            hr_amount = float(r["hr_amount"])
            share = clamp01(hr_amount / max(float(r["all_amount"]), hr_amount))
            weight = float(r["weight"])
            score = clamp01(0.2 + 0.5 * weight + 0.3 * share)
            countries = sorted(c for c in as_list(r["countries"]) if c)
            categories = sorted(c for c in as_list(r["categories"]) if c)
            details = {
                "corridor_amount": round(hr_amount, 2),
                "sent_amount": round(float(r["sent"]), 2),
                "received_amount": round(float(r["received"]), 2),
                "sent_count": int(r["n_sent"]),
                "received_count": int(r["n_received"]),
                "countries": countries,
                "countries_sent_to": sorted(c for c in as_list(r["countries_out"]) if c),
                "countries_received_from": sorted(c for c in as_list(r["countries_in"]) if c),
                "categories": categories,
                "category_weight": round(weight, 3),
                "share_of_flows": round(share, 4),
                "all_flows_amount": round(float(r["all_amount"]), 2),
                "days": whole_days(r["b_start"], r["b_end"]),
                "currency": ccy,
                "threshold": float(p.min_amount),
                "window_days": wd,
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


def _legs_cte(name: str, tx: str, ptypes: str) -> str:
    """Each transfer of ``tx`` from the side of each monitored account it touches."""
    return f"""{name} AS (
  SELECT f_stype AS subject_type, f_sid AS subject_id, txn_id, ts, amt, 'out' AS direction,
         dest_country AS cp_country, f_acct_country AS own_country, t_party AS cp_party, t_ptype AS cp_type,
         f_ptype AS own_type, reference
  FROM {tx} WHERE f_on_file AND NOT self_transfer AND (f_ptype IN ({ptypes}) OR f_party IS NULL)
  UNION ALL
  SELECT t_stype, t_sid, txn_id, ts, amt, 'in',
         orig_country, t_acct_country, f_party, f_ptype, t_ptype, reference
  FROM {tx} WHERE t_on_file AND NOT self_transfer AND (t_ptype IN ({ptypes}) OR t_party IS NULL)
)"""


def _explain(d: dict[str, Any]) -> str:
    ccy = d["currency"]
    parts = []
    if d["sent_count"]:
        parts.append(
            f"sent {money(d['sent_amount'], ccy)} in {plural(d['sent_count'], 'transfer')} to "
            f"{country_names(d['countries_sent_to'])}"
        )
    if d["received_count"]:
        parts.append(
            f"received {money(d['received_amount'], ccy)} in {plural(d['received_count'], 'transfer')} from "
            f"{country_names(d['countries_received_from'])}"
        )
    cats = join_words([CATEGORY_LABELS.get(c, c) for c in d["categories"]])
    text = " and ".join(parts)
    return (
        f"{text[0].upper()}{text[1:]} ({cats}) in {plural(d['days'], 'day')}, "
        f"{pct(d['share_of_flows'])} of the party's transfer flows, with no NPO or trade purpose on file."
    )
