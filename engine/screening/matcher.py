"""Scoring a name (and its qualifiers) against a list entry, with an explanation.

Name similarity (:func:`compare_tokens`, symmetric, 0..1):

- tokens are aligned one-to-one regardless of order, best pairs first;
- a token pair scores 1 when equal; an initial against a token it starts with scores
  0.9; two adjacent letters swapped (any token of two letters or more, the first letters
  included) score ``1 - 0.5 / length``; otherwise the normalised edit similarity
  (:mod:`rapidfuzz` optimal string alignment; one edit in a token of eight letters or more
  costs half an edit) when the edit distance is plausible for the
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

Where the parts live: token rules in :mod:`engine.screening.tokens`, token weights in
:mod:`engine.screening.weights`, the query and its qualifiers in
:mod:`engine.screening.qualifiers`, entry scoring in :mod:`engine.screening.scoring`; this
module aligns and compares whole names (and names them all, so importers need only it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from rapidfuzz.fuzz import ratio

from engine.screening.normalize import PARTICLES
from engine.screening.qualifiers import Query, birth_date_feature, doc_norm
from engine.screening.scoring import AGREEING, EntryScore, score_entry
from engine.screening.tokens import (
    ACRONYM_SIM,
    TITLE_SURNAME_MIN_WEIGHT,
    TITLE_SURNAME_SIM,
    NameComparison,
    TokenPair,
    _ta_marbuta,
    distinct_given_names,
    gender_flip,
    nicknames_of,
    slavic_key,
    token_rule,
    token_similarity,
)
from engine.screening.weights import GENERIC_GIVEN, GENERIC_TOKENS, PopulationWeights, TokenWeights

__all__ = [  # some of these live in modules of their own; named here too
    "ABJADS", "AGREEING", "distinct_given_names", "nicknames_of", "DEFAULT_THRESHOLD", "GENERIC_TOKENS", "MISSING_END_FACTOR", "MISSING_PART_EVIDENCE",
    "MISSING_PART_FACTOR", "SYLLABARIES", "EntryScore", "NameComparison", "NameForm", "PopulationWeights",
    "Query", "TokenPair", "TokenWeights", "birth_date_feature", "compare_forms", "compare_readings",
    "compare_tokens", "doc_norm", "gender_flip", "resegment", "score_entry", "slavic_key", "token_rule",
    "token_similarity",
]

#: The documented default decision threshold of a match.
DEFAULT_THRESHOLD = 0.80

#: Unmatched tokens of the longer name count this much when the shorter name is fully matched.
MISSING_PART_FACTOR = 0.35
MISSING_END_FACTOR = 0.7
#: ... provided the matched tokens carry at least this much weight (not only common tokens).
MISSING_PART_EVIDENCE = 0.8


def _missing_weight(tokens: tuple[str, ...], used: set[int], weight: Callable[[str], float]) -> float:
    """Weight of the unmatched tokens of the longer name: a missing middle part (between
    matched tokens) counts ``MISSING_PART_FACTOR``, a missing first or last part
    ``MISSING_END_FACTOR`` of its weight; a missing number counts in full."""
    lo, hi = min(used), max(used)
    return sum(
        weight(t) * (1.0 if t.isdigit() else MISSING_PART_FACTOR if lo < i < hi else MISSING_END_FACTOR)
        for i, t in enumerate(tokens)
        if i not in used
    )


def resegment(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Join adjacent tokens of one name that the other name writes as one token
    (*Al Huda*/*AlHuda*, *Petrov Ivan*/*PetrovIvan*, *Jong Un*/*Jongun*)."""

    def join(x: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
        if len(x) < 2:
            return x
        targets = set(other) - set(x)
        if not targets:
            return x
        out: list[str] = []
        i = 0
        while i < len(x):
            if i + 1 < len(x) and x[i] + x[i + 1] in targets:
                out.append(x[i] + x[i + 1])
                i += 2
            else:
                out.append(x[i])
                i += 1
        # A particle moved away from its name by a reordering: "Rahman Agha Abdul" / "abdulrahman".
        for p in [t for t in out if t in PARTICLES]:
            for t in out:
                if t != p and p + t in targets:
                    out = [p + t if u == t else u for u in out if u != p]
                    break
        return tuple(out)

    return join(a, b), join(b, a)


#: Scripts that write a foreign name syllable by syllable.
SYLLABARIES = frozenset({"Kana"})

#: Scripts written without short vowels: their readings cannot show a feminine ending.
ABJADS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana"})


def compare_tokens(
    a: tuple[str, ...], b: tuple[str, ...], weight: Callable[[str], float], *, loose: bool = False,
    vowels: bool = True,
    letters: bool = True,
    abjad: tuple[bool, bool] = (False, False),
) -> NameComparison:
    """Symmetric weighted similarity of two token tuples (see the module docstring)."""
    if not a or not b:
        return NameComparison(0.0, [], list(a), list(b), "tokens")
    if sorted(a) == sorted(b):
        pairs: list[TokenPair] = [TokenPair(t, t, 1.0, weight(t), "exact") for t in a]
        return NameComparison(1.0, pairs, [], [], "identical", sum(p.weight for p in pairs))
    a, b = resegment(a, b)
    if sorted(a) == sorted(b):
        pairs = [TokenPair(t, t, 1.0, weight(t), "joined") for t in a]
        return NameComparison(1.0, pairs, [], [], "joined", sum(p.weight for p in pairs))
    cands: list[tuple[float, float, int, int, str]] = []
    for i, ta in enumerate(a):
        for j, tb in enumerate(b):
            s, rule = token_rule(ta, tb, loose, vowels, letters,
                                 (abjad[0] and _ta_marbuta(ta)) or (abjad[1] and _ta_marbuta(tb)))
            if s > 0.0:
                cands.append((s, min(weight(ta), weight(tb)), i, j, rule))
    cands.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for s, w, i, j, rule in cands:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(TokenPair(a[i], b[j], s, w, rule))
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
    same_numbers = {t for t in a if t.isdigit()} == {t for t in b if t.isdigit()}
    if len(a) != len(b) and min(len(ja), len(jb)) >= 6 and same_numbers:
        r = ratio(ja, jb) / 100.0
        if r >= 0.9 and r > score:
            score, method = r, "joined"
            info = min(sum(weight(t) for t in a), sum(weight(t) for t in b))
    return NameComparison(min(1.0, score), pairs, un_a, un_b, method, info)


#: Initials an acronym may end with for a legal form or generic word the name lost
#: (*GLBC*: Great Lakes Business Company).
_TRAILING_FORM_LETTERS = frozenset("cligh")


def _acronym_of(short: str, long: tuple[str, ...]) -> bool:
    """``short`` is an acronym of ``long``: every word (particles and generic words may be
    skipped) gives its initial and possibly more of its letters in order (*BAL*: Butembo
    AirLines; *MITEC*: Modern Industries TEchnique Company); one trailing initial may stand
    for a legal form the name no longer carries."""
    words = [t for t in long if t not in PARTICLES]
    if len(words) < 2 or not 2 <= len(short) <= 8 or not short.isalpha():
        return False
    if "".join(t[0] for t in words) == short:
        return True
    n = len(short)

    @cache
    def go(i: int, j: int) -> bool:
        if j == len(words):
            return i == n or (i == n - 1 and short[i] in _TRAILING_FORM_LETTERS)
        w = words[j]
        if w in GENERIC_TOKENS and go(i, j + 1):
            return True
        if i == n or short[i] != w[0]:
            return False
        # the word gives its initial and then a subsequence of its other letters
        k, pos = i + 1, 1
        if go(k, j + 1):
            return True
        while k < n:
            pos = w.find(short[k], pos)
            if pos < 0:
                return False
            pos += 1
            k += 1
            if go(k, j + 1):
                return True
        return False

    return go(0, 0)


def _person_like(tokens: tuple[str, ...]) -> bool:
    """Most words are common given names: *Mohammed Ali Khan* is a person, not the words
    behind an acronym *MAK*."""
    words = [t for t in tokens if t not in PARTICLES]
    return sum(1 for t in words if t in GENERIC_GIVEN or nicknames_of(t)) * 2 > len(words)


@dataclass(frozen=True)
class NameForm:
    """One reading of a name as the comparison sees it (see :class:`~engine.screening.normalize.NormName`)."""

    tokens: tuple[str, ...]
    non_latin: bool = False
    logo: str = ""
    titled: bool = False
    person: bool = False
    script: str = ""
    #: may be compared by sound with a name of another script (see ListIndex)
    loose_ok: bool = True
    #: written as an acronym (one token in capitals or dotted letters)
    acronym: bool = False


def compare_forms(a: NameForm, b: NameForm, weight: Callable[[str], float]) -> NameComparison:
    """Compare two readings: tokens (loose when a script was read), then the readings
    that token alignment cannot see: an acronym, a title with a family name, and two CJK
    names compared letter by letter."""
    loose = a.script != b.script and a.loose_ok and b.loose_ok
    vowels = not ({a.script, b.script} & ABJADS)
    # A syllabary spells a foreign name with a vowel after every consonant (*kurisutofa*):
    # its letters cannot be held against the original spelling, only its sounds.
    letters = not ({a.script, b.script} & SYLLABARIES)
    cmp = compare_tokens(a.tokens, b.tokens, weight, loose=loose, vowels=vowels, letters=letters,
                         abjad=(a.script in ABJADS, b.script in ABJADS))
    if a.logo and b.logo:
        if a.logo == b.logo:
            return NameComparison(1.0, cmp.pairs, [], [], "original script", max(cmp.matched_weight, 1.0))
        r = ratio(a.logo, b.logo) / 100.0
        if r < cmp.score:
            return NameComparison(r, cmp.pairs, cmp.unmatched_a, cmp.unmatched_b, "original script",
                                  cmp.matched_weight)
        return cmp
    if cmp.score >= ACRONYM_SIM:
        return cmp
    # Only a query that is an acronym: a long query against a listed acronym (*Maria Koline* /
    # *MAK*) would match half of all three-word names; a listed entry has its long name too.
    if not (a.person or b.person):
        short, long = a.tokens, b.tokens
        if a.acronym and len(long) >= 2 and not _person_like(long) and _acronym_of(short[0], long):
            w = weight(short[0])
            pair = TokenPair(short[0], " ".join(long), ACRONYM_SIM, w, "acronym")
            return NameComparison(ACRONYM_SIM, [pair], [], [], "acronym", max(w, 1.0))
    # Only a titled query (a list alias "General X" would otherwise match anyone named X).
    for short_all, long_all, titled, flip in ((a.tokens, b.tokens, a.titled, False),):
        short = tuple(t for t in short_all if t not in PARTICLES)
        long = tuple(t for t in long_all if t not in PARTICLES)
        if titled and len(short) == 1 and len(long) >= 2 and weight(short[0]) >= TITLE_SURNAME_MIN_WEIGHT:
            best = max((token_rule(short[0], t, loose)[0], t) for t in (long[-1], long[0]))
            s = TITLE_SURNAME_SIM * best[0]
            if best[0] >= 0.85 and s > cmp.score:
                pair = TokenPair(best[1], short[0], best[0], weight(short[0]), "title + family name") if flip \
                    else TokenPair(short[0], best[1], best[0], weight(short[0]), "title + family name")
                rest = [t for t in long if t != best[1]]
                un_a, un_b = (rest, []) if flip else ([], rest)
                # A rare family name with a title names one person: informative on its own.
                return NameComparison(s, [pair], un_a, un_b, "title + family name", max(1.0, weight(short[0])))
    return cmp


def compare_readings(
    qa: list[NameForm], lb: list[NameForm], weight: Callable[[str], float]
) -> NameComparison:
    """The best comparison over the readings of two names."""
    best: NameComparison | None = None
    for x in qa:
        for y in lb:
            c = compare_forms(x, y, weight)
            if best is None or c.score > best.score:
                best = c
    assert best is not None
    return best
