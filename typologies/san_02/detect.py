"""SAN-02 Payment to or from a designated name.

Catalogue: a transaction's counterparty name (an originator or beneficiary with no party on
file, whether or not its account is listed without an owner) matches a listed entry; the
customer's own name, and counterparties that are parties on file, are SAN-01's.

The payment names of the scan window are screened against the active lists (``names.sql``
picks them): an originator name when the debited account has no party on file (not on
file, or on file without an owner), a beneficiary name when the credited account has none.
Names of parties on file (the customer's own name on its payments, a counterparty that is a
customer) are SAN-01's, screened with their qualifiers.

Everyday activity (catalogue), each a parameter:

- who is a subject: the customer who paid or was paid by the listed name, the account
  holder on the other side (its owning party, or the account when on file without an
  owner); with ``customers_only`` (default) a payment whose other side is not on file
  either raises nothing;
- common names: a payment name agreeing with a listed person's name only on common given
  and family names, with nothing else agreeing (the screening's ``name_only_common_tokens``: the
  agreeing tokens carry little identity, e.g. *Salma Saleh* against *Salim Saleh*), is not a
  match unless ``common_names_match`` is set.

One alert per subject and list entry; evidence is the matching transactions, less those a list
change's screening already raised on the same subject and entry
(:func:`engine.screening.changes.change_alerted`).  The payment
message carries a name only, so no qualifiers apply.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import Field

from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Row, Typology
from engine.screening.changes import change_alerted
from engine.screening.detect import features_of, has_active_list, screen_transaction_names
from engine.screening.matcher import DEFAULT_THRESHOLD
from typologies._common import money


class DesignatedNamePaymentParams(Params):
    threshold: float = Field(
        DEFAULT_THRESHOLD, ge=0.5, le=1.0, description="match score (0..1) from which a name pair is a match"
    )
    customers_only: bool = Field(
        True, description="subjects are customers: the side paid by (or paying) the listed name must be an account "
        "on file"
    )
    common_names_match: bool = Field(
        False, description="a payment name agreeing with a listed name only on common given and family names, "
        "with nothing else agreeing, counts as a match (the catalogue says it does not)"
    )


Ctx = ScanContext[DesignatedNamePaymentParams]


class DesignatedNamePayment(Typology[DesignatedNamePaymentParams]):
    Params = DesignatedNamePaymentParams

    def detect(self, ctx: Ctx) -> list[Alert]:
        """One row per subject and list entry: the matching transactions and the best match."""
        if not has_active_list(ctx.con):
            return []
        rows_in = self.query(ctx, "names.sql")
        if rows_in.height == 0:
            return []
        ctx.con.register("san_02_names", rows_in.to_arrow())
        try:
            hits = screen_transaction_names(ctx.con, ctx.params.threshold, source="san_02_names")
        finally:
            ctx.con.unregister("san_02_names")
        if hits.height and not ctx.params.common_names_match:
            # common given and family names: people's names (an organisation's name made of
            # generic words is another matter, and matches in full)
            hits = hits.filter(~(pl.col("name_only_common_tokens") & (pl.col("entry_type") == "person")))
        raised = change_alerted(ctx.con, "SAN-02")
        if raised and hits.height:
            # payments a list change's screening already raised on the customer and entry
            keep = [str(t) not in raised.get((st, str(sid), ln, ref), set())
                    for st, sid, ln, ref, t in hits.select("subject_type", "subject_id", "list_name", "reference",
                                                           "txn_id").iter_rows()]
            hits = hits.filter(pl.Series(keep, dtype=pl.Boolean))
        if hits.height == 0:
            return []
        rows: list[Row] = []
        keys = ["subject_type", "subject_id", "list_name", "reference"]
        for key, grp in hits.sort(["timestamp", "txn_id"]).group_by(keys, maintain_order=True):
            subject_type, subject_id, list_name, reference = key
            rows.append({
                "subject_type": subject_type, "subject_id": subject_id, "list_name": list_name,
                "reference": reference,
                "top": grp.sort(["score", "query_name"], descending=[True, False]).row(0, named=True),
                "evidence": sorted(set(grp["txn_id"].to_list())),
                "window_start": grp["timestamp"].min(), "window_end": grp["timestamp"].max(),
                "names": sorted(set(grp["query_name"].to_list())), "sides": sorted(set(grp["side"].to_list())),
                "accounts": sorted(set(grp["account_id"].to_list())),
                "total": float(grp.unique(subset=["txn_id"])["amount_base"].sum()),
            })
        return [alert for row in rows for alert in self.alerts(row, ctx)]

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        top = row["top"]
        return {
            "list_name": row["list_name"],
            "reference": row["reference"],
            "matched_name": top["matched_name"],
            "query_name": top["query_name"],
            "names": row["names"],
            "sides": row["sides"],
            "accounts": row["accounts"],
            "transactions": len(row["evidence"]),
            "total_base": round(row["total"], 2),
            "score": top["score"],
            "threshold": ctx.params.threshold,
            "features": features_of(top["features"]),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        return float(row["top"]["score"])

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        top, n = row["top"], len(row["evidence"])
        return (
            f"{n} transaction{'s' if n != 1 else ''} (total {money(row['total'])}) with "
            f"{' and '.join(row['sides'])} name '{top['query_name']}' matching {row['list_name']} list entry "
            f"{row['reference']} '{top['matched_name']}' (score {top['score']:.2f}, {top['explanation']}); "
            "funds to or from a designated name must be frozen and reported."
        )
