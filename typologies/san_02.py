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

from pydantic import Field

from engine.screening.detect import features_of, has_active_list, screen_transaction_names
from engine.screening.matcher import DEFAULT_THRESHOLD
from typologies._common import money
from typologies.base import Alert, Params, ScanContext, Typology


class DesignatedNamePaymentParams(Params):
    threshold: float = Field(
        DEFAULT_THRESHOLD, ge=0.5, le=1.0, description="match score (0..1) from which a name pair is a match"
    )


class DesignatedNamePayment(Typology):
    id = "SAN-02"
    name = "Payment to or from a designated name"
    description = (
        "A transaction's originator or beneficiary name matches a UN Security Council Consolidated List "
        "entry (or another loaded list); the alert is on our customer on the other side."
    )
    references = (
        "FATF Recommendation 6 (targeted financial sanctions related to terrorism and terrorist financing)",
        "FATF Recommendation 16 (wire transfers: originator and beneficiary screening)",
    )
    Params = DesignatedNamePaymentParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: DesignatedNamePaymentParams = ctx.params  # type: ignore[assignment]
        if not has_active_list(ctx.con):
            return []
        hits = screen_transaction_names(ctx.con, p.threshold)
        if hits.height == 0:
            return []
        alerts: list[Alert] = []
        keys = ["subject_type", "subject_id", "list_name", "reference"]
        for key, grp in hits.sort(["timestamp", "txn_id"]).group_by(keys, maintain_order=True):
            subject_type, subject_id, list_name, reference = key
            top = grp.sort("score", descending=True).row(0, named=True)
            txns = sorted(set(grp["txn_id"].to_list()))
            sides = sorted(set(grp["side"].to_list()))
            total = float(grp.unique(subset=["txn_id"])["amount_base"].sum())
            n = len(txns)
            role = " and ".join(sides)
            explanation = (
                f"{n} transaction{'s' if n != 1 else ''} (total {money(total)}) with {role} name "
                f"'{top['query_name']}' matching {list_name} list entry {reference} '{top['matched_name']}' "
                f"(score {top['score']:.2f}, {top['explanation']}); funds to or from a designated name "
                "must be frozen and reported."
            )
            alerts.append(
                Alert(
                    subject_type=str(subject_type),
                    subject_id=str(subject_id),
                    score=float(top["score"]),
                    window_start=grp["timestamp"].min(),  # type: ignore[arg-type]
                    window_end=grp["timestamp"].max(),  # type: ignore[arg-type]
                    evidence=txns,
                    explanation=explanation,
                    details={
                        "list_name": list_name,
                        "reference": reference,
                        "matched_name": top["matched_name"],
                        "query_name": top["query_name"],
                        "names": sorted(set(grp["query_name"].to_list())),
                        "sides": sides,
                        "accounts": sorted(set(grp["account_id"].to_list())),
                        "transactions": n,
                        "total_base": round(total, 2),
                        "score": top["score"],
                        "threshold": p.threshold,
                        "features": features_of(top["features"]),
                    },
                )
            )
        return alerts
