"""TF-CASH-03 Cross-border cash courier.

Five indicators over ``cash_declarations`` (FATF R.32), any of which raises an alert:

1. ``hr_frequency``: one traveller with at least 3 declarations within any 90 days whose
   origin or destination is a high-risk jurisdiction (any country of
   ``ref_jurisdiction_risk``);
2. ``near_threshold``: a declaration of 80% to 100% of the declaration threshold
   (``0.8 * threshold <= amount < threshold``);
3. ``undeclared``: any undeclared or falsely declared cash detected (``declared = false``);
4. ``deposited``: declared inbound cash of which at least half (``deposit_min_share``) is
   paid into the bank within 3 days, by cash deposits into the traveller's own accounts
   or handed in under the traveller's name;
5. ``shared_transport``: at least 3 travellers on one ``transport_ref`` on the same trip
   carrying amounts within 10% of each other (largest <= 1.1 x smallest).  A flight or
   vehicle id recurs (daily flights), so declarations on one ``transport_ref`` form one trip
   while each follows the previous within ``trip_gap_hours`` (12).

The traveller is the declaration's ``party_id``, else the party whose ``id_number`` equals
the ``document_number`` (when exactly one does).  A traveller not on file is reported as
subject ``traveller:<document number>`` (or ``traveller:<name>``) with subject type party.
All hits of one traveller whose activity lies within ``window_days`` of each other form
one alert, whose score combines (noisy-or) the indicators' scores:
hr_frequency 0.45 + up to 0.3 for more declarations (3 -> 6) + 0.3 x risk weight;
near_threshold 0.35 + up to 0.3 as the amount nears the threshold;
undeclared 0.7 + up to 0.2 with the amount (1x -> 5x the threshold);
deposited 0.5 + up to 0.3 with the share deposited;
shared_transport 0.55 + up to 0.3 with the number of travellers (3 -> 6).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from typologies._common import combine, merge_intervals, money, money_range, pct, plural, ramp, span_days
from typologies.base import Alert, Params, ScanContext, Typology


class CourierParams(Params):
    min_hr_declarations: int = Field(
        3, ge=1, description="declarations involving high-risk jurisdictions by one traveller within the window"
    )
    window_days: int = Field(90, ge=1, description="sliding window for repeated declarations, in days")
    threshold: float = Field(10_000, gt=0, description="cash declaration threshold (base currency)")
    low_ratio: float = Field(0.8, gt=0, lt=1, description="lower bound of the near-threshold band (share of threshold)")
    deposit_days: int = Field(3, ge=0, description="days after an inbound declaration in which the cash is deposited")
    deposit_min_share: float = Field(
        0.5, gt=0, le=1, description="share of the declared amount that must be deposited to count as deposited"
    )
    min_travellers: int = Field(3, ge=2, description="travellers on one transport_ref with similar amounts")
    trip_gap_hours: int = Field(
        12, ge=1, description="declarations on one transport_ref at most this many hours apart are one trip"
    )
    amount_tolerance: float = Field(
        0.1, ge=0, lt=1, description="amounts within this fraction of each other (largest <= (1+x) * smallest)"
    )


class CashCourier(Typology):
    id = "TF-CASH-03"
    name = "Cross-border cash courier"
    description = (
        "One traveller with at least 3 declarations in 90 days involving a high-risk jurisdiction; or "
        "declarations between 80% and 100% of the declaration threshold (10,000); or any undeclared cash "
        "detection; or declared inbound cash deposited within 3 days; or at least 3 travellers on one "
        "transport_ref carrying amounts within 10% of each other."
    )
    references = (
        "FATF Recommendation 32 (cash couriers)",
        "FATF/MENAFATF, Money Laundering through the Physical Transportation of Cash (2015)",
        "FATF, Terrorist Financing (2008)",
    )
    Params = CourierParams

    _BASE = """
        WITH doc_party AS (
          SELECT id_number, min(party_id) AS party_id FROM parties
          WHERE id_number IS NOT NULL AND id_number <> '' GROUP BY id_number HAVING count(*) = 1
        ),
        dec AS (
          SELECT d.declaration_id, d.timestamp AS ts, CAST(d.amount_base AS DOUBLE) AS amt, d.direction,
                 d.declared, d.origin_country, d.destination_country, d.port, d.transport_ref,
                 d.traveller_name,
                 coalesce(nullif(d.party_id, ''), dp.party_id) AS party_id,
                 coalesce(nullif(d.party_id, ''), dp.party_id,
                          'traveller:' || nullif(upper(trim(d.document_number)), ''),
                          'traveller:' || lower(trim(d.traveller_name))) AS traveller_key
          FROM scan_cash_declarations d
          LEFT JOIN doc_party dp ON dp.id_number = d.document_number
        ),
        risky AS (SELECT country, max(weight) AS weight FROM ref_jurisdiction_risk GROUP BY country)
    """

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: CourierParams = ctx.params  # type: ignore[assignment]
        hits: list[dict[str, Any]] = []
        hits += self._hr_frequency(ctx, p)
        hits += self._single(ctx, p)
        hits += self._deposited(ctx, p)
        hits += self._shared_transport(ctx, p)
        by_traveller: dict[str, list[dict[str, Any]]] = {}
        for h in hits:
            by_traveller.setdefault(h["traveller_key"], []).append(h)
        alerts: list[Alert] = []
        gap = timedelta(days=p.window_days)
        for key in sorted(by_traveller):
            items = [(h["s"], h["e"], h) for h in by_traveller[key]]
            for group in merge_intervals(items, gap):
                alerts.append(self._alert(key, group))
        return alerts

    # ------------------------------------------------------------------ indicators
    def _hr_frequency(self, ctx: ScanContext, p: CourierParams) -> list[dict[str, Any]]:
        q = self._BASE + f""",
        hr AS (
          SELECT d.*, greatest(coalesce(ro.weight, 0), coalesce(rd.weight, 0)) AS weight,
                 CASE WHEN rd.country IS NOT NULL THEN d.destination_country ELSE d.origin_country END AS hr_country
          FROM dec d LEFT JOIN risky ro ON ro.country = d.origin_country
                     LEFT JOIN risky rd ON rd.country = d.destination_country
          WHERE ro.country IS NOT NULL OR rd.country IS NOT NULL
        ),
        w AS (
          SELECT traveller_key, ts AS s, count(*) OVER win AS n_fwd, max(ts) OVER win AS e FROM hr
          WINDOW win AS (PARTITION BY traveller_key ORDER BY ts
                         RANGE BETWEEN CURRENT ROW AND INTERVAL '{p.window_days} days' FOLLOWING)
        ),
        starts AS (SELECT traveller_key, s, e FROM w WHERE n_fwd >= {p.min_hr_declarations}),
        bursts AS (
          SELECT traveller_key, min(s) AS burst_start, max(e) AS burst_end FROM (
            SELECT traveller_key, s, e, sum(nb) OVER (PARTITION BY traveller_key ORDER BY s, e
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst_no
            FROM (SELECT traveller_key, s, e,
                         CASE WHEN s <= max(e) OVER (PARTITION BY traveller_key ORDER BY s, e
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS nb
                  FROM starts) AS f
          ) AS n GROUP BY traveller_key, burst_no
        )
        SELECT b.traveller_key, min(h.party_id) AS party_id, min(h.traveller_name) AS traveller_name,
               b.burst_start AS s, b.burst_end AS e, count(*) AS n, sum(h.amt) AS total,
               max(h.weight) AS weight, array_agg(DISTINCT h.hr_country) AS countries,
               array_agg(h.declaration_id ORDER BY h.ts, h.declaration_id) AS evidence
        FROM bursts b JOIN hr h ON h.traveller_key = b.traveller_key
                               AND h.ts >= b.burst_start AND h.ts <= b.burst_end
        GROUP BY b.traveller_key, b.burst_start, b.burst_end
        """
        out = []
        for r in ctx.sql(q).iter_rows(named=True):
            countries = sorted(c for c in r["countries"] if c)
            r.update(
                branch="hr_frequency",
                score=combine(0.45, 0.3 * ramp(r["n"], p.min_hr_declarations, 2 * p.min_hr_declarations),
                              0.3 * float(r["weight"] or 0)),
                figures={"declarations": int(r["n"]), "total": round(r["total"], 2), "countries": countries},
                text=(f"{plural(int(r['n']), 'declaration')} ({money(r['total'])}) involving high-risk "
                      f"jurisdictions ({', '.join(countries)}) within {span_days(r['s'], r['e'])}"),
            )
            out.append(r)
        return out

    def _single(self, ctx: ScanContext, p: CourierParams) -> list[dict[str, Any]]:
        lo = round(p.low_ratio * p.threshold, 2)
        q = self._BASE + f"""
        SELECT traveller_key, party_id, traveller_name, ts AS s, ts AS e, amt, port, declared,
               origin_country, destination_country, declaration_id,
               CASE WHEN NOT declared THEN 'undeclared' ELSE 'near_threshold' END AS branch
        FROM dec
        WHERE NOT declared OR (amt >= {lo!r} AND amt < {float(p.threshold)!r})
        UNION ALL
        SELECT traveller_key, party_id, traveller_name, ts, ts, amt, port, declared,
               origin_country, destination_country, declaration_id, 'near_threshold'
        FROM dec WHERE NOT declared AND amt >= {lo!r} AND amt < {float(p.threshold)!r}
        """
        out = []
        for r in ctx.sql(q).iter_rows(named=True):
            r["evidence"] = [r["declaration_id"]]
            route = f"{r['origin_country']}→{r['destination_country']}"
            if r["branch"] == "undeclared":
                r.update(
                    score=combine(0.7, 0.2 * ramp(r["amt"], p.threshold, 5 * p.threshold)),
                    figures={"amount": round(r["amt"], 2), "port": r["port"], "route": route},
                    text=f"undeclared cash of {money(r['amt'])} detected at {r['port']} ({route})",
                )
            else:
                ratio = r["amt"] / p.threshold
                r.update(
                    score=combine(0.35, 0.3 * ramp(ratio, p.low_ratio, 1.0)),
                    figures={"amount": round(r["amt"], 2), "ratio_to_threshold": round(ratio, 4), "route": route},
                    text=(f"a declaration of {money(r['amt'])} ({route}), just under the "
                          f"{money(p.threshold, '')} declaration threshold"),
                )
            out.append(r)
        return out

    def _deposited(self, ctx: ScanContext, p: CourierParams) -> list[dict[str, Any]]:
        q = self._BASE + f""",
        inb AS (SELECT * FROM dec WHERE direction = 'inbound' AND declared),
        deps AS (
          SELECT i.declaration_id, t.txn_id, t.timestamp AS ts, CAST(t.amount_base AS DOUBLE) AS amt
          FROM inb i JOIN accounts a ON a.party_id = i.party_id
          JOIN transactions t ON t.to_account = a.account_id AND t.channel = 'cash_deposit'
           AND t.timestamp >= i.ts AND t.timestamp <= i.ts + INTERVAL '{p.deposit_days} days'
          UNION
          SELECT i.declaration_id, t.txn_id, t.timestamp, CAST(t.amount_base AS DOUBLE)
          FROM inb i JOIN transactions t ON t.channel = 'cash_deposit'
           AND lower(trim(t.originator_name)) = lower(trim(i.traveller_name))
           AND t.timestamp >= i.ts AND t.timestamp <= i.ts + INTERVAL '{p.deposit_days} days'
        )
        SELECT i.traveller_key, min(i.party_id) AS party_id, min(i.traveller_name) AS traveller_name,
               i.ts AS s, max(d.ts) AS e, i.amt AS declared_amt, sum(d.amt) AS deposited, count(*) AS n,
               i.declaration_id, array_agg(d.txn_id ORDER BY d.ts, d.txn_id) AS deps
        FROM inb i JOIN deps d ON d.declaration_id = i.declaration_id
        GROUP BY i.traveller_key, i.declaration_id, i.ts, i.amt
        HAVING sum(d.amt) >= {p.deposit_min_share!r} * i.amt
        """
        out = []
        for r in ctx.sql(q).iter_rows(named=True):
            share = min(1.0, r["deposited"] / r["declared_amt"]) if r["declared_amt"] else 0.0
            r.update(
                branch="deposited",
                evidence=[r["declaration_id"], *r["deps"]],
                score=combine(0.5, 0.3 * ramp(share, p.deposit_min_share, 1.0)),
                figures={"declared": round(r["declared_amt"], 2), "deposited": round(r["deposited"], 2),
                         "deposits": int(r["n"]), "share": round(share, 4)},
                text=(f"{money(r['declared_amt'])} declared on arrival and {money(r['deposited'])} ({pct(share)}) "
                      f"paid in as cash in {plural(int(r['n']), 'deposit')} within {span_days(r['s'], r['e'])}"),
            )
            out.append(r)
        return out

    def _shared_transport(self, ctx: ScanContext, p: CourierParams) -> list[dict[str, Any]]:
        tol = 1.0 + p.amount_tolerance
        q = self._BASE + f""",
        tr0 AS (
          SELECT d.*, CASE WHEN d.ts - lag(d.ts) OVER (PARTITION BY d.transport_ref ORDER BY d.ts)
                                <= INTERVAL '{p.trip_gap_hours} hours' THEN 0 ELSE 1 END AS new_trip
          FROM dec d WHERE d.transport_ref IS NOT NULL AND d.transport_ref <> ''
        ),
        tr AS (
          SELECT tr0.*, sum(new_trip) OVER (PARTITION BY transport_ref ORDER BY ts, declaration_id
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS day
          FROM tr0
        ),
        anchors AS (
          SELECT a.declaration_id AS anchor_id, a.transport_ref, a.day, a.amt AS lo
          FROM tr a JOIN tr b ON b.transport_ref = a.transport_ref AND b.day = a.day
           AND b.amt >= a.amt AND b.amt <= a.amt * {tol!r}
          GROUP BY a.declaration_id, a.transport_ref, a.day, a.amt
          HAVING count(DISTINCT b.traveller_key) >= {p.min_travellers}
        ),
        members AS (
          SELECT DISTINCT b.transport_ref, b.day, b.declaration_id
          FROM anchors a JOIN tr b ON b.transport_ref = a.transport_ref AND b.day = a.day
           AND b.amt >= a.lo AND b.amt <= a.lo * {tol!r}
        ),
        grp AS (
          SELECT m.transport_ref, m.day, count(DISTINCT t.traveller_key) AS n_travellers,
                 min(t.amt) AS lo, max(t.amt) AS hi, sum(t.amt) AS total,
                 array_agg(t.declaration_id ORDER BY t.declaration_id) AS evidence
          FROM members m JOIN tr t ON t.declaration_id = m.declaration_id
          GROUP BY m.transport_ref, m.day
        )
        SELECT t.traveller_key, t.party_id, t.traveller_name, t.ts AS s, t.ts AS e, g.transport_ref,
               g.n_travellers, g.lo, g.hi, g.total, g.evidence
        FROM grp g JOIN members m ON m.transport_ref = g.transport_ref AND m.day = g.day
        JOIN tr t ON t.declaration_id = m.declaration_id
        """
        out = []
        for r in ctx.sql(q).iter_rows(named=True):
            n = int(r["n_travellers"])
            r.update(
                branch="shared_transport",
                evidence=list(r["evidence"]),
                score=combine(0.55, 0.3 * ramp(n, p.min_travellers, 2 * p.min_travellers)),
                figures={"transport_ref": r["transport_ref"], "travellers": n,
                         "min_amount": round(r["lo"], 2), "max_amount": round(r["hi"], 2),
                         "total": round(r["total"], 2)},
                text=(f"one of {n} travellers on {r['transport_ref']} carrying "
                      f"{money_range(r['lo'], r['hi'])} each (total {money(r['total'])})"),
            )
            out.append(r)
        return out

    # ------------------------------------------------------------------ shaping
    def _alert(self, key: str, group: list[dict[str, Any]]) -> Alert:
        group = sorted(group, key=lambda h: (h["s"], h["branch"]))
        score = 0.0
        evidence: list[str] = []
        for h in group:
            score = combine(score, h["score"])
            evidence += [e for e in h["evidence"] if e not in evidence]
        branches = sorted({h["branch"] for h in group})
        name = next((h["traveller_name"] for h in group if h.get("traveller_name")), key)
        party_id = next((h["party_id"] for h in group if h.get("party_id")), None)
        texts: list[str] = []
        for h in group:
            if h["text"] not in texts:
                texts.append(h["text"])
        shown = texts[:4] + ([f"{len(texts) - 4} more indicators"] if len(texts) > 4 else [])
        explanation = f"Cash courier indicators for {name}: " + "; ".join(shown) + "."
        details = {
            "traveller": name,
            "traveller_key": key,
            "party_id": party_id,
            "indicators": branches,
            "hits": [{"indicator": h["branch"], "score": round(h["score"], 4), **h["figures"]} for h in group],
        }
        return Alert(
            subject_type="party", subject_id=key, score=score,
            window_start=min(h["s"] for h in group), window_end=max(h["e"] for h in group),
            evidence=evidence, explanation=explanation, details=details,
        )
