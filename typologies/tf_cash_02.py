"""TF-CASH-02 Funnel account (smurfing).

At least 5 distinct depositors put cash into one account in at least 2 cities within any
14 days, and at least 70% of that cash leaves by wire or cash withdrawal in another
country within 7 days (of the last deposit of the window; outflows from the first
deposit on count).

Definitions used:
- depositor: the recorded ``originator_name`` of the cash deposit (case and surrounding
  spaces ignored); deposits without a recorded depositor do not add a depositor;
- city: ``location_city`` of the deposit;
- "another country": the wire's ``beneficiary_country`` (else the country of the credited
  account when on file) or the withdrawal's ``location_country``, differing from the
  country where the funnel account is held (else from the deposits' ``location_country``).
Overlapping qualifying windows of one account merge into one alert.

Score: 0.5 at the minimum, raised (noisy-or) by the number of depositors (5 -> 15), of
cities (2 -> 5), by the share sent abroad (70% -> 100%) and by the risk weight of the
destination jurisdictions (high-risk list).
"""

from __future__ import annotations

from pydantic import Field

from typologies._common import combine, money, pct, plural, ramp, span_days
from typologies.base import Alert, Params, ScanContext, Typology


class FunnelParams(Params):
    min_depositors: int = Field(5, ge=2, description="distinct depositors into one account within the window")
    min_cities: int = Field(2, ge=1, description="distinct cities of those deposits")
    deposit_window_days: int = Field(14, ge=1, description="sliding window of the deposits, in days")
    min_outflow_share: float = Field(
        0.7, gt=0, le=1, description="share of the deposited cash that must leave abroad"
    )
    outflow_days: int = Field(7, ge=0, description="days after the last deposit in which it must leave")


