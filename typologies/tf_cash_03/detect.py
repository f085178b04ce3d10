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

from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Typology
from typologies._common import combine, merge_intervals, money, money_range, pct, plural, ramp, span_days


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


Ctx = ScanContext[CourierParams]


class CashCourier(Typology[CourierParams]):
    Params = CourierParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "window": timedelta(days=p.window_days),
                "low_amount": round(p.low_ratio * p.threshold, 2), "deposit_window": timedelta(days=p.deposit_days),
                "trip_gap": timedelta(hours=p.trip_gap_hours), "amount_ratio": 1.0 + p.amount_tolerance}

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        self.execute(ctx, "declarations.sql")
        try:
            hits: list[dict[str, Any]] = []
            hits += self._hr_frequency(ctx, p)
            hits += self._single(ctx, p)
            hits += self._deposited(ctx, p)
            hits += self._shared_transport(ctx, p)
        finally:
            ctx.con.execute("DROP VIEW IF EXISTS tf_cash_03_declarations")
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
    def _hr_frequency(self, ctx: Ctx, p: CourierParams) -> list[dict[str, Any]]:
        q = self.query(ctx, "hr_frequency.sql")
        out = []
        for r in q.iter_rows(named=True):
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

    def _single(self, ctx: Ctx, p: CourierParams) -> list[dict[str, Any]]:
        q = self.query(ctx, "single.sql")
        out = []
        for r in q.iter_rows(named=True):
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

    def _deposited(self, ctx: Ctx, p: CourierParams) -> list[dict[str, Any]]:
        q = self.query(ctx, "deposited.sql")
        out = []
        for r in q.iter_rows(named=True):
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

    def _shared_transport(self, ctx: Ctx, p: CourierParams) -> list[dict[str, Any]]:
        q = self.query(ctx, "shared_transport.sql")
        out = []
        for r in q.iter_rows(named=True):
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
