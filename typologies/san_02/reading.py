"""SAN-02 literal reading for ``datagen.verify``: names scored with rapidfuzz against the
shipped extract of the UN list (``rc.listed_names()``), so in Python.

A payment's originator (or beneficiary) name counts when the side it names has no party on
file (its account is not on file, or on file without an owner: a party on file is screened
with its own qualifiers, SAN-01) and the other side, the customer who was paid (or paid), is
an account on file whose owner is not named so (the customer's own name, or one of its
alternative names, is SAN-01's).  The name matches when it scores >= 85 against a listed name or alias,
unless the listed name is a person's and every token of it that agrees with the listed name
(token ratio >= 80) is a common given or family name: one of the world-wide common names of ``engine.screening.matcher``
(*Mohammed*, *Ali*, *Kim*, *Maria* ...) or a token held by more than 0.1% (and at least 5) of
the distinct names on file (party names and payment names).

``instances``: a planted payment carries such a name.  ``parties`` (also used to cross-label
overlaps): a payment to or from a candidate's accounts names its counterparty so.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.verify import ReadContext

MIN_SCORE = 85
TOKEN_AGREES = 80
COMMON_SHARE = 0.001
COMMON_MIN = 5

#: the name side (debited account for the originator, credited for the beneficiary) has no party
#: on file, and the other side is an account on file
_SIDES = """
  WITH own AS (SELECT a.account_id, upper(trim(n)) AS n FROM accounts a JOIN (
                 SELECT party_id, name AS n FROM parties
                 UNION ALL SELECT party_id, UNNEST(alt_names) FROM parties) p USING (party_id))
  SELECT t.txn_id, t.originator_name AS name, t.to_account AS customer_account
  FROM t LEFT JOIN accounts na ON na.account_id = t.from_account
  WHERE t.originator_name IS NOT NULL AND coalesce(na.party_id, '') = ''
    AND t.to_account IN (SELECT account_id FROM accounts)
    AND NOT EXISTS (SELECT 1 FROM own WHERE own.account_id = t.to_account AND own.n = upper(trim(t.originator_name)))
  UNION ALL
  SELECT t.txn_id, t.beneficiary_name, t.from_account
  FROM t LEFT JOIN accounts na ON na.account_id = t.to_account
  WHERE t.beneficiary_name IS NOT NULL AND coalesce(na.party_id, '') = ''
    AND t.from_account IN (SELECT account_id FROM accounts)
    AND NOT EXISTS (SELECT 1 FROM own WHERE own.account_id = t.from_account AND own.n = upper(trim(t.beneficiary_name)))
"""


def _tokens(name: str) -> list[str]:
    return [x for x in re.split(r"[^0-9a-z]+", name.lower()) if x]


def _common(rc: ReadContext) -> set[str]:
    from engine.screening.matcher import GENERIC_GIVEN

    names = {r[0] for r in rc.sql("""SELECT name FROM parties WHERE name IS NOT NULL
                                      UNION SELECT originator_name FROM t WHERE originator_name IS NOT NULL
                                      UNION SELECT beneficiary_name FROM t WHERE beneficiary_name IS NOT NULL""")}
    df: Counter[str] = Counter()
    for n in names:
        df.update(set(_tokens(n)))
    cap = max(COMMON_MIN, int(COMMON_SHARE * len(names)))
    return set(GENERIC_GIVEN) | {tok for tok, k in df.items() if k > cap}


def _matching(rc: ReadContext, names: list[str]) -> set[str]:
    """The names that match a listed name and agree with it on more than common tokens."""
    from rapidfuzz import fuzz, process

    listed = rc.listed_names()
    queries = sorted({n for n in names if n})
    if not queries or not listed:
        return set()
    scores = rc.best_scores(queries, listed)
    hits = [q for q in queries if scores[q] >= MIN_SCORE]
    if not hits:
        return set()
    common = _common(rc)
    entities = {n.upper() for e in rc.listed() if e.kind != "individual" for n in (e.full, *e.aliases)}
    out = set()
    for q in hits:
        best = process.extractOne(q.upper(), listed, scorer=fuzz.token_sort_ratio)
        plain = process.extractOne(q.upper(), listed, scorer=fuzz.ratio)
        target = max((b for b in (best, plain) if b is not None), key=lambda b: b[1])[0]
        if target in entities:  # the common-names rule is about people's given and family names
            out.add(q)
            continue
        lt = _tokens(target)
        agreeing = [tok for tok in _tokens(q) if any(fuzz.ratio(tok, x) >= TOKEN_AGREES for x in lt)]
        if agreeing and not all(tok in common for tok in agreeing):
            out.add(q)
    return out


def instances(rc: ReadContext, label: str) -> list[tuple[str, bool]]:
    rows = rc.con.sql(f"""WITH s AS ({_SIDES})
                         SELECT l.instance_id, s.name FROM labels l LEFT JOIN s ON s.txn_id = l.entity_id
                         WHERE l.typology_id = $tid AND l.role = 'evidence'""",
                      params={"tid": label}).fetchall()
    hit = _matching(rc, [n for _, n in rows if n])
    best: dict[str, bool] = {}
    for inst, name in rows:
        best[inst] = best.get(inst, False) or (name in hit)
    return sorted(best.items())


def parties(rc: ReadContext) -> dict[str, set[str]]:
    rows = rc.con.sql(f"""WITH s AS ({_SIDES})
      SELECT DISTINCT a.party_id, s.name, s.txn_id
      FROM cand JOIN accounts a USING (party_id) JOIN s ON s.customer_account = a.account_id
      JOIN t ON t.txn_id = s.txn_id WHERE list_contains($channels, t.channel)""",
                      params={"channels": rc.transfer_channels}).fetchall()
    hit = _matching(rc, [name for _, name, _ in rows])
    out: dict[str, set[str]] = {}
    for party, name, txn in rows:
        if name in hit:
            out.setdefault(party, set()).add(txn)
    return out
