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
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from nicknames import NickNamer
from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio

from engine.screening.lists import BirthDate, ListEntry
from engine.screening.normalize import PARTICLES, phonetic, skeleton
from engine.screening.translit import loose_key

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

#: Given and family names so frequent world-wide that the list's own frequency understates them.
GENERIC_GIVEN = frozenset(
    {
        "mohammed", "mohammad", "muhammad", "mohamed", "muhammed", "mohamad", "mohd", "muhamad",
        "ahmed", "ahmad", "ali", "hassan", "hasan", "hussain", "hussein", "husain", "abdullah",
        "abdallah", "abdul", "abdel", "omar", "umar", "khan", "ibrahim", "ismail", "yusuf",
        "mahmoud", "mahmud", "said", "saeed", "khalid", "bakr", "bilal", "rahman", "aziz",
        "john", "james", "kim", "lee", "park", "choi", "jong", "nam", "il", "chol", "li", "wang",
        "jose", "maria", "juan", "singh", "kumar", "nguyen",
    }
)
#: ... and the generic words of organisation names.
GENERIC_TOKENS = GENERIC_GIVEN | frozenset(
    {
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
        if token.isdigit():
            return 1.0  # a number tells two organisations or ships apart
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


#: Similarity of two tokens that are the same given name by the ``nicknames`` dataset
#: (diminutives *Bill*/*William*, *Peggy*/*Margaret*; *John*/*Ivan*/*Johannes*).
NAME_VARIANT_SIM = 0.95
#: Two tokens of the same script whose letters agree less than this in place are compared
#: only as diminutives (every other rule needs closer spellings).
QUICK_REJECT = 0.35
#: Similarity of two Slavic/Baltic spellings of one name (*Lavrov*/*Lawrow*/*Lavrovs*/*Lavrova*).
SLAVIC_SIM = 0.9
#: Similarity of two tokens read from different scripts whose consonant classes agree.
LOOSE_SIM = 0.85
LOOSE_SHORT_SIM = 0.8
#: least letter similarity (OSA, normalised) two tokens agreeing by sound class must also have
LOOSE_MIN_LETTERS = 0.4
#: the same for the consonants of a reading of an abjad (Arabic, Hebrew) against a spelling
LOOSE_MIN_CONSONANTS = 0.5
#: A single acronym against the initials of a longer organisation name.
ACRONYM_SIM = 0.9
#: A title with a family name (*General Haftar*) against the full name holding it.
TITLE_SURNAME_SIM = 0.85
#: The family name after a title must weigh at least this much (be rare) to stand alone.
TITLE_SURNAME_MIN_WEIGHT = 0.7


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


#: Short forms and diminutives beyond English: Russian, Polish, Spanish, Portuguese, Italian,
#: German, Dutch, Arabic, Persian, Malay/Indonesian (hand-written, sources in the file).
GIVEN_NAME_VARIANTS = Path(__file__).resolve().parent / "data" / "given_name_variants.tsv"


@lru_cache(maxsize=1)
def _variant_groups() -> dict[str, frozenset[str]]:
    """Token -> every name sharing a group with it in :data:`GIVEN_NAME_VARIANTS`."""
    out: dict[str, set[str]] = {}
    for n, line in enumerate(GIVEN_NAME_VARIANTS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        names = cells[1].split() if len(cells) == 3 else []
        if len(names) < 2 or any(not t.isascii() or not t.isalpha() or t != t.lower() for t in names):
            raise ValueError(f"{GIVEN_NAME_VARIANTS.name}: line {n}: expected language, names, source")
        for t in names:
            out.setdefault(t, set()).update(names)
    return {t: frozenset(g - {t}) for t, g in out.items()}


@lru_cache(maxsize=200_000)
def nicknames_of(token: str) -> frozenset[str]:
    """Diminutives and short forms of a given name and the names they stand for: English
    from the ``nicknames`` dataset, other languages from :data:`GIVEN_NAME_VARIANTS`."""
    if len(token) < 2 or not token.isalpha():
        return frozenset()
    nn = _nicknamer()
    return frozenset(nn.nicknames_of(token) | nn.canonicals_of(token) | _variant_groups().get(token, frozenset()))

def distinct_given_names(a: str, b: str) -> bool:
    """Two known given names, neither a variant of the other nor sharing one: *Tom*/*Tim*,
    *Misha*/*Masha*, *Dan*/*Don* are different people however close their spellings."""
    na, nb = nicknames_of(a), nicknames_of(b)
    if not na or not nb or a in nb or b in na:
        return False
    return not (na & nb)


_SLAVIC_ENDINGS = (
    ("skaya", "sk"), ("skiy", "sk"), ("skij", "sk"), ("skis", "sk"), ("skas", "sk"), ("sky", "sk"), ("ski", "sk"),
    ("ska", "sk"), ("ovas", "ov"), ("ovs", "ov"), ("ova", "ov"), ("evas", "ev"), ("evs", "ev"), ("eva", "ev"),
    ("inas", "in"), ("ins", "in"), ("ina", "in"), ("yna", "yn"), ("ijus", "iy"), ("ijs", "iy"), ("ejus", "ey"),
    ("ejs", "ey"), ("jus", "y"), ("ichs", "ich"), ("ics", "ich"), ("as", ""), ("is", ""), ("s", ""),
)
_SLAVIC_FOLD = (("tsch", "ch"), ("tch", "ch"), ("sch", "sh"), ("zh", "z"), ("kh", "h"), ("ch", "c"), ("sh", "s"),
                ("w", "v"), ("j", "y"), ("ks", "x"), ("ts", "c"), ("ii", "i"), ("iy", "i"), ("yi", "i"), ("ey", "ei"))


@lru_cache(maxsize=200_000)
def slavic_key(token: str) -> str:
    """A Slavic/Baltic name without its gendered or Baltic ending, spelling variants folded.

    ``lavrova``/``lavrovs``/``lavrovas``/``lawrow`` -> ``lavrov``; ``sergejs``/``sergey``
    -> ``sergei``; ``prigoschin``/``prigozhin`` -> ``prigosin``.
    """
    t = token
    for a, b in _SLAVIC_FOLD[:2]:
        t = t.replace(a, b)
    for suf, rep in _SLAVIC_ENDINGS:
        if t.endswith(suf) and len(t) - len(suf) >= 4:
            if suf in ("as", "is", "s") and t[-len(suf) - 1] in "aeiou":
                continue
            t = t[: len(t) - len(suf)] + rep
            break
    for a, b in _SLAVIC_FOLD[2:]:
        t = t.replace(a, b)
    if t.endswith("y"):
        t = t[:-1] + "i"  # Yevgeny / Jewgeni
    if t[:2] in ("ye", "yu", "ya", "iu", "ia"):
        t = t[1:]  # Yevgeny / Evgeny, Yuri / Iurii, Yakov / Iakov
    return t.replace("z", "s").replace("c", "ch")


def _ta_marbuta(t: str) -> bool:
    """A token of an Arabic reading ending in the *-ah* a ta marbuta is read as
    (:func:`engine.screening.translit.romanize`): the mark of a feminine name (*أمينة*)."""
    return len(t) > 4 and t.endswith("ah") and not t.endswith(("llah", "shah"))


def _feminine(t: str) -> bool:
    """A final -a or -ah, except in *-ullah*/*-allah* and *shah* (Khairullah, Padshah)."""
    return t.endswith("a") or (t.endswith("ah") and len(t) > 3 and not t.endswith(("llah", "shah")))


def gender_flip(a: str, b: str) -> bool:
    """True when two given names are the feminine and masculine of one stem
    (*Salma*/*Salim*, *Aleksandra*/*Aleksandr*, *Daniela*/*Daniel*, *Yevgenia*/*Yevgeny*)."""
    if a[0] != b[0]:
        return False
    fa, fb = _feminine(a), _feminine(b)
    if fa == fb:
        return False
    fem, masc = (a, b) if fa else (b, a)
    if masc.endswith(("e", "ah")):
        return False
    stem = fem[:-2] if fem.endswith("ah") else fem[:-1]
    if masc.startswith(stem) or stem.startswith(masc[:-1]) and len(masc) > 3:
        return True
    return skeleton(fem) == skeleton(masc) or OSA.distance(stem, masc) <= 2


def token_rule(a: str, b: str, loose: bool = False, vowels: bool = True, letters: bool = True,
               feminine: bool = False) -> tuple[float, str]:
    """Similarity of two tokens in 0..1 (symmetric) and the rule that gave it.

    ``loose``: the names come from different scripts (see :func:`loose_key`); ``vowels``:
    both were written with their vowels (not read from Arabic or Hebrew), so a final
    *-a* tells a feminine name; ``feminine``: one token is an Arabic reading that ends in a
    ta marbuta, the one feminine ending an unvowelled script writes (*أمينة* is not *Amin*)."""
    if a == b:
        return 1.0, "exact"
    la, lb = len(a), len(b)
    if la == 1 or lb == 1:
        if la == 1 and lb == 1:
            return 0.0, ""
        return (0.9, "initial") if (a[0] == b[0] and (a + b).isalpha()) else (0.0, "")
    if a.isdigit() or b.isdigit():
        return 0.0, ""
    if not loose and OSA.normalized_similarity(a, b) < QUICK_REJECT:
        # Spellings this far apart agree by no rule below but a diminutive (Bill/William).
        if b in nicknames_of(a) or a in nicknames_of(b):
            return NAME_VARIANT_SIM, "name variant"
        return 0.0, ""
    if not loose and distinct_given_names(a, b):
        return 0.0, "different given names"
    if (vowels or feminine) and gender_flip(a, b):
        if min(la, lb) >= 4 and slavic_key(a) == slavic_key(b) and (a.endswith(_SURNAME_FEM) or b.endswith(
                _SURNAME_FEM)):
            return SLAVIC_SIM, "slavic ending"
        return 0.0, ""
    longest = max(la, lb)
    best, rule = 0.0, ""
    edits = _max_edits(min(la, lb))
    if min(la, lb) > 3 and (longest > 5 or a[0] == b[0]):
        d = OSA.distance(a, b, score_cutoff=edits)
        if d <= edits:
            best, rule = max(1.0 - d / longest, 0.75), "edit"
    if best < SLAVIC_SIM and min(la, lb) >= 4:
        ka, kb = slavic_key(a), slavic_key(b)
        if ka == kb and ka[:1] == kb[:1]:
            return SLAVIC_SIM, "slavic ending"
    if best < NAME_VARIANT_SIM and (b in nicknames_of(a) or a in nicknames_of(b)):
        return NAME_VARIANT_SIM, "name variant"
    if best < 0.85:
        # Sound-alike keys alone overreach (muhammad/mahmoud, chloe/chul): the spellings
        # must also share more than half of their letters in place.
        close = OSA.normalized_similarity(a, b) > 0.5 and (min(la, lb) >= 5 or OSA.distance(a, b) <= 1)
        ska, skb = skeleton(a), skeleton(b)
        if ska == skb and len(ska) > 2 and min(la, lb) >= 4 and close:
            best, rule = 0.85, "skeleton"
        elif ska == skb and longest <= 5 and OSA.distance(a, b) <= 1:
            if best < 0.8:
                best, rule = 0.8, "skeleton"  # short transliteration variants: kim/kem, uday/ouday
        elif a[0] == b[0] and min(la, lb) >= 5 and close:
            pa, pb = phonetic(a), phonetic(b)
            if pa and pa == pb:
                best, rule = 0.85, "phonetic"
    if loose and best < LOOSE_SIM and a.isalpha() and b.isalpha():
        ka, kb = loose_key(a), loose_key(b)
        # The sound classes are coarse (l/r, d/t, k/g/q share one): the spellings must also
        # share a good part of their letters (*khalid* / *karate*, *aly* / *ullah* do not).
        if ka == kb and len(ka) >= 2 and (not letters or _letters_agree(a, b, vowels)):
            sim = LOOSE_SIM if len(ka) >= 3 else LOOSE_SHORT_SIM
            if sim > best:
                best, rule = sim, "cross-script sound"
    return best, rule


_SURNAME_FEM = ("ova", "eva", "ina", "yna", "aya", "ska", "kaya")


def _consonants(t: str) -> str:
    """A token's first letter and its consonants: what a reading of an abjad keeps (a final
    *t* is the feminine ending the Latin spelling writes as a vowel: *khlyft* / *khalifa*)."""
    if len(t) > 3 and t.endswith("t"):
        t = t[:-1]
    return t[:1] + "".join(c for c in t[1:] if c not in "aeiouyw")


def _letters_agree(a: str, b: str, vowels: bool) -> bool:
    """Two tokens of one sound key that also share enough of their letters (of their
    consonants, when one was read from an abjad) to be one name."""
    if vowels:
        return OSA.normalized_similarity(a, b) >= LOOSE_MIN_LETTERS
    return OSA.normalized_similarity(_consonants(a), _consonants(b)) >= LOOSE_MIN_CONSONANTS


def token_similarity(a: str, b: str, loose: bool = False) -> float:
    """Similarity of two tokens in 0..1 (symmetric); 0 when they are not plausibly the same."""
    return token_rule(a, b, loose)[0]


@dataclass
class TokenPair:
    a: str
    b: str
    similarity: float
    weight: float
    rule: str = ""


@dataclass
class NameComparison:
    score: float
    pairs: list[TokenPair]
    unmatched_a: list[str]
    unmatched_b: list[str]
    method: str  # tokens | joined | identical | acronym | title + family name | original script
    matched_weight: float = 0.0  # how much identity the agreeing tokens carry

    def explain(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "method": self.method,
            "aligned": [
                {"query": p.a, "list": p.b, "similarity": round(p.similarity, 3), "weight": round(p.weight, 3),
                 "rule": p.rule}
                for p in self.pairs
            ],
            "unmatched_query": self.unmatched_a,
            "unmatched_list": self.unmatched_b,
        }


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
        pairs = [TokenPair(t, t, 1.0, weight(t), "exact") for t in a]
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
    pairs: list[TokenPair] = []
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


def doc_norm(x: str) -> str:
    """A document number for comparison: letters and digits, upper case, no ``IMO`` prefix."""
    d = re.sub(r"[^0-9A-Za-z]", "", x).upper()
    return d[3:] if d.startswith("IMO") and d[3:].isdigit() else d


_doc_norm = doc_norm


def _imo_numbers(entry: ListEntry) -> set[str]:
    """IMO ship numbers among an entry's documents (type IMO, or written ``IMO 1234567``)."""
    out = set()
    for d in entry.documents:
        raw = d.get("number", "")
        if (d.get("type", "").upper().startswith("IMO") or raw.upper().replace(" ", "").startswith("IMO")) and \
                doc_norm(raw).isdigit() and len(doc_norm(raw)) == 7:
            out.add(doc_norm(raw))
    return out


#: A person compared with an organisation or vessel (or the reverse) counts this much.
TYPE_MISMATCH_FACTOR_OBJECT = 0.85
#: Two different IMO numbers: two different ships, whatever their names.
IMO_CONFLICT_FACTOR = 0.5


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
    #: Identity the agreeing name tokens carry: the sum of their rarity weights (0 ..).
    name_rarity: float = 0.0
    #: The name agrees only on common tokens and no qualifier agrees (see the module docstring).
    name_only_common_tokens: bool = False

    def explanation(self) -> str:
        bits = [f"name {self.name_score:.2f} ({self.name_kind}, {self.name_quality})"]
        for k in ("birth_date", "nationality", "document", "entry_type"):
            f = self.features.get(k)
            if f:
                bits.append(f"{k.replace('_', ' ')} {f['outcome']} ({f['adjust']:+.2f})")
        if self.name_only_common_tokens:
            bits.append("only common name tokens agree")
        return "; ".join(bits)


_AGREEING = frozenset({"exact", "year", "range", "approximate", "match"})
#: Qualifier outcomes that agree with the list entry (the rest disagree).
AGREEING = _AGREEING


def score_entry(
    query: Query,
    entry: ListEntry,
    list_name: str,
    comparison: NameComparison,
    matched_name: str,
    name_kind: str,
    name_quality: str,
    weight: Callable[[str], float] | None = None,
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
    if query.entry_type in ("person", "entity", "vessel") and query.entry_type != entry.entry_type:
        person_involved = "person" in (query.entry_type, entry.entry_type)
        factor = TYPE_MISMATCH_FACTOR if person_involved else TYPE_MISMATCH_FACTOR_OBJECT
        base *= factor
        features["entry_type"] = {
            "outcome": "mismatch", "query": query.entry_type, "list": entry.entry_type,
            "adjust": round(base / factor * (factor - 1), 4),
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
        qd = doc_norm(query.document_number)
        hit = next((d for d in entry.documents if qd and doc_norm(d["number"]) == qd), None)
        imos = _imo_numbers(entry)
        if hit is not None:
            features["document"] = {"outcome": "match", "list": hit["number"], "adjust": round(max(0.0, 0.98 - score), 4)}
            score = max(score, 0.98)
        elif imos and qd.isdigit() and len(qd) == 7 and query.document_number.upper().replace(" ", "").startswith(
                "IMO"):
            new = score * IMO_CONFLICT_FACTOR
            features["document"] = {"outcome": "conflict", "list": ", ".join(sorted(imos)),
                                    "adjust": round(new - score, 4), "note": "different IMO numbers: another ship"}
            score = new
    score = max(0.0, min(1.0, score))
    rarity = comparison.matched_weight
    qualifier_agrees = any(
        isinstance(features.get(k), dict) and features[k].get("outcome") in _AGREEING
        for k in ("birth_date", "nationality", "document")
    )
    only_common = rarity < INFORMATIVE_WEIGHT and not qualifier_agrees
    rarity_feature: dict[str, Any] = {"matched_weight": round(rarity, 3), "only_common_tokens": only_common}
    if weight is not None and comparison.pairs:
        rarity_feature["tokens"] = {p.b: round(weight(p.b), 3) for p in comparison.pairs if " " not in p.b}
    features["name_rarity"] = rarity_feature
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
        name_rarity=round(rarity, 4),
        name_only_common_tokens=only_common,
    )
