"""Scoring a name (and its qualifiers) against a list entry, with an explanation.

Name similarity (:func:`compare_tokens`, symmetric, 0..1):

- tokens are aligned one-to-one regardless of order, best pairs first;
- a token pair scores 1 when equal; an initial against a token it starts with scores
  0.9; otherwise the normalised edit similarity (:mod:`rapidfuzz` optimal string
  alignment, a transposition is one edit) when the edit distance is plausible for the
  shorter token (1 edit up to 5 letters, and then only with the same first letter; 2
  up to 9, 3 beyond), or 0.85 when their consonant skeletons agree (four letters or more) or
  they start alike and their metaphone keys agree (five letters or more), provided
  more than half of the letters agree in place (one edit at most below five letters):
  transliteration variants such as
  *Hussein*/*Husayn* but not *Muhammad*/*Mahmoud*; short tokens (up to five letters)
  with equal skeletons one edit apart score 0.8 (*Kim*/*Kem*, *Uday*/*Ouday*);
  other tokens of three letters or fewer must be equal;
- every token carries a weight from its rarity in the loaded lists (see
  :class:`TokenWeights`): common tokens (*Mohammed*, *Ali*), particles (*al*, *bin*) and
  initials weigh little, so two names sharing only common tokens score low;
- score = matched weight x similarity / total weight; unmatched tokens of the longer
  name count 0.35 of their weight in the middle of the name, 0.7 at its start or end
  (an added surname is not a dropped middle name), when every token of the shorter
  name is matched and the matched tokens weigh at least 0.8 together and are at
  least two (a list name of common tokens only, *Ali Mohammed*, or a single name,
  *Sidiki*, is not completed by any other name);
- names whose tokens run together differently (*Abdulrahman*/*Abdul Rahman*) are also
  compared as one string; the better of the two readings wins.

Entry score (:func:`score_entry`): a name agreement made only of common tokens (matched
token weight w below 1) counts at 0.6 + 0.4 w^2 of its score, so *Omar* or *Mohamed Hassan*
alone do not reach the default threshold without a qualifier.  Qualifiers then move
the score: a matching document number
lifts it to at least 0.98; birth dates agreeing exactly/by year/approximately add
0.08/0.05/0.03 (0.04 inside a listed range) and disagreeing subtracts 0.15;
nationality agreeing adds 0.03 and disagreeing subtracts 0.05; a low-quality alias counts at 0.85 of its similarity; a
person matched to an entity entry (or the reverse) counts at 0.7.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio

from engine.screening.lists import BirthDate, ListEntry
from engine.screening.normalize import PARTICLES, phonetic, skeleton

#: The documented default decision threshold of a match.
DEFAULT_THRESHOLD = 0.80

LOW_QUALITY_FACTOR = 0.85
TYPE_MISMATCH_FACTOR = 0.7
PARTICLE_WEIGHT = 0.1
INITIAL_WEIGHT = 0.3
GENERIC_WEIGHT_CAP = 0.25
MIN_WEIGHT = 0.1
#: Unmatched tokens of the longer name count this much when the shorter name is fully matched.
MISSING_PART_FACTOR = 0.35
MISSING_END_FACTOR = 0.7
#: ... provided the matched tokens carry at least this much weight (not only common tokens).
MISSING_PART_EVIDENCE = 0.8

#: A name agreement carrying less token weight than this (common tokens only, e.g.
#: *Omar*, *Mohamed Hassan*) counts at ``COMMON_NAME_FLOOR`` .. 1 (quadratic) of its score: such
#: names are shared by many people and need qualifiers (birth date ...) to match.
INFORMATIVE_WEIGHT = 1.0
COMMON_NAME_FLOOR = 0.6

#: Given names so frequent world-wide that the list's own frequency understates them.
GENERIC_TOKENS = frozenset(
    {
        "mohammed", "mohammad", "muhammad", "mohamed", "muhammed", "mohamad", "mohd", "muhamad",
        "ahmed", "ahmad", "ali", "hassan", "hasan", "hussain", "hussein", "husain", "abdullah",
        "abdallah", "abdul", "abdel", "omar", "umar", "khan", "ibrahim", "ismail", "yusuf",
        "mahmoud", "mahmud", "said", "saeed", "khalid", "bakr", "bilal", "rahman", "aziz",
        "john", "james", "kim", "lee", "park", "choi", "jong", "nam", "il", "chol", "li", "wang",
        "jose", "maria", "juan", "singh", "kumar", "nguyen",
        "company", "trading", "group", "holding", "holdings", "international", "general",
        "foundation", "trust", "organization", "organisation", "society", "bank", "industrial",
        "industries", "corporation", "enterprise", "enterprises", "services", "import", "export",
        "global", "national", "islamic", "charity", "relief", "association", "committee",
        "front", "brigade", "battalion", "movement", "army", "forces", "party", "union",
    }
)


class TokenWeights:
    """Token weights from rarity: ``log(N/df) / log(N)`` over the list's entries.

    Tokens absent from the list weigh 1; particles 0.1; single letters 0.3; world-wide
    common given names and generic organisation words at most 0.25.
    """

    def __init__(self, entry_tokens: Iterable[Iterable[str]]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for toks in entry_tokens:
            n += 1
            df.update(set(toks))
        self.n_entries = max(n, 2)
        self.df = df
        self._log_n = math.log(self.n_entries)
        self._cache: dict[str, float] = {}

    def __call__(self, token: str) -> float:
        w = self._cache.get(token)
        if w is None:
            w = self._cache[token] = self._weight(token)
        return w

    def _weight(self, token: str) -> float:
        if token in PARTICLES:
            return PARTICLE_WEIGHT
        if len(token) == 1:
            return INITIAL_WEIGHT
        d = self.df.get(token, 0)
        w = 1.0 if d == 0 else max(MIN_WEIGHT, math.log(self.n_entries / d) / self._log_n)
        if token in GENERIC_TOKENS:
            w = min(w, GENERIC_WEIGHT_CAP)
        return min(1.0, w)


class PopulationWeights:
    """List-rarity weights, capped for tokens frequent in the population being screened.

    Bulk screening knows its population: a token held by many of the names screened
    (*Maria*, *Johnson*, *Osman* in a bank's customer base) identifies nobody, however
    rare it is on the list.
    """

    def __init__(self, base: TokenWeights, common: set[str]) -> None:
        self.base = base
        self.common = common

    def __call__(self, token: str) -> float:
        w = self.base(token)
        return min(w, GENERIC_WEIGHT_CAP) if token in self.common else w


def _max_edits(n: int) -> int:
    if n <= 3:
        return 0
    if n <= 5:
        return 1
    if n <= 9:
        return 2
    return 3


def token_similarity(a: str, b: str) -> float:
    """Similarity of two tokens in 0..1 (symmetric); 0 when they are not plausibly the same."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if la == 1 or lb == 1:
        if la == 1 and lb == 1:
            return 0.0
        return 0.9 if (a[0] == b[0]) else 0.0
    if a.isdigit() or b.isdigit():
        return 0.0
    longest = max(la, lb)
    best = 0.0
    edits = _max_edits(min(la, lb))
    if min(la, lb) > 3 and (longest > 5 or a[0] == b[0]):
        d = OSA.distance(a, b, score_cutoff=edits)
        if d <= edits:
            best = 1.0 - d / longest
            best = max(best, 0.75)
    if best < 0.85:
        # Sound-alike keys alone overreach (muhammad/mahmoud, chloe/chul): the spellings
        # must also share more than half of their letters in place.
        close = OSA.normalized_similarity(a, b) > 0.5 and (min(la, lb) >= 5 or OSA.distance(a, b) <= 1)
        ska, skb = skeleton(a), skeleton(b)
        if ska == skb and len(ska) > 2 and min(la, lb) >= 4 and close:
            best = 0.85
        elif ska == skb and longest <= 5 and OSA.distance(a, b) <= 1:
            best = max(best, 0.8)  # short transliteration variants: kim/kem, uday/ouday
        elif a[0] == b[0] and min(la, lb) >= 5 and close:
            pa, pb = phonetic(a), phonetic(b)
            if pa and pa == pb:
                best = 0.85
    return best


@dataclass
class TokenPair:
    a: str
    b: str
    similarity: float
    weight: float


@dataclass
class NameComparison:
    score: float
    pairs: list[TokenPair]
    unmatched_a: list[str]
    unmatched_b: list[str]
    method: str  # tokens | joined | identical
    matched_weight: float = 0.0  # how much identity the agreeing tokens carry

    def explain(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "method": self.method,
            "aligned": [
                {"query": p.a, "list": p.b, "similarity": round(p.similarity, 3), "weight": round(p.weight, 3)}
                for p in self.pairs
            ],
            "unmatched_query": self.unmatched_a,
            "unmatched_list": self.unmatched_b,
        }


def _missing_weight(tokens: tuple[str, ...], used: set[int], weight: Callable[[str], float]) -> float:
    """Weight of the unmatched tokens of the longer name: a missing middle part (between
    matched tokens) counts ``MISSING_PART_FACTOR``, a missing first or last part
    ``MISSING_END_FACTOR`` of its weight."""
    lo, hi = min(used), max(used)
    return sum(
        weight(t) * (MISSING_PART_FACTOR if lo < i < hi else MISSING_END_FACTOR)
        for i, t in enumerate(tokens)
        if i not in used
    )


def compare_tokens(a: tuple[str, ...], b: tuple[str, ...], weight: Callable[[str], float]) -> NameComparison:
    """Symmetric weighted similarity of two token tuples (see the module docstring)."""
    if not a or not b:
        return NameComparison(0.0, [], list(a), list(b), "tokens")
    if sorted(a) == sorted(b):
        pairs = [TokenPair(t, t, 1.0, weight(t)) for t in a]
        return NameComparison(1.0, pairs, [], [], "identical", sum(p.weight for p in pairs))
    cands: list[tuple[float, float, int, int]] = []
    for i, ta in enumerate(a):
        for j, tb in enumerate(b):
            s = token_similarity(ta, tb)
            if s > 0.0:
                cands.append((s, min(weight(ta), weight(tb)), i, j))
    cands.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[TokenPair] = []
    for s, w, i, j in cands:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(TokenPair(a[i], b[j], s, w))
    un_a = [a[i] for i in range(len(a)) if i not in used_a]
    un_b = [b[j] for j in range(len(b)) if j not in used_b]
    matched = sum(p.weight for p in pairs)
    got = sum(p.weight * p.similarity for p in pairs)
    wa = sum(weight(t) for t in un_a)
    wb = sum(weight(t) for t in un_b)
    if matched >= MISSING_PART_EVIDENCE and len(pairs) >= 2:
        if not un_a and un_b:
            wb = _missing_weight(b, used_b, weight)
        elif not un_b and un_a:
            wa = _missing_weight(a, used_a, weight)
    denom = matched + wa + wb
    score = got / denom if denom > 0 else 0.0
    method = "tokens"
    info = matched
    ja, jb = "".join(a), "".join(b)
    if len(a) != len(b) and min(len(ja), len(jb)) >= 6:
        r = ratio(ja, jb) / 100.0
        if r >= 0.9 and r > score:
            score, method = r, "joined"
            info = min(sum(weight(t) for t in a), sum(weight(t) for t in b))
    return NameComparison(min(1.0, score), pairs, un_a, un_b, method, info)


# --------------------------------------------------------------------------- qualifiers
@dataclass
class Query:
    """One screening query: a name and what else is known about the party."""

    name: str
    entry_type: str | None = None  # person | entity | None (unknown)
    birth_date: str | None = None  # YYYY-MM-DD or YYYY
    nationality: str | None = None  # ISO alpha-2
    document_number: str | None = None


def _query_years(birth: str | None) -> tuple[int | None, str | None]:
    if not birth:
        return None, None
    b = birth.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}$", b):
        return int(b[:4]), b
    if re.match(r"^\d{4}$", b):
        return int(b), None
    return None, None