class FunnelAccount(Typology):
    id = "TF-CASH-02"
    name = "Funnel account (smurfing)"
    description = (
        "At least 5 distinct depositors put cash into one account in at least 2 cities within 14 days, "
        "and at least 70% of it leaves by wire or withdrawal in another country within 7 days."
    )
    references = (
        "FATF, Terrorist Financing (2008)",
        "FATF, Financing of the terrorist organisation ISIL (2015)",
        "FATF/MENAFATF, Money Laundering through the Physical Transportation of Cash (2015)",
    )
    Params = FunnelParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: FunnelParams = ctx.params  # type: ignore[assignment]
        dw = f"INTERVAL '{p.deposit_window_days} days'"
        ow = f"INTERVAL '{p.outflow_days} days'"
        q = f"""
        WITH dep0 AS (
          SELECT txn_id, to_account AS account_id, timestamp AS ts, CAST(amount_base AS DOUBLE) AS amt,
                 nullif(lower(trim(originator_name)), '') AS depositor, nullif(trim(location_city), '') AS city,
                 location_country
          FROM scan_transactions WHERE channel = 'cash_deposit' AND to_account IS NOT NULL
        ),
        cand AS (
          SELECT account_id FROM dep0 GROUP BY account_id
          HAVING count(DISTINCT depositor) >= {p.min_depositors} AND count(DISTINCT city) >= {p.min_cities}
        ),
        dep AS (SELECT d.* FROM dep0 d JOIN cand c ON c.account_id = d.account_id),
        home AS (
          SELECT c.account_id, coalesce(a.country, (SELECT min(d.location_country) FROM dep d
                                                   WHERE d.account_id = c.account_id)) AS home_country
          FROM cand c LEFT JOIN accounts a ON a.account_id = c.account_id
        ),
        outs AS (
          SELECT t.txn_id, t.from_account AS account_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
                 t.channel,
                 CASE WHEN t.channel = 'wire' THEN coalesce(t.beneficiary_country, ta.country)
                      ELSE t.location_country END AS out_country
          FROM transactions t
          JOIN home h ON h.account_id = t.from_account
          LEFT JOIN accounts ta ON ta.account_id = t.to_account
          WHERE t.channel IN ('wire', 'cash_withdrawal', 'atm_withdrawal')
            AND t.timestamp >= TIMESTAMP '{ctx.window_start.isoformat(sep=" ")}'
            AND CASE WHEN t.channel = 'wire' THEN coalesce(t.beneficiary_country, ta.country)
                     ELSE t.location_country END <> h.home_country
        ),
        anchor AS (
          SELECT d1.account_id, d1.txn_id, d1.ts AS s, max(d2.ts) AS e, sum(d2.amt) AS dep_total
          FROM dep d1 JOIN dep d2 ON d2.account_id = d1.account_id AND d2.ts >= d1.ts AND d2.ts <= d1.ts + {dw}
          GROUP BY d1.account_id, d1.txn_id, d1.ts
          HAVING count(DISTINCT d2.depositor) >= {p.min_depositors} AND count(DISTINCT d2.city) >= {p.min_cities}
        ),
        qual AS (
          SELECT a.account_id, a.s, a.e
          FROM anchor a LEFT JOIN outs o ON o.account_id = a.account_id AND o.ts >= a.s AND o.ts <= a.e + {ow}
          GROUP BY a.account_id, a.txn_id, a.s, a.e, a.dep_total
          HAVING coalesce(sum(o.amt), 0) >= {p.min_outflow_share!r} * a.dep_total
        ),
        bursts AS (
          SELECT account_id, burst_start, burst_end FROM (
            SELECT account_id, burst_no, min(s) AS burst_start, max(e) AS burst_end FROM (
              SELECT account_id, s, e, sum(nb) OVER (PARTITION BY account_id ORDER BY s, e
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
              FROM (SELECT account_id, s, e,
                           CASE WHEN s <= max(e) OVER (PARTITION BY account_id ORDER BY s, e
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
                    FROM qual) AS f
            ) AS n GROUP BY account_id, burst_no
          ) AS b
        ),
        bdep AS (
          SELECT b.account_id, b.burst_start, b.burst_end,
                 count(*) AS n_dep, sum(d.amt) AS dep_total,
                 count(DISTINCT d.depositor) AS n_depositors, count(DISTINCT d.city) AS n_cities,
                 array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS dep_ids
          FROM bursts b JOIN dep d ON d.account_id = b.account_id AND d.ts >= b.burst_start AND d.ts <= b.burst_end
          GROUP BY b.account_id, b.burst_start, b.burst_end
        ),
        bout AS (
          SELECT b.account_id, b.burst_start, count(*) AS n_out, sum(o.amt) AS out_total, max(o.ts) AS last_out,
                 count(DISTINCT o.out_country) AS n_out_countries,
                 max(coalesce(r.weight, 0)) AS max_weight,
                 array_agg(DISTINCT o.out_country) AS out_countries,
                 array_agg(o.txn_id ORDER BY o.ts, o.txn_id) AS out_ids
          FROM bursts b JOIN outs o ON o.account_id = b.account_id AND o.ts >= b.burst_start
                                   AND o.ts <= b.burst_end + {ow}
          LEFT JOIN ({"SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country"}) AS r
                 ON r.country = o.out_country
          GROUP BY b.account_id, b.burst_start
        )
        SELECT d.*, o.n_out, o.out_total, o.last_out, o.out_countries, o.max_weight, o.out_ids, h.home_country
        FROM bdep d JOIN bout o ON o.account_id = d.account_id AND o.burst_start = d.burst_start
        JOIN home h ON h.account_id = d.account_id
        ORDER BY d.account_id, d.burst_start
        """
        alerts: list[Alert] = []
        for r in ctx.sql(q).iter_rows(named=True):
            share = min(1.0, r["out_total"] / r["dep_total"]) if r["dep_total"] else 0.0
            score = combine(
                0.5,
                0.3 * ramp(r["n_depositors"], p.min_depositors, 3 * p.min_depositors),
                0.2 * ramp(r["n_cities"], p.min_cities, p.min_cities + 3),
                0.3 * ramp(share, p.min_outflow_share, 1.0),
                0.3 * float(r["max_weight"] or 0.0),
            )
            countries = sorted(c for c in r["out_countries"] if c)
            details = {
                "account_id": r["account_id"],
                "deposits": int(r["n_dep"]),
                "depositors": int(r["n_depositors"]),
                "cities": int(r["n_cities"]),
                "deposited": round(r["dep_total"], 2),
                "sent_abroad": round(r["out_total"], 2),
                "outflows": int(r["n_out"]),
                "outflow_share": round(share, 4),
                "home_country": r["home_country"],
                "destination_countries": countries,
                "max_destination_risk_weight": float(r["max_weight"] or 0.0),
            }
            explanation = (
                f"{plural(int(r['n_depositors']), 'depositor')} paid {money(r['dep_total'])} in cash into account "
                f"{r['account_id']} in {plural(int(r['n_cities']), 'city', 'cities')} within "
                f"{span_days(r['burst_start'], r['burst_end'])}, and {pct(share)} of it "
                f"({money(r['out_total'])}) left in {plural(int(r['n_out']), 'wire or withdrawal', 'wires or withdrawals')} "
                f"abroad ({', '.join(countries)})."
            )
            alerts.append(Alert(
                subject_type="account", subject_id=r["account_id"], score=score,
                window_start=r["burst_start"], window_end=max(r["burst_end"], r["last_out"]),
                evidence=list(r["dep_ids"]) + list(r["out_ids"]), explanation=explanation, details=details,
            ))
        return alerts
