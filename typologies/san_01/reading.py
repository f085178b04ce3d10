"""SAN-01 literal reading for ``datagen.verify``: names scored with rapidfuzz against the
shipped extract of the UN list (``rc.listed()``), so in Python.

A planted subject meets it when its name or an alt name scores >= 85 (best of the plain and
the token-sorted ratio) against a listed name or alias of an entry whose birth year and
nationality agree with the subject's (an entity needs the name only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.verify import ReadContext

MIN_SCORE = 85


def instances(rc: ReadContext, label: str) -> list[tuple[str, bool]]:
    entries = rc.listed()
    rows = rc.con.sql("""SELECT l.instance_id, p.name, p.alt_names, CAST(year(p.date_of_birth) AS VARCHAR), p.nationality
                         FROM labels l JOIN parties p ON p.party_id = l.entity_id
                         WHERE l.typology_id = $tid AND l.role = 'subject'""", params={"tid": label}).fetchall()
    out = []
    for inst, name, alts, year, nat in rows:
        cands = [name, *(alts or [])]
        hits = [e for e in entries
                if max(rc.best_scores(cands, [e.full.upper(), *(a.upper() for a in e.aliases)]).values()) >= MIN_SCORE]
        ok = any(e.kind == "entity" or ((not year or e.dob[:4] == year) and (not nat or e.nationality == nat))
                 for e in hits)
        out.append((inst, ok))
    return out