def birth_date_feature(birth: str | date | None, dates: list[BirthDate]) -> dict[str, Any] | None:
    """How a query birth date relates to an entry's: exact, year, approximate, range or conflict."""
    if isinstance(birth, date):
        birth = birth.isoformat()
    year, full = _query_years(birth)
    if year is None or not dates:
        return None
    best: dict[str, Any] | None = None
    order = {"exact": 4, "year": 3, "range": 2, "approximate": 1}
    for d in dates:
        rng = d.years()
        if rng is None:
            continue
        lo, hi = rng
        outcome: str | None = None
        if full and d.date and d.kind == "exact" and d.date == full:
            outcome = "exact"
        elif d.kind == "between" and lo <= year <= hi:
            outcome = "range"
        elif d.kind == "approximately" and lo - 2 <= year <= hi + 2:
            outcome = "approximate"
        elif lo <= year <= hi:
            outcome = "year"
        if outcome and (best is None or order[outcome] > order[best["outcome"]]):
            best = {"outcome": outcome, "list": d.date or (f"{lo}" if lo == hi else f"{lo}-{hi}")}
    if best is None:
        shown = [d.date or "-".join(str(y) for y in sorted(set(d.years() or ()))) for d in dates if d.years()]
        return {"outcome": "conflict", "list": ", ".join(shown), "adjust": -0.15}
    best["adjust"] = {"exact": 0.08, "year": 0.05, "range": 0.04, "approximate": 0.03}[best["outcome"]]
    return best


