"""TF-DOC-01 literal reading for ``datagen.verify``: the shipped sample document list is read in
Python, so the reading is Python.

An instance meets the definition when one of its labelled declarations carries a number of the
list (upper case, letters and digits only; the issuing country equal to the declared nationality
where both are given) reported before the day of the crossing; or a subject party's ``id_number``
is such a number reported before the party's ``registered_on``; or a labelled declaration's number
(same nationality) is declared on file by more than one traveller: declarations naming the same
party, or sharing a name (compared as sets of lower-case words, a party's names on file included)
without differing birth dates (of their parties on file), are one traveller.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from engine.screening.documents import sample_entries

if TYPE_CHECKING:
    from datagen.verify import ReadContext


def _key(number: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (number or "").upper())


def _words(name: str | None) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", (name or "").lower()))


def _travellers(uses: list[tuple[set[frozenset[str]], object, object]]) -> int:
    """How many travellers the uses of one number are: uses naming the same party, or sharing a
    name (as sets of words, the party's names included) with no differing birth dates, are one."""
    group = list(range(len(uses)))

    def find(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i, (ni, pi, di) in enumerate(uses):
        for j in range(i):
            nj, pj, dj = uses[j]
            same = (pi is not None and pi == pj) or (bool(ni & nj) and (di is None or dj is None or di == dj))
            if same:
                group[find(i)] = find(j)
    return len({find(i) for i in range(len(uses))})


def instances(rc: ReadContext, label: str) -> list[tuple[str, bool]]:
    listed: dict[str, list[tuple[str | None, date]]] = {}
    for e in sample_entries():
        listed.setdefault(e.number_key, []).append((e.issuing_country, date.fromisoformat(e.reported_on)))

    def on_list(number: str | None, country: str | None, used: date) -> bool:
        return any((c is None or not country or c == country) and reported < used
                   for c, reported in listed.get(_key(number), []))

    ok: dict[str, bool] = {}
    decls = rc.con.sql("""
        SELECT l.instance_id, d.document_number, d.nationality, CAST(d.timestamp AS DATE)
        FROM labels l JOIN decl d ON d.declaration_id = l.entity_id
        WHERE l.typology_id = $tid AND l.entity_type = 'cash_declaration'""", params={"tid": label}).fetchall()
    everyone = rc.con.sql("""
        SELECT d.document_number, d.nationality, d.traveller_name, d.party_id, p.date_of_birth, p.name, p.alt_names
        FROM decl d LEFT JOIN parties p ON p.party_id = d.party_id WHERE d.document_number IS NOT NULL""").fetchall()
    users: dict[tuple[str, str], list[tuple[set[frozenset[str]], object, object]]] = {}
    for number, nat, name, party, dob, pname, alts in everyone:
        names = {_words(n) for n in [name, pname, *(alts or [])] if n}
        users.setdefault((_key(number), nat or ""), []).append((names, party, dob))
    for inst, number, nat, day in decls:
        hit = on_list(number, nat, day)
        ok[inst] = ok.get(inst, False) or hit or _travellers(users.get((_key(number), nat or ""), [])) > 1
    subjects = rc.con.sql("""
        SELECT l.instance_id, p.id_number, p.nationality, CAST(p.registered_on AS DATE)
        FROM labels l JOIN parties p ON p.party_id = l.entity_id
        WHERE l.typology_id = $tid AND l.role = 'subject' AND l.entity_type = 'party'""", params={"tid": label}).fetchall()
    for inst, number, nat, registered in subjects:
        ok[inst] = ok.get(inst, False) or (registered is not None and on_list(number, nat, registered))
    return sorted(ok.items())
