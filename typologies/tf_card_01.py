"""TF-CARD-01 Prepaid card loading and cash-out abroad.

One party loads at least 3 prepaid cards, or loads at least 5,000 in total, within any
30 days, and the cards loaded in that window are drawn in cash (ATM or cash withdrawal)
in a high-risk or border jurisdiction within 30 days of a load.

Definitions used:
- load: a ``prepaid_load`` transaction; the card is its ``to_account``;
- the loading party: the owner of the funding account (``from_account``); for a load
  funded with cash (no ``from_account``) the owner of the card; when neither is on file
  the funding account, else the card, is the subject;
- "high-risk or border jurisdiction": any country of ``ref_jurisdiction_risk`` (FATF
  lists, conflict zones and the ``conflict_border_or_transit`` category), matched on the
  withdrawal's ``location_country``.
Overlapping qualifying windows of one party merge into one alert.

Score: 0.5 at the minimum, raised (noisy-or) by the number of cards (3 -> 6), the amount
loaded (5,000 -> 20,000), the share of the loaded money drawn in risky jurisdictions and
the highest risk weight of those jurisdictions.
"""

from __future__ import annotations

from pydantic import Field

from typologies._common import combine, money, pct, plural, ramp, span_days
from typologies.base import Alert, Params, ScanContext, Typology


class CardParams(Params):
    min_cards: int = Field(3, ge=1, description="distinct prepaid cards loaded by one party within the window")
    min_loaded: float = Field(5_000, gt=0, description="or: total loaded within the window (base currency)")
    load_window_days: int = Field(30, ge=1, description="sliding window of the loads, in days")
    cashout_days: int = Field(30, ge=0, description="days after a load in which the card is drawn abroad")