def _doc_norm(x: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", x).upper()


@dataclass
class EntryScore:
    list_name: str
    reference: str
    entry_type: str
    primary_name: str
    matched_name: str
    name_kind: str
    name_quality: str
    name_score: float
    score: float
    features: dict[str, Any] = field(default_factory=dict)

    def explanation(self) -> str:
        bits = [f"name {self.name_score:.2f} ({self.name_kind}, {self.name_quality})"]
        for k in ("birth_date", "nationality", "document", "entry_type"):
            f = self.features.get(k)
            if f:
                bits.append(f"{k.replace('_', ' ')} {f['outcome']} ({f['adjust']:+.2f})")
        return "; ".join(bits)


def score_entry(
    query: Query,
    entry: ListEntry,
    list_name: str,
    comparison: NameComparison,
    matched_name: str,
    name_kind: str,
    name_quality: str,
) -> EntryScore:
    """Combine the best name comparison for ``entry`` with the query's qualifiers."""
    features: dict[str, Any] = {"name": comparison.explain()}
    base = comparison.score
    if name_quality == "low":
        base *= LOW_QUALITY_FACTOR
        features["alias_quality"] = {"outcome": "low", "factor": LOW_QUALITY_FACTOR}
    if comparison.matched_weight < INFORMATIVE_WEIGHT:
        factor = COMMON_NAME_FLOOR + (1 - COMMON_NAME_FLOOR) * (comparison.matched_weight / INFORMATIVE_WEIGHT) ** 2
        base *= factor
        features["common_name"] = {
            "outcome": "agreeing tokens are common", "matched_weight": round(comparison.matched_weight, 3),
            "factor": round(factor, 3),
        }
    if query.entry_type in ("person", "entity") and query.entry_type != entry.entry_type:
        base *= TYPE_MISMATCH_FACTOR
        features["entry_type"] = {
            "outcome": "mismatch", "query": query.entry_type, "list": entry.entry_type,
            "adjust": round(base / TYPE_MISMATCH_FACTOR * (TYPE_MISMATCH_FACTOR - 1), 4),
        }
    adjust = 0.0
    bd = birth_date_feature(query.birth_date, entry.birth_dates)
    if bd:
        features["birth_date"] = bd
        adjust += bd["adjust"]
    if query.nationality and entry.nationalities:
        q = query.nationality.strip().upper()
        if q in entry.nationalities:
            features["nationality"] = {"outcome": "match", "list": entry.nationalities, "adjust": 0.03}
            adjust += 0.03
        else:
            features["nationality"] = {"outcome": "mismatch", "list": entry.nationalities, "adjust": -0.05}
            adjust -= 0.05
    score = base + adjust
    if query.document_number and entry.documents:
        qd = _doc_norm(query.document_number)
        hit = next((d for d in entry.documents if qd and _doc_norm(d["number"]) == qd), None)
        if hit is not None:
            features["document"] = {"outcome": "match", "list": hit["number"], "adjust": round(max(0.0, 0.98 - score), 4)}
            score = max(score, 0.98)
    score = max(0.0, min(1.0, score))
    return EntryScore(
        list_name=list_name,
        reference=entry.reference,
        entry_type=entry.entry_type,
        primary_name=entry.primary_name,
        matched_name=matched_name,
        name_kind=name_kind,
        name_quality=name_quality,
        name_score=round(comparison.score, 4),
        score=round(score, 4),
        features=features,
    )
