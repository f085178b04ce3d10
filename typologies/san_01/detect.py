"""SAN-01 Designated party: a party's name or alt name matches a loaded sanctions list.

Every party name and alternative name is screened against the active versions of all
loaded lists (``ctfmon lists load``), with the party's birth date, nationality and id
number as qualifiers (see :mod:`engine.screening.matcher`).  One alert per party: the
best-scoring list entry leads, every entry at or above the threshold is in ``details``.

Evidence is empty: the indicator is the party's identity, not an activity, and an empty
evidence list keeps the alert id stable (typology + party), so re-screening after a new
list version or new transactions raises nothing for a party already alerted, and only
newly matching parties raise new alerts.  An entry a list change's screening already raised on
the party (:func:`engine.screening.changes.change_alerted`) is left out: that alert names the
change and is the one kept.  The window is the scan window.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import Field

from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Row, Typology
from engine.screening.changes import change_alerted
from engine.screening.detect import features_of, has_active_list, screen_parties
from engine.screening.matcher import DEFAULT_THRESHOLD


class DesignatedPartyParams(Params):
    threshold: float = Field(
        DEFAULT_THRESHOLD, ge=0.5, le=1.0, description="match score (0..1) from which a name pair is a match"
    )
    max_entries: int = Field(5, ge=1, description="list entries kept per alert in details")


Ctx = ScanContext[DesignatedPartyParams]


class DesignatedParty(Typology[DesignatedPartyParams]):
    Params = DesignatedPartyParams

    def detect(self, ctx: Ctx) -> list[Alert]:
        """One row per party with a hit: its entries at or above the threshold, best first."""
        if not has_active_list(ctx.con):
            return []
        hits = screen_parties(ctx.con, ctx.params.threshold)
        raised = change_alerted(ctx.con, "SAN-01")
        if raised and hits.height:
            # an entry already raised on the party by a list change's screening (that alert names
            # the change, the listing date and the payments around it) is not raised again
            keep = [("party", str(p), ln, ref) not in raised
                    for p, ln, ref in hits.select("party_id", "list_name", "reference").iter_rows()]
            hits = hits.filter(pl.Series(keep, dtype=pl.Boolean))
        if hits.height == 0:
            return []
        rows: list[Row] = []
        ranked = hits.sort(["score", "list_name", "reference"], descending=[True, False, False])
        for (party_id,), grp in ranked.group_by(["party_id"], maintain_order=True):
            rows.append({"subject_type": "party", "subject_id": str(party_id), "window_start": ctx.window_start,
                         "window_end": ctx.window_end, "evidence": [], "hits": grp.height,
                         "entries": grp.head(ctx.params.max_entries).to_dicts()})
        return [alert for row in rows for alert in self.alerts(row, ctx)]

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        top = row["entries"][0]
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
            for r in row["entries"]
        ]
        return {
            "list_name": top["list_name"],
            "reference": top["reference"],
            "matched_name": top["matched_name"],
            "query_name": top["query_name"],
            "party_name": top["party_name"],
            "score": top["score"],
            "threshold": ctx.params.threshold,
            "entries": entries,
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        return float(row["entries"][0]["score"])

    def explanation(self, row: Row, details: dict[str, Any], ctx: Ctx) -> str:
        top, n = row["entries"][0], row["hits"]
        more = f" and {n - 1} other entr{'y' if n == 2 else 'ies'}" if n > 1 else ""
        return (
            f"Party name '{top['query_name']}' matches {top['list_name']} list entry {top['reference']} "
            f"'{top['matched_name']}' with score {top['score']:.2f} ({top['explanation']}){more}; "
            "dealing with a designated party breaches the asset freeze."
        )
