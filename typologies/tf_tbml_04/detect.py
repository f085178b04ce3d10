"""TF-TBML-04 Strategic (dual-use) goods to a risky end.

Indicator (catalogue): a trade document for goods whose HS code is on the shipped
strategic-goods watch list (dated, sourced, user-editable) is shipped to, transshipped through
or paid from a high-risk jurisdiction, or involves a party whose best sanctions-list score is
>= 0.6, or is paid by a party other than the declared importer.

The watch list is ``engine/reference/strategic_goods_hs.csv`` (or the file of the setting
``strategic_goods_file``): 6-digit subheadings, and 4-digit headings that cover all their
subheadings; each row names its control basis, source and as-of date, and the alert carries
them.  Checks, per watched trade document of the scan window (several may hold):

- ``hr_destination`` / ``hr_transshipment`` / ``hr_payment``: the destination country, the
  transshipment country, or the country the payment came from (the paying transaction's
  originator country, else its debited account's country) is a high-risk jurisdiction
  (``ref_jurisdiction_risk``, weight >= ``min_jurisdiction_weight``; 0 takes the whole file);
- ``sanctioned_party``: the exporter, the importer or the payer (a party on file, or the
  payment's originator name when its account has no owner on file) scores at least
  ``min_sanctions_score`` against an entry of an active sanctions list (the engine's
  screening, qualifiers included); a name agreeing with a listed name only on common given
  and family names, with no qualifier agreeing, does not count (catalogue: common names);
- ``third_party_payment``: the paying transaction's debited account belongs to a party on
  file other than the importer, or, when its owner is not on file, the originator name differs
  from the importer's name (case and outer spaces ignored) — the reading of TF-TBML-02.

One alert per document and party: subjects by default (``subject = "both"``) the exporter and
the importer (which side is the reporting entity's customer is not on the document); or only
the ``importer`` / ``exporter``.  Score (noisy-or of the checks): a high-risk place 0.55 + 0.35
x its risk weight; a sanctions-list score s: 0.7 + 0.3 x (s - 0.6) / 0.4; a third-party payer
0.55.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

import polars as pl
from pydantic import Field

from engine import reference
from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Row, Typology
from engine.screening.detect import has_active_list, party_names
from engine.screening.index import get_index, screen_frame
from typologies._common import combine, money, ramp

CHECKS = ("hr_destination", "hr_transshipment", "hr_payment", "sanctioned_party", "third_party_payment")


class StrategicGoodsParams(Params):
    min_sanctions_score: float = Field(
        0.6, ge=0.3, le=1.0, description="best sanctions-list score (0..1) from which a party of the trade counts")
    min_jurisdiction_weight: float = Field(
        0.0, ge=0, le=1, description="high-risk jurisdictions of at least this risk weight count (0: every one)")
    subject: Literal["both", "importer", "exporter"] = Field(
        "both", description="which party of the document is alerted (both: one alert each)")


Ctx = ScanContext[StrategicGoodsParams]


def _place(row: Row, prefix: str) -> float:
    w = row[f"{prefix}_weight"]
    return 0.0 if w is None else 0.55 + 0.35 * float(w)


class StrategicGoods(Typology[StrategicGoodsParams]):
    Params = StrategicGoodsParams

    def detect(self, ctx: Ctx) -> list[Alert]:
        watch = reference.strategic_goods().select("hs_code", "description", "basis", "source", "as_of")
        ctx.con.register("_ref_strategic_goods", watch.to_arrow())
        try:
            ctx.con.execute("CREATE OR REPLACE TEMP TABLE ref_strategic_goods AS SELECT * FROM _ref_strategic_goods")
        finally:
            ctx.con.unregister("_ref_strategic_goods")
        rows = self.query(ctx, self.query_file).unique(subset=["trade_id"], keep="first", maintain_order=True)
        if rows.height == 0:
            return []
        sanctioned = self._sanctioned(ctx, rows)
        alerts: list[Alert] = []
        for row in rows.iter_rows(named=True):
            row["sanctions_hits"] = [h for key in (row["exporter_party_id"], row["importer_party_id"],
                                                   row["payer_party"]) if key for h in sanctioned.get(key, [])]
            row["sanctions_hits"] = list({(h["party"], h["list_name"], h["reference"]): h
                                          for h in row["sanctions_hits"]}.values())
            if any(self._checks(row)):
                alerts += self.alerts(row, ctx)
        return alerts

    # ------------------------------------------------------------------ sanctions
    def _sanctioned(self, ctx: Ctx, rows: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
        """Per party id (or payer name): its list entries scoring >= the threshold, best first."""
        if not has_active_list(ctx.con):
            return {}
        ids = set(rows["exporter_party_id"].to_list()) | set(rows["importer_party_id"].to_list())
        ids |= {p for p in rows["payer_account_party"].to_list() if p}
        names = party_names(ctx.con).filter(pl.col("qid").is_in(sorted(ids)))
        external = rows.filter(pl.col("payer_account_party").is_null() & pl.col("payer_party").is_not_null()
                               & (pl.col("payer_party") != pl.col("importer_party_id")))["payer_party"].unique()
        if external.len():
            names = pl.concat([names, pl.DataFrame({"qid": external, "name": external}).with_columns(
                kind=pl.lit("unknown"))], how="diagonal_relaxed")
        if names.height == 0:
            return {}
        hits = screen_frame(get_index(ctx.con), names, threshold=ctx.params.min_sanctions_score)
        hits = hits.filter(~pl.col("name_only_common_tokens")).sort("score", descending=True)
        out: dict[str, list[dict[str, Any]]] = {}
        for h in hits.unique(subset=["qid", "list_name", "reference"], keep="first", maintain_order=True).iter_rows(
                named=True):
            out.setdefault(h["qid"], []).append({
                "party": h["qid"], "name": h["name"], "list_name": h["list_name"], "reference": h["reference"],
                "matched_name": h["matched_name"], "score": round(float(h["score"]), 4)})
        return out

    # ------------------------------------------------------------------ hooks
    def _checks(self, row: Row) -> list[str]:
        held = {
            "hr_destination": row["dest_weight"] is not None,
            "hr_transshipment": row["trans_weight"] is not None,
            "hr_payment": row["paid_weight"] is not None,
            "sanctioned_party": bool(row["sanctions_hits"]),
            "third_party_payment": bool(row["third_party_payment"]),
        }
        return [c for c in CHECKS if held[c]]

    def subjects(self, row: Row, ctx: Ctx) -> list[tuple[str, str]]:
        if ctx.params.subject == "both":
            parties = list(dict.fromkeys([row["exporter_party_id"], row["importer_party_id"]]))
        else:
            parties = [row[f"{ctx.params.subject}_party_id"]]
        return [("party", p) for p in parties]

    def window(self, row: Row, ctx: Ctx) -> tuple[datetime, datetime]:
        ts = datetime.combine(row["date"], time())
        return ts, ts

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        return [row["trade_id"]] + ([row["payment_txn_id"]] if row["payment_txn_id"] else [])

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        return {
            "checks": self._checks(row), "trade_id": row["trade_id"], "hs_code": row["hs_code"],
            "watch_list": {"hs_code": row["watch_code"], "description": row["watch_description"],
                           "basis": row["watch_basis"], "source": row["watch_source"], "as_of": row["watch_as_of"]},
            "invoice_value": round(row["value"], 2) if row["value"] is not None else None,
            "exporter_party_id": row["exporter_party_id"], "importer_party_id": row["importer_party_id"],
            "origin_country": row["origin_country"], "destination_country": row["destination_country"],
            "transshipment_country": row["transshipment_country"], "paid_from": row["paid_from"],
            "payment_txn_id": row["payment_txn_id"], "payer_party_id": row["payer_party"],
            "high_risk": {k: {"country": row[c], "category": row[f"{p}_category"], "weight": row[f"{p}_weight"]}
                          for k, c, p in (("destination", "destination_country", "dest"),
                                          ("transshipment", "transshipment_country", "trans"),
                                          ("payment", "paid_from", "paid")) if row[f"{p}_weight"] is not None},
            "sanctions_hits": row["sanctions_hits"],
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        parts = [_place(row, "dest"), _place(row, "trans"), _place(row, "paid")]
        if row["sanctions_hits"]:
            best = max(h["score"] for h in row["sanctions_hits"])
            parts.append(0.7 + 0.3 * ramp(best, ctx.params.min_sanctions_score, 1.0))
        if row["third_party_payment"]:
            parts.append(0.55)
        return round(combine(0.0, *parts), 4)

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        parts = []
        hr = details["high_risk"]
        for key, verb in (("destination", "shipped to"), ("transshipment", "transshipped through"),
                          ("payment", "paid from")):
            if key in hr:
                parts.append(f"{verb} {hr[key]['country']} (high-risk: {hr[key]['category'].replace('_', ' ')})")
        for h in row["sanctions_hits"][:3]:
            parts.append(f"{h['name']} scores {h['score']:.2f} against {h['list_name']} entry {h['reference']} "
                         f"({h['matched_name']})")
        if row["third_party_payment"]:
            parts.append(f"paid by {row['payer_party']}, not the importer {row['importer_party_id']}")
        return (f"Invoice {row['trade_id']} for HS {row['hs_code']} ({row['watch_description']}; strategic-goods "
                f"watch list: {row['watch_basis']}), {money(row['value'])} from {row['exporter_party_id']} to "
                f"{row['importer_party_id']}: " + "; ".join(parts) + ".")
