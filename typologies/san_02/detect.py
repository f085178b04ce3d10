"""SAN-02 Payment to or from a designated name.

The distinct originator and beneficiary names of the scan window's transactions are
screened against the active lists.  A hit is attributed to the account holder on our
side, the counterparty of the listed name: the credited account's owner when the
originator is listed, the debited account's owner when the beneficiary is listed (the
account itself when its owner is not on file).  One alert per subject and list entry;
evidence is the matching transactions.  The payment message carries a name only, so
no qualifiers apply.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Row, Typology
from engine.screening.detect import features_of, has_active_list, screen_transaction_names
from engine.screening.matcher import DEFAULT_THRESHOLD
from typologies._common import money


class DesignatedNamePaymentParams(Params):
    threshold: float = Field(
        DEFAULT_THRESHOLD, ge=0.5, le=1.0, description="match score (0..1) from which a name pair is a match"
    )


Ctx = ScanContext[DesignatedNamePaymentParams]


class DesignatedNamePayment(Typology[DesignatedNamePaymentParams]):
    Params = DesignatedNamePaymentParams

    def detect(self, ctx: Ctx) -> list[Alert]:
        """One row per subject and list entry: the matching transactions and the best match."""
        if not has_active_list(ctx.con):
            return []
        hits = screen_transaction_names(ctx.con, ctx.params.threshold)
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
