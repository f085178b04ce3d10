"""TF-NPO-02 NPO used as a pass-through.

Definition (catalogue): an NPO receives from >= 10 donors and forwards >= 70% within 7 days
to <= 2 beneficiaries, or to accounts of parties that share an address, phone or id number
with its own officers/controllers, that then send it abroad.

Reading of the data:

- Donations: credits into the accounts of a party of type ``npo`` (any channel), except
  moves between its own accounts.  A donor is the debited account's owner party, else the
  debited account, else the originator name.
- Collection window: the catalogue bounds the forwarding delay (7 days) but not the time
  over which the donations arrive; a window opens at every donation and runs
  ``collection_days`` (default 30).  It qualifies when it holds donations from >= 10
  distinct donors and one of the two branches holds for the NPO's transfers made from the
  window's first donation to ``forward_days`` (7) after its last:
  * concentration: the ``max_beneficiaries`` (2) largest beneficiaries (credited party,
    else account, else name; the NPO's own accounts excluded) received >= 70% of the
    window's donations and >= 70% of everything the NPO transferred out in that period
    (an NPO that pays out more than it received, to many partners, is not forwarding to
    two beneficiaries).  Transfers to organisations abroad in one of the NPO's declared
    ``npo_operating_countries`` are programme delivery (the rationale TF-XB-01 also
    accepts) and never count as one of the two beneficiaries (``excuse_declared_partners``);
  * related parties: accounts of related parties received >= 70% of the donations, and
    that money went abroad: the share of it that was sent cross-border, directly (the
    credited account is held in another country) or onward by the credited accounts
    within another ``forward_days`` (destination country differing from the account's
    country), is >= ``min_onward_share`` (70%).  "That then send it abroad" is read as
    part of this alternative only.
- Officers and controllers are not part of the data contract, so they are read from the
  shared identifiers that exist: parties whose normalised address, id number or phone
  (``phone`` in the row's extra columns, when supplied) equal the NPO's own are taken as
  its officers/controllers; related parties are those officers, parties sharing such an
  identifier with an officer, and the NPO itself (its own other accounts, e.g. one held
  abroad).  An identifier shared by more than ``max_identifier_parties`` parties (a
  registered-agent address, a placeholder) links nobody.
- Qualifying windows merge into one alert per NPO and burst; its figures and evidence
  come from the burst's window with the highest forwarded share.

Score: ``0.4 + 0.3 * ramp(forwarded share, 70%, 100%) + 0.15 * ramp(donors, 10, 40)``,
plus 0.15 when the related-party branch holds.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

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
from typologies._sql import OWNERS_CTE, base_currency, bursts_cte, org_name_sql, transfers_cte
from typologies.base import Alert, Params, ScanContext, Typology


class Npo02Params(Params):
    min_donors: int = Field(10, ge=1, description="distinct donors within collection_days")
    collection_days: int = Field(30, ge=1, le=366, description="days over which the donations are counted")
    forward_days: int = Field(7, ge=0, description="days after the last donation within which it is forwarded")
    min_forward_share: float = Field(0.7, gt=0, le=1, description="share of the donations forwarded")
    max_beneficiaries: int = Field(2, ge=1, description="the forwarded share goes to at most this many beneficiaries")
    min_onward_share: float = Field(
        0.7, gt=0, le=1, description="share of what related parties received that they send abroad"
    )
    excuse_declared_partners: bool = Field(
        True,
        description="transfers to organisations abroad in the NPO's declared operating countries are "
        "programme delivery, not forwarding to beneficiaries",
    )
    max_identifier_parties: int = Field(
        20, ge=2, description="an address/id number/phone shared by more parties than this links nobody"
    )


class NpoPassThrough(Typology):
    id = "TF-NPO-02"
    name = "NPO used as a pass-through"
    description = (
        "An NPO receives from at least 10 donors and forwards at least 70% within 7 days to at most "
        "2 beneficiaries, or to accounts of parties sharing an address, phone or id number with its "
        "officers/controllers that then send it abroad."
    )
    references = (
        "FATF Recommendation 8 (non-profit organisations)",
        "FATF Risk of Terrorist Abuse in Non-Profit Organisations (2014)",
        "FATF Emerging Terrorist Financing Risks (2015)",
    )
    Params = Npo02Params

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: Npo02Params = ctx.params  # type: ignore[assignment]
        cd, fd = int(p.collection_days), int(p.forward_days)
        query = f"""
