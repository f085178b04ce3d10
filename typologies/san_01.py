"""SAN-01 Designated party: a party's name or alt name matches a loaded sanctions list.

Every party name and alternative name is screened against the active versions of all
loaded lists (``ctfmon lists load``), with the party's birth date, nationality and id
number as qualifiers (see :mod:`engine.screening.matcher`).  One alert per party: the
best-scoring list entry leads, every entry at or above the threshold is in ``details``.

Evidence is empty: the indicator is the party's identity, not an activity, and an empty
evidence list keeps the alert id stable (typology + party), so re-screening after a new
list version or new transactions raises nothing for a party already alerted, and only
newly matching parties raise new alerts.  The window is the scan window.
"""

from __future__ import annotations

from pydantic import Field

from engine.screening.detect import features_of, has_active_list, screen_parties
from engine.screening.matcher import DEFAULT_THRESHOLD
from typologies.base import Alert, Params, ScanContext, Typology


class DesignatedPartyParams(Params):
    threshold: float = Field(
        DEFAULT_THRESHOLD, ge=0.5, le=1.0, description="match score (0..1) from which a name pair is a match"
    )
    max_entries: int = Field(5, ge=1, description="list entries kept per alert in details")


class DesignatedParty(Typology):
    id = "SAN-01"
    name = "Designated party"
    description = (
        "A party's name or alt name matches a UN Security Council Consolidated List entry (or another "
        "loaded list), birth date, nationality and document number moving the score."
    )
    references = (
        "UN Security Council resolutions 1267 (1999), 1373 (2001) and successors: asset freeze",
        "FATF Recommendation 6 (targeted financial sanctions related to terrorism and terrorist financing)",
        "FATF Recommendation 7 (targeted financial sanctions related to proliferation)",
    )
    Params = DesignatedPartyParams

    def detect(self, ctx: ScanContext) -> list[Alert]:
        p: DesignatedPartyParams = ctx.params  # type: ignore[assignment]
        if not has_active_list(ctx.con):
            return []
        hits = screen_parties(ctx.con, p.threshold)
        if hits.height == 0:
            return []
        alerts: list[Alert] = []
        for (party_id,), grp in hits.sort("score", descending=True).group_by(["party_id"], maintain_order=True):
            rows = grp.head(p.max_entries).to_dicts()
            top = rows[0]
            entries = [
                {
                    "list_name": r["list_name"],
                    "reference": r["reference"],
                    "entry_type": r["entry_type"],
                    "matched_name": r["matched_name"],
                    "query_name": r["query_name"],
                    "score": r["score"],
                    "name_score": r["name_score"],
                    "features": features_of(r["features"]),
                }
                for r in rows
            ]
            more = f" and {grp.height - 1} other entr{'y' if grp.height == 2 else 'ies'}" if grp.height > 1 else ""
            explanation = (
                f"Party name '{top['query_name']}' matches {top['list_name']} list entry {top['reference']} "
                f"'{top['matched_name']}' with score {top['score']:.2f} ({top['explanation']}){more}; "
                "dealing with a designated party breaches the asset freeze."
            )
            alerts.append(
                Alert(
                    subject_type="party",
                    subject_id=str(party_id),
                    score=float(top["score"]),
                    window_start=ctx.window_start,
                    window_end=ctx.window_end,
                    evidence=[],
                    explanation=explanation,
                    details={
                        "list_name": top["list_name"],
                        "reference": top["reference"],
                        "matched_name": top["matched_name"],
                        "query_name": top["query_name"],
                        "party_name": top["party_name"],
                        "score": top["score"],
                        "threshold": p.threshold,
                        "entries": entries,
                    },
                )
            )
        return alerts
