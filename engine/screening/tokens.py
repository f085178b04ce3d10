"""Token similarity: when two name tokens are plausibly the same (edits, initials, nicknames,
consonant skeletons and sounds, Slavic endings, cross-script readings), and by which rule;
see :mod:`engine.screening.matcher`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nicknames import NickNamer
from rapidfuzz.distance import OSA

from engine.screening.normalize import phonetic, skeleton
from engine.screening.translit import loose_key

#: An adjacent transposition (*Hcol*/*Chol*, *Munandra*/*Munandar*) costs this much of an edit:
#: the commonest typing slip keeps every letter of the name.
TRANSPOSITION_COST = 0.5
#: One edit in tokens at least this long costs ``LONG_TOKEN_EDIT_COST`` of an edit: a single slip
#: in a long name (*Fundation*/*Foundation*) hardly makes it another name.
LONG_TOKEN = 8
LONG_TOKEN_EDIT_COST = 0.5
#: Least similarity of a transposition in a two-letter token (*Us*/*Su*).
SHORT_TRANSPOSITION_SIM = 0.75


def transposed(a: str, b: str) -> bool:
    """``b`` is ``a`` with two adjacent letters swapped (and nothing else changed)."""
    if len(a) != len(b) or len(a) < 2 or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def typo_similarity(a: str, b: str, d: int) -> float:
    """Similarity of two tokens ``d`` edits apart (optimal string alignment): ``1 - cost /
    longest``, where one transposition, or one edit in a long token, costs half an edit."""
    longest = max(len(a), len(b))
    if d == 1 and (transposed(a, b) or min(len(a), len(b)) >= LONG_TOKEN):
        cost = TRANSPOSITION_COST if transposed(a, b) else LONG_TOKEN_EDIT_COST
        return max(1.0 - cost / longest, SHORT_TRANSPOSITION_SIM)
    return max(1.0 - d / longest, 0.75)


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
    if a[0] != b[0] or transposed(a, b):
        return False  # a swapped pair of letters (*Pershaad*/*Pershada*) is a typo, not a gender
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
    if transposed(a, b) and a.isalpha():
        # the letters of the name, two of them swapped: also in short tokens and at the start
        best, rule = typo_similarity(a, b, 1), "transposition"
    elif min(la, lb) > 3 and (longest > 5 or a[0] == b[0]):
        d = OSA.distance(a, b, score_cutoff=edits)
        if d <= edits:
            best, rule = typo_similarity(a, b, d), "edit"
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