WITH {OWNERS_CTE},
npo_acc AS (
  SELECT a.account_id FROM accounts a JOIN parties p ON p.party_id = a.party_id WHERE p.party_type = 'npo'
),
npo_tx AS (
  SELECT t.* FROM scan_transactions t
  WHERE t.from_account IN (SELECT account_id FROM npo_acc) OR t.to_account IN (SELECT account_id FROM npo_acc)
),
hop_acc AS (
  SELECT DISTINCT to_account AS account_id FROM npo_tx
  WHERE to_account IS NOT NULL AND from_account IN (SELECT account_id FROM npo_acc)
),
src AS (
  SELECT * FROM npo_tx
  UNION ALL
  SELECT t.* FROM scan_transactions t
  WHERE t.from_account IN (SELECT account_id FROM hop_acc)
    AND t.from_account NOT IN (SELECT account_id FROM npo_acc)
    AND (t.to_account IS NULL OR t.to_account NOT IN (SELECT account_id FROM npo_acc))
),
{transfers_cte("tx", "src")},
don AS (
  SELECT x.t_sid AS npo_id, x.txn_id, x.ts, x.amt,
         COALESCE(x.f_party, x.from_account, upper(trim(x.originator_name))) AS donor
  FROM tx x
  WHERE x.t_stype = 'party' AND x.t_ptype = 'npo' AND NOT x.self_transfer
),
cand AS (SELECT npo_id FROM don GROUP BY npo_id HAVING COUNT(DISTINCT donor) >= $donors),
cdon AS (SELECT don.* FROM don JOIN cand USING (npo_id)),
win AS (
  SELECT a.npo_id, a.txn_id AS anchor, a.ts AS w_start, MAX(e.ts) AS w_end,
         SUM(e.amt) AS donated, COUNT(*) AS n_don, COUNT(DISTINCT e.donor) AS n_donors
  FROM cdon a JOIN cdon e ON e.npo_id = a.npo_id AND e.ts >= a.ts AND e.ts <= a.ts + INTERVAL '{cd}' DAY
  GROUP BY a.npo_id, a.txn_id, a.ts
  HAVING COUNT(DISTINCT e.donor) >= $donors
),
npo_ops AS (
  SELECT party_id, UNNEST(npo_operating_countries) AS country
  FROM parties WHERE party_type = 'npo' AND npo_operating_countries IS NOT NULL
),
outs AS (
  SELECT x.f_sid AS npo_id, x.txn_id, x.ts, x.amt, x.to_account, x.self_transfer, x.t_party,
         COALESCE(x.t_party, x.to_account, upper(trim(x.beneficiary_name))) AS beneficiary,
         x.dest_country, (x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country) AS xb,
         COALESCE($excuse_partners
          AND x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country
          AND EXISTS (SELECT 1 FROM npo_ops n WHERE n.party_id = x.f_sid AND n.country = x.dest_country)
          AND (x.t_ptype IN ('business', 'npo', 'government', 'financial_institution')
               OR (x.t_party IS NULL AND x.beneficiary_name IS NOT NULL
                   AND {org_name_sql("x.beneficiary_name")})), FALSE) AS partner
  FROM tx x JOIN cand c ON c.npo_id = x.f_sid
  WHERE x.f_stype = 'party' AND x.to_account IS NOT NULL
),
wo AS (
  SELECT w.npo_id, w.anchor, o.*
  FROM win w JOIN outs o ON o.npo_id = w.npo_id
   AND o.ts >= w.w_start AND o.ts <= w.w_end + INTERVAL '{fd}' DAY
),
recv AS (
  SELECT npo_id, anchor, to_account, beneficiary, t_party, self_transfer, partner, SUM(amt) AS amt,
         SUM(CASE WHEN xb THEN amt ELSE 0 END) AS xb_amt, MIN(ts) AS first_in
  FROM wo GROUP BY npo_id, anchor, to_account, beneficiary, t_party, self_transfer, partner
),
onward AS (
  SELECT r.npo_id, r.anchor, r.to_account, x.txn_id, x.amt, x.dest_country
  FROM recv r
  JOIN win w ON w.npo_id = r.npo_id AND w.anchor = r.anchor
  JOIN tx x ON x.from_account = r.to_account
  WHERE r.xb_amt < r.amt AND x.ts >= r.first_in AND x.ts <= w.w_end + INTERVAL '{2 * fd}' DAY
    AND x.dest_country IS NOT NULL AND x.dest_country <> x.f_acct_country AND NOT x.self_transfer
),
on_acc AS (
  SELECT npo_id, anchor, to_account, SUM(amt) AS on_amt FROM onward GROUP BY npo_id, anchor, to_account
),
recv2 AS (
  SELECT r.*, r.xb_amt + LEAST(r.amt - r.xb_amt, COALESCE(o.on_amt, 0)) AS abroad_amt
  FROM recv r LEFT JOIN on_acc o
    ON o.npo_id = r.npo_id AND o.anchor = r.anchor AND o.to_account = r.to_account
),
ben AS (
  SELECT npo_id, anchor, beneficiary, SUM(amt) AS amt, SUM(abroad_amt) AS abroad,
         ROW_NUMBER() OVER (PARTITION BY npo_id, anchor ORDER BY SUM(amt) DESC, beneficiary) AS rk
  FROM recv2 WHERE NOT self_transfer AND NOT partner GROUP BY npo_id, anchor, beneficiary
),
all_out AS (
  SELECT npo_id, anchor, SUM(amt) AS all_out FROM recv2 WHERE NOT self_transfer GROUP BY npo_id, anchor
),
a_top AS (
  SELECT b.npo_id, b.anchor, SUM(CASE WHEN b.rk <= $max_ben THEN b.amt ELSE 0 END) AS top_amt,
         SUM(CASE WHEN b.rk <= $max_ben THEN b.abroad ELSE 0 END) AS top_abroad,
         SUM(CASE WHEN b.rk <= $max_ben THEN 1 ELSE 0 END) AS n_top, MAX(o.all_out) AS all_out
  FROM ben b JOIN all_out o ON o.npo_id = b.npo_id AND o.anchor = b.anchor
  GROUP BY b.npo_id, b.anchor
),
ident AS (
  SELECT party_id, 'address' AS kind, upper(trim(address)) AS val
  FROM parties WHERE address IS NOT NULL AND trim(address) <> ''
  UNION ALL
  SELECT party_id, 'id number', upper(trim(id_number))
  FROM parties WHERE id_number IS NOT NULL AND trim(id_number) <> ''
  UNION ALL
  SELECT party_id, 'phone', regexp_replace(json_extract_string(extra, '$.phone'), '[^0-9]', '', 'g')
  FROM parties WHERE extra IS NOT NULL AND json_extract_string(extra, '$.phone') IS NOT NULL
),
ident_ok AS (
  SELECT i.party_id, i.kind, i.val FROM ident i
  JOIN (SELECT kind, val FROM ident WHERE val <> '' GROUP BY kind, val
        HAVING COUNT(DISTINCT party_id) BETWEEN 2 AND $max_ident) g ON g.kind = i.kind AND g.val = i.val
),
link AS (
  SELECT DISTINCT a.party_id AS p1, b.party_id AS p2, a.kind
  FROM ident_ok a JOIN ident_ok b ON a.kind = b.kind AND a.val = b.val AND a.party_id <> b.party_id
),
officers AS (SELECT c.npo_id, l.p2 AS officer, l.kind FROM cand c JOIN link l ON l.p1 = c.npo_id),
rel AS (
  SELECT npo_id, npo_id AS rel_party, 'the NPO''s own account' AS how FROM cand
  UNION
  SELECT npo_id, officer, 'shares its ' || kind || ' with the NPO' FROM officers
  UNION
  SELECT o.npo_id, l.p2, 'shares its ' || l.kind || ' with an officer of the NPO'
  FROM officers o JOIN link l ON l.p1 = o.officer WHERE l.p2 <> o.npo_id
),
rel1 AS (SELECT npo_id, rel_party, MIN(how) AS how FROM rel GROUP BY npo_id, rel_party),
wr AS (
  SELECT r2.*, r.how FROM recv2 r2 JOIN rel1 r ON r.npo_id = r2.npo_id AND r.rel_party = r2.t_party
),
b_rel AS (
  SELECT npo_id, anchor, SUM(amt) AS rel_amt, SUM(abroad_amt) AS rel_abroad FROM wr GROUP BY npo_id, anchor
),
judged AS (
  SELECT w.*, COALESCE(a.top_amt, 0) AS top_amt, COALESCE(a.top_abroad, 0) AS top_abroad,
         COALESCE(a.n_top, 0) AS n_top, COALESCE(a.all_out, 0) AS all_out,
         COALESCE(r.rel_amt, 0) AS rel_amt, COALESCE(r.rel_abroad, 0) AS rel_abroad,
         (COALESCE(a.top_amt, 0) > 0 AND a.top_amt >= $share * w.donated AND a.top_amt >= $share * a.all_out
          ) AS branch_a,
         (COALESCE(r.rel_amt, 0) > 0 AND r.rel_amt >= $share * w.donated
          AND r.rel_abroad >= $onward * r.rel_amt) AS branch_b
  FROM win w
  LEFT JOIN a_top a ON a.npo_id = w.npo_id AND a.anchor = w.anchor
  LEFT JOIN b_rel r ON r.npo_id = w.npo_id AND r.anchor = w.anchor
),
qual AS (
  SELECT DISTINCT 'party' AS subject_type, npo_id AS subject_id, w_start AS win_start, w_end AS win_end
  FROM judged WHERE branch_a OR branch_b
),
{bursts_cte("qual")},
best AS (
  SELECT j.*, b.burst_no, b.b_start, b.b_end,
         ROW_NUMBER() OVER (
           PARTITION BY b.subject_id, b.burst_no
           ORDER BY CASE WHEN j.branch_b THEN j.rel_amt ELSE 0 END / j.donated
                    + CASE WHEN j.branch_a THEN j.top_amt ELSE 0 END / j.donated DESC, j.w_start
         ) AS rn
  FROM bursts b JOIN judged j ON j.npo_id = b.subject_id AND (j.branch_a OR j.branch_b)
   AND j.w_start BETWEEN b.b_start AND b.b_end
),
chosen AS (SELECT * FROM best WHERE rn = 1),
fwd_acc AS (
  SELECT c.npo_id, c.anchor, r2.to_account, r2.t_party, r2.beneficiary, 'a' AS branch
  FROM chosen c
  JOIN ben bn ON bn.npo_id = c.npo_id AND bn.anchor = c.anchor AND bn.rk <= $max_ben
  JOIN recv2 r2 ON r2.npo_id = c.npo_id AND r2.anchor = c.anchor AND r2.beneficiary = bn.beneficiary
   AND NOT r2.self_transfer
  WHERE c.branch_a
  UNION ALL
  SELECT c.npo_id, c.anchor, wr.to_account, wr.t_party, wr.beneficiary, 'b'
  FROM chosen c JOIN wr ON wr.npo_id = c.npo_id AND wr.anchor = c.anchor
  WHERE c.branch_b
),
ev_don AS (
  SELECT c.npo_id, c.anchor, array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS ids
  FROM chosen c JOIN cdon d ON d.npo_id = c.npo_id AND d.ts >= c.w_start AND d.ts <= c.w_end
  GROUP BY c.npo_id, c.anchor
),
ev_fwd AS (
  SELECT f.npo_id, f.anchor, array_agg(DISTINCT wo.txn_id) AS ids,
         array_agg(DISTINCT CASE WHEN f.branch = 'a' THEN f.beneficiary END) AS beneficiaries,
         array_agg(DISTINCT CASE WHEN f.branch = 'b' THEN f.t_party END) AS rel_parties,
         array_agg(DISTINCT CASE WHEN wo.xb THEN wo.dest_country END) AS xb_countries
  FROM fwd_acc f JOIN wo ON wo.npo_id = f.npo_id AND wo.anchor = f.anchor AND wo.to_account = f.to_account
  GROUP BY f.npo_id, f.anchor
),
ev_on AS (
  SELECT f.npo_id, f.anchor, array_agg(DISTINCT o.txn_id) AS ids,
         array_agg(DISTINCT o.dest_country) AS countries
  FROM (SELECT DISTINCT npo_id, anchor, to_account FROM fwd_acc) f
  JOIN onward o ON o.npo_id = f.npo_id AND o.anchor = f.anchor AND o.to_account = f.to_account
  GROUP BY f.npo_id, f.anchor
),
ev_how AS (
  SELECT c.npo_id, c.anchor, array_agg(DISTINCT wr.how) AS hows
  FROM chosen c JOIN wr ON wr.npo_id = c.npo_id AND wr.anchor = c.anchor WHERE c.branch_b
  GROUP BY c.npo_id, c.anchor
)
SELECT c.npo_id, c.b_start, c.b_end, c.w_start, c.w_end, c.donated, c.n_don, c.n_donors,
       c.top_amt, c.top_abroad, c.n_top, c.rel_amt, c.rel_abroad, c.branch_a, c.branch_b,
       d.ids AS don_ids, f.ids AS fwd_ids, f.beneficiaries, f.rel_parties, f.xb_countries,
       o.ids AS on_ids, o.countries AS on_countries, h.hows
