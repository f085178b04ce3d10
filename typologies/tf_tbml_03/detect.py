"""TF-TBML-03 Illogical trade route / circular trade.

Indicator (catalogue): goods of one HS code (4-digit) leave and come back to the same party
group within 180 days (A -> B -> ... -> A), or are transshipped through a high-risk
jurisdiction with no economic reason (same origin and destination region).

Definitions used here:

- *party group*: parties linked by a shared ``id_number`` or a shared address
  (case and spacing ignored), transitively; a party alone is its own group.
- *circular trade*: a time-ordered sequence of trade documents of one 4-digit HS heading,
  each exported by the group that imported the previous one (on or after its date), that
  starts and ends in the same group, passes through at least one other group, has at most
  ``max_length`` documents, and ends within ``window_days`` of the start.  SQL builds the
  links between documents (same heading, importer group = next exporter group, dates
  in order and in the window); a bounded search lists the cycles.  Subjects: the origin
  exporter and the party that received the goods back.
- *illogical transshipment*: ``transshipment_country`` is in the high-risk jurisdiction
  list, differs from origin and destination, and origin and destination lie in the same
  world region (UN geoscheme region, e.g. Europe, Asia, Americas).  Subjects: exporter and
  importer, one alert each (``transshipment_subject`` to choose one side).

Score: circular trade 0.7, +0.2 as the value that came back approaches the value that
left, +0.1 for a return within 90 days; transshipment 0.6 + 0.4 x the jurisdiction's
risk weight.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

import polars as pl
from pydantic import Field
from rigour.territories import get_territory

from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Typology
from typologies._common import money, pct


class TradeRouteParams(Params):
    window_days: int = Field(180, ge=1, description="goods come back within this many days")
    max_length: int = Field(6, ge=2, le=10, description="most trade documents in a circular route")
    check_transshipment: bool = Field(True, description="also flag transshipment through high-risk jurisdictions")
    transshipment_subject: Literal["both", "exporter", "importer"] = Field(
        "both", description="which party of a transshipped document is alerted (both: one alert each)"
    )
    max_search_steps: int = Field(200_000, ge=1000, description="bound on the circular-route search per scan")


@lru_cache(maxsize=512)
def region_of(country: str) -> str | None:
    """UN geoscheme region of an ISO 3166-1 alpha-2 code (None when unknown)."""
    t = get_territory(country.lower()) if country else None
    return t.region if t is not None and t.region else None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def _day(d: Any) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, time())


Ctx = ScanContext[TradeRouteParams]


class IllogicalTradeRoute(Typology[TradeRouteParams]):
    Params = TradeRouteParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        return {**super().bind(ctx), "window": timedelta(days=ctx.params.window_days)}

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        alerts = self._circular(ctx, p)
        if p.check_transshipment:
            alerts.extend(self._transshipment(ctx, p))
        return alerts

    # ------------------------------------------------------------------ circular trade
    def _groups(self, ctx: Ctx) -> dict[str, str]:
        pairs = self.query(ctx, "groups.sql")
        uf = _UnionFind()
        for p1, p2 in pairs.iter_rows():
            uf.union(p1, p2)
        return {x: uf.find(x) for x in uf.parent}

    def _circular(self, ctx: Ctx, p: TradeRouteParams) -> list[Alert]:
        groups = self._groups(ctx)
        gmap = pl.DataFrame({"party_id": list(groups), "group_id": list(groups.values())},
                            schema={"party_id": pl.String, "group_id": pl.String})
        ctx.con.register("tf_tbml_03_groups", gmap.to_arrow())
        try:
            links = self.query(ctx, "links.sql")
        finally:
            ctx.con.unregister("tf_tbml_03_groups")
        if links.is_empty():
            return []
        doc: dict[str, dict[str, Any]] = {}
        succ: dict[str, list[str]] = {}
        for r in links.iter_rows(named=True):
            doc.setdefault(r["t1"], {"trade_id": r["t1"], "date": r["d1"], "hs4": r["hs4"], "exp": r["e1"],
                                     "imp": r["i1"], "gexp": r["ge1"], "gimp": r["gi1"], "value": r["v1"]})
            doc.setdefault(r["t2"], {"trade_id": r["t2"], "date": r["d2"], "hs4": r["hs4"], "exp": r["e2"],
                                     "imp": r["i2"], "gexp": r["ge2"], "gimp": r["gi2"], "value": r["v2"]})
            succ.setdefault(r["t1"], []).append(r["t2"])
        for lst in succ.values():
            lst.sort(key=lambda t: (doc[t]["date"], t))
        span = timedelta(days=p.window_days)
        cycles: dict[frozenset[str], list[dict[str, Any]]] = {}
        steps = 0
        for start in sorted(succ, key=lambda t: (doc[t]["date"], t)):
            first = doc[start]
            origin = first["gexp"]
            stack = [([start], {first["gexp"], first["gimp"]})]
            while stack and steps < p.max_search_steps:
                path, seen = stack.pop()
                steps += 1
                for nx_id in succ.get(path[-1], ()):
                    nxt = doc[nx_id]
                    if _day(nxt["date"]) - _day(first["date"]) > span or nx_id in path:
                        continue
                    if nxt["gimp"] == origin:
                        key = frozenset(path + [nx_id])
                        if key not in cycles:
                            cycles[key] = [doc[t] for t in path + [nx_id]]
                        continue
                    if nxt["gimp"] in seen or len(path) + 1 >= p.max_length:
                        continue
                    stack.append((path + [nx_id], seen | {nxt["gimp"]}))
        # keep the shortest cycle per origin document
        best: dict[str, list[dict[str, Any]]] = {}
        for cyc in cycles.values():
            k = cyc[0]["trade_id"]
            if k not in best or len(cyc) < len(best[k]):
                best[k] = cyc
        used: set[frozenset[str]] = set()
        alerts: list[Alert] = []
        for cyc in sorted(best.values(), key=lambda c: (c[0]["date"], c[0]["trade_id"])):
            key = frozenset(d["trade_id"] for d in cyc)
            if key in used:
                continue
            used.add(key)
            alerts.extend(self._circular_alerts(cyc, groups))
        return alerts

    def _circular_alerts(self, cyc: list[dict[str, Any]], groups: dict[str, str]) -> list[Alert]:
        first, last = cyc[0], cyc[-1]
        days = (_day(last["date"]) - _day(first["date"])).days
        back = (last["value"] or 0.0) / first["value"] if first["value"] else 0.0
        score = 0.7 + 0.2 * min(back, 1.0) + (0.1 if days <= 90 else 0.0)
        route = [first["exp"]] + [d["imp"] for d in cyc]
        nodes = []
        for party in dict.fromkeys(route):
            role = "origin" if party in (first["exp"], last["imp"]) else "intermediary"
            nodes.append({"id": party, "kind": "party", "role": role, "group": groups.get(party, party)})
        edges = [{"txn_id": d["trade_id"], "trade_id": d["trade_id"], "from": d["exp"], "to": d["imp"],
                  "amount": round(d["value"] or 0.0, 2), "timestamp": _day(d["date"]).isoformat()} for d in cyc]
        same = "" if first["exp"] == last["imp"] else f" (party {last['imp']}, same group as {first['exp']})"
        explanation = (
            f"Goods of HS heading {first['hs4']} worth {money(first['value'])} left party {first['exp']} and came "
            f"back{same} after {len(cyc)} invoices in {days} days, the last worth {money(last['value'])} "
            f"({pct(back)} of the first)."
        )
        details = {"pattern": "circular_trade", "hs4": first["hs4"], "documents": len(cyc), "days": days,
                   "route": route, "first_value": round(first["value"] or 0.0, 2),
                   "last_value": round(last["value"] or 0.0, 2), "nodes": nodes, "edges": edges}
        evidence = [d["trade_id"] for d in cyc]
        t0, t1 = _day(first["date"]), _day(last["date"])
        subjects = list(dict.fromkeys([first["exp"], last["imp"]]))
        return [Alert("party", s, round(min(score, 1.0), 4), t0, t1, evidence, explanation, details) for s in subjects]

    # ------------------------------------------------------------------ transshipment
    def _transshipment(self, ctx: Ctx, p: TradeRouteParams) -> list[Alert]:
        rows = self.query(ctx, "transshipment.sql")
        alerts: list[Alert] = []
        for r in rows.iter_rows(named=True):
            reg_o, reg_d = region_of(r["origin_country"]), region_of(r["destination_country"])
            if reg_o is None or reg_o != reg_d:
                continue
            score = 0.6 + 0.4 * float(r["weight"] or 0.0)
            if p.transshipment_subject == "both":
                subjects = list(dict.fromkeys([r["exporter_party_id"], r["importer_party_id"]]))
            else:
                subjects = [r[f"{p.transshipment_subject}_party_id"]]
            details = {
                "pattern": "illogical_transshipment", "trade_id": r["trade_id"], "hs_code": r["hs_code"],
                "origin_country": r["origin_country"], "destination_country": r["destination_country"],
                "transshipment_country": r["transshipment_country"], "region": reg_o,
                "jurisdiction_category": r["category"], "jurisdiction_weight": r["weight"],
                "invoice_value": round(r["value"] or 0.0, 2),
                "exporter_party_id": r["exporter_party_id"], "importer_party_id": r["importer_party_id"],
            }
            explanation = (
                f"Invoice {r['trade_id']} ({money(r['value'])}, HS {r['hs_code']}) ships goods from "
                f"{r['origin_country']} to {r['destination_country']}, both in {reg_o}, via "
                f"{r['transshipment_country']} ({r['category'].replace('_', ' ')}), a detour with no economic reason."
            )
            ts = _day(r["date"])
            evidence = [r["trade_id"]] + ([r["payment_txn_id"]] if r["payment_txn_id"] else [])
            alerts.extend(Alert("party", s, round(min(score, 1.0), 4), ts, ts, evidence, explanation, details)
                          for s in subjects)
        return alerts
