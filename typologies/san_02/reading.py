"""SAN-02 literal reading for ``datagen.verify``: names scored with rapidfuzz against the
shipped extract of the UN list (``rc.listed_names()``), so in Python.

``instances``: a planted payment's originator or beneficiary name scores >= 85 against a
listed name or alias.  ``parties`` (also used to cross-label overlaps): a payment to or
from a candidate's accounts names its counterparty with such a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.verify import ReadContext

MIN_SCORE = 85


def instances(rc: ReadContext, label: str) -> list[tuple[str, bool]]:
    rows = rc.con.sql("""SELECT l.instance_id, t.originator_name, t.beneficiary_name FROM labels l
                         JOIN t ON t.txn_id = l.entity_id WHERE l.typology_id = $tid AND l.role = 'evidence'""",
                      params={"tid": label}).fetchall()
    scores = rc.best_scores([n for _, o, b in rows for n in (o, b) if n], rc.listed_names())
    best: dict[str, bool] = {}
    for inst, o, b in rows:
        ok = max(scores.get(o or "", 0.0), scores.get(b or "", 0.0)) >= MIN_SCORE
        best[inst] = best.get(inst, False) or ok
    return sorted(best.items())


def parties(rc: ReadContext) -> dict[str, set[str]]:
    rows = rc.con.sql("""
      SELECT DISTINCT a.party_id, CASE WHEN t.to_account = a.account_id THEN t.originator_name ELSE t.beneficiary_name END,
             t.txn_id
      FROM cand JOIN accounts a USING (party_id) JOIN t ON a.account_id IN (t.from_account, t.to_account)
      WHERE list_contains($channels, t.channel)""", params={"channels": rc.transfer_channels}).fetchall()
    best = rc.best_scores([name for _, name, _ in rows if name], rc.listed_names())
    hit = {name for name, score in best.items() if score >= MIN_SCORE}
    out: dict[str, set[str]] = {}
    for party, name, txn in rows:
        if name in hit:
            out.setdefault(party, set()).add(txn)
    return out