FROM chosen c
LEFT JOIN ev_don d ON d.npo_id = c.npo_id AND d.anchor = c.anchor
LEFT JOIN ev_fwd f ON f.npo_id = c.npo_id AND f.anchor = c.anchor
LEFT JOIN ev_on o ON o.npo_id = c.npo_id AND o.anchor = c.anchor
LEFT JOIN ev_how h ON h.npo_id = c.npo_id AND h.anchor = c.anchor
ORDER BY c.npo_id, c.b_start
"""
        share = float(p.min_forward_share)
        rows = ctx.sql(
            query,
            {
                "donors": int(p.min_donors),
                "max_ben": int(p.max_beneficiaries),
                "max_ident": int(p.max_identifier_parties),
                "share": share,
                "onward": float(p.min_onward_share),
                "excuse_partners": bool(p.excuse_declared_partners),
            },
        )
        ccy = base_currency()
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            donated = float(r["donated"])
            fwd = max(
                float(r["top_amt"]) if r["branch_a"] else 0.0,
                float(r["rel_amt"]) if r["branch_b"] else 0.0,
            )
            fshare = clamp01(fwd / donated) if donated else 0.0
            score = clamp01(
                0.4
                + 0.3 * ramp(fshare, share, 1.0)
                + 0.15 * ramp(int(r["n_donors"]), int(p.min_donors), 4 * int(p.min_donors))
                + (0.15 if r["branch_b"] else 0.0)
            )
            abroad = float(r["top_abroad"]) if r["branch_a"] else 0.0
            if r["branch_b"]:
                abroad = max(abroad, float(r["rel_abroad"]))
            countries = {c for c in as_list(r["xb_countries"]) + as_list(r["on_countries"]) if c}
            details: dict[str, Any] = {
                "donation_amount": round(donated, 2),
                "donation_count": int(r["n_don"]),
                "donor_count": int(r["n_donors"]),
                "collection_days": whole_days(r["w_start"], r["w_end"]),
                "forward_days": int(p.forward_days),
                "concentration": bool(r["branch_a"]),
                "top_beneficiaries": sorted(b for b in as_list(r["beneficiaries"]) if b) if r["branch_a"] else [],
                "top_beneficiaries_amount": round(float(r["top_amt"]), 2),
                "related_parties": sorted(b for b in as_list(r["rel_parties"]) if b) if r["branch_b"] else [],
                "related_links": sorted(as_list(r["hows"])) if r["branch_b"] else [],
                "related_amount": round(float(r["rel_amt"]), 2),
                "forwarded_amount": round(fwd, 2),
                "forwarded_share": round(fshare, 4),
                "abroad_amount": round(abroad, 2),
                "abroad_countries": sorted(countries),
                "currency": ccy,
            }
            evidence: list[str] = list(as_list(r["don_ids"]))
            seen = set(evidence)
            for e in sorted(as_list(r["fwd_ids"])) + sorted(as_list(r["on_ids"])):
                if e and e not in seen:
                    seen.add(e)
                    evidence.append(e)
            alerts.append(
                Alert(
                    subject_type="party",
                    subject_id=r["npo_id"],
                    score=round(score, 4),
                    window_start=r["b_start"],
                    window_end=r["b_end"],
                    evidence=evidence,
                    explanation=_explain(details),
                    details=details,
                )
            )
        return alerts


def _explain(d: dict[str, Any]) -> str:
    ccy = d["currency"]
    text = (
        f"The NPO received {money(d['donation_amount'], ccy)} from {d['donor_count']} donors in "
        f"{plural(d['collection_days'], 'day')} and within {plural(d['forward_days'], 'day')} forwarded "
    )
    parts = []
    if d["concentration"]:
        n = len(d["top_beneficiaries"])
        parts.append(
            f"{money(d['top_beneficiaries_amount'], ccy)} "
            f"({pct(d['top_beneficiaries_amount'] / d['donation_amount'])}) to only "
            f"{plural(n, 'beneficiary', 'beneficiaries')}"
        )
    if d["related_parties"]:
        parts.append(
            f"{money(d['related_amount'], ccy)} ({pct(d['related_amount'] / d['donation_amount'])}) to "
            f"{plural(len(d['related_parties']), 'related party', 'related parties')} "
            f"({'; '.join(d['related_links'])})"
        )
    text += " and ".join(parts)
    if d["abroad_amount"] > 0:
        text += (
            f", and {money(d['abroad_amount'], ccy)} of it went abroad to "
            f"{country_names(d['abroad_countries'])}"
        )
    return text + "."