class PrepaidCardCashOut(Typology):
    id = "TF-CARD-01"
    name = "Prepaid card loading and cash-out abroad"
    description = (
        "One party loads at least 3 prepaid cards, or loads at least 5,000, in 30 days, and the cards are "
        "drawn in cash (ATM) in a high-risk or border jurisdiction within 30 days."
    )
    references = (
        "FATF, Emerging Terrorist Financing Risks (2015)",
        "FATF, Financing of the terrorist organisation ISIL (2015)",
    )
    Params = CardParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: CardParams = ctx.params  # type: ignore[assignment]
        lw = f"INTERVAL '{p.load_window_days} days'"
        cw = f"INTERVAL '{p.cashout_days} days'"
        q = f"""
        WITH loads0 AS (
          SELECT t.txn_id, t.to_account AS card, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
                 CASE WHEN fa.party_id IS NOT NULL AND fa.party_id <> '' THEN 'party'
                      WHEN t.from_account IS NOT NULL THEN 'account'
                      WHEN ca.party_id IS NOT NULL AND ca.party_id <> '' THEN 'party'
                      ELSE 'account' END AS subject_type,
                 CASE WHEN fa.party_id IS NOT NULL AND fa.party_id <> '' THEN fa.party_id
                      WHEN t.from_account IS NOT NULL THEN t.from_account
                      WHEN ca.party_id IS NOT NULL AND ca.party_id <> '' THEN ca.party_id
                      ELSE t.to_account END AS subject_id
          FROM scan_transactions t
          LEFT JOIN accounts fa ON fa.account_id = t.from_account
          LEFT JOIN accounts ca ON ca.account_id = t.to_account
          WHERE t.channel = 'prepaid_load' AND t.to_account IS NOT NULL
        ),
        risky AS (SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country),
        cashouts AS (
          SELECT t.txn_id, t.from_account AS card, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt,
                 t.location_country AS country, r.weight
          FROM transactions t JOIN risky r ON r.country = t.location_country
          WHERE t.channel IN ('atm_withdrawal', 'cash_withdrawal')
            AND t.from_account IN (SELECT card FROM loads0)
            AND t.timestamp >= TIMESTAMP '{ctx.window_start.isoformat(sep=" ")}'
        ),
        -- a load "cashed out abroad": its card is drawn in a risky country within the cash-out period
        loads AS (
          SELECT l.*, CASE WHEN EXISTS (SELECT 1 FROM cashouts c WHERE c.card = l.card AND c.ts >= l.ts
                                         AND c.ts <= l.ts + {cw}) THEN 1 ELSE 0 END AS cashed
          FROM loads0 l
          JOIN (SELECT DISTINCT l2.subject_type, l2.subject_id FROM loads0 l2 JOIN cashouts c ON c.card = l2.card
               ) AS k ON k.subject_type = l.subject_type AND k.subject_id = l.subject_id
        ),
        anchor AS (
          SELECT l1.subject_type, l1.subject_id, l1.ts AS s, max(l2.ts) AS e
          FROM loads l1 JOIN loads l2 ON l2.subject_type = l1.subject_type AND l2.subject_id = l1.subject_id
                                    AND l2.ts >= l1.ts AND l2.ts <= l1.ts + {lw}
          GROUP BY l1.subject_type, l1.subject_id, l1.txn_id, l1.ts
          HAVING (count(DISTINCT l2.card) >= {p.min_cards} OR sum(l2.amt) >= {float(p.min_loaded)!r})
             AND max(l2.cashed) = 1
        ),
        bursts AS (
          SELECT subject_type, subject_id, min(s) AS burst_start, max(e) AS burst_end FROM (
            SELECT subject_type, subject_id, s, e,
                   sum(nb) OVER (PARTITION BY subject_type, subject_id ORDER BY s, e
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
            FROM (SELECT subject_type, subject_id, s, e,
                         CASE WHEN s <= max(e) OVER (PARTITION BY subject_type, subject_id ORDER BY s, e
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
                  FROM anchor) AS f
          ) AS n GROUP BY subject_type, subject_id, burst_no
        ),
        bl AS (
          SELECT b.subject_type, b.subject_id, b.burst_start, b.burst_end, l.txn_id, l.card, l.ts, l.amt
          FROM bursts b JOIN loads l ON l.subject_type = b.subject_type AND l.subject_id = b.subject_id
                                    AND l.ts >= b.burst_start AND l.ts <= b.burst_end
        ),
        bc AS (
          SELECT DISTINCT b.subject_type, b.subject_id, b.burst_start, c.txn_id, c.ts, c.amt, c.country, c.weight
          FROM bl b JOIN cashouts c ON c.card = b.card AND c.ts >= b.ts AND c.ts <= b.ts + {cw}
        ),
        lagg AS (
          SELECT subject_type, subject_id, burst_start, max(burst_end) AS burst_end, count(*) AS n_loads,
                 count(DISTINCT card) AS n_cards, sum(amt) AS loaded,
                 array_agg(txn_id ORDER BY ts, txn_id) AS load_ids
          FROM bl GROUP BY subject_type, subject_id, burst_start
        ),
        cagg AS (
          SELECT subject_type, subject_id, burst_start, count(*) AS n_cash, sum(amt) AS drawn, max(ts) AS last_cash,
                 max(weight) AS max_weight, array_agg(DISTINCT country) AS countries,
                 array_agg(txn_id ORDER BY ts, txn_id) AS cash_ids
          FROM bc GROUP BY subject_type, subject_id, burst_start
        )
        SELECT l.*, c.n_cash, c.drawn, c.last_cash, c.max_weight, c.countries, c.cash_ids
        FROM lagg l JOIN cagg c ON c.subject_type = l.subject_type AND c.subject_id = l.subject_id
                               AND c.burst_start = l.burst_start
        ORDER BY l.subject_id, l.burst_start
        """
        alerts: list[Alert] = []
        for r in ctx.sql(q).iter_rows(named=True):
            share = min(1.0, r["drawn"] / r["loaded"]) if r["loaded"] else 0.0
            countries = sorted(c for c in r["countries"] if c)
            score = combine(
                0.5,
                0.3 * ramp(r["n_cards"], p.min_cards, 2 * p.min_cards),
                0.3 * ramp(r["loaded"], p.min_loaded, 4 * p.min_loaded),
                0.3 * share,
                0.2 * float(r["max_weight"] or 0.0),
            )
            details = {
                "loads": int(r["n_loads"]),
                "cards": int(r["n_cards"]),
                "loaded": round(r["loaded"], 2),
                "cash_withdrawals": int(r["n_cash"]),
                "drawn_in_risky_jurisdictions": round(r["drawn"], 2),
                "drawn_share": round(share, 4),
                "countries": countries,
                "max_risk_weight": float(r["max_weight"] or 0.0),
            }
            explanation = (
                f"{plural(int(r['n_loads']), 'load')} totalling {money(r['loaded'])} onto "
                f"{plural(int(r['n_cards']), 'prepaid card')} within {span_days(r['burst_start'], r['burst_end'])}, "
                f"then {plural(int(r['n_cash']), 'cash withdrawal')} of {money(r['drawn'])} ({pct(share)} of it) "
                f"in high-risk or border jurisdictions ({', '.join(countries)})."
            )
            alerts.append(Alert(
                subject_type=r["subject_type"], subject_id=r["subject_id"], score=score,
                window_start=r["burst_start"], window_end=max(r["burst_end"], r["last_cash"]),
                evidence=list(r["load_ids"]) + list(r["cash_ids"]), explanation=explanation, details=details,
            ))
        return alerts
