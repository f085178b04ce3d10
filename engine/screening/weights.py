"""Token weights for name comparison: rarity in the loaded lists, capped for particles,
initials, world-wide common names and generic organisation words (see :mod:`engine.screening.matcher`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from rapidfuzz.distance import OSA

from engine.screening.normalize import PARTICLES

PARTICLE_WEIGHT = 0.1
INITIAL_WEIGHT = 0.3
GENERIC_WEIGHT_CAP = 0.25
MIN_WEIGHT = 0.1


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


#: Generic organisation words and spelled-out legal forms long enough that one slip in them
#: (*Corproation*, *Fundation*, *Limtied*) still reads as the word.
GENERIC_TYPO_MIN_LEN = 7
_GENERIC_LONG = tuple(sorted(
    {t for t in GENERIC_TOKENS - GENERIC_GIVEN if len(t) >= GENERIC_TYPO_MIN_LEN}
    | {"corporation", "incorporated", "limited", "company", "cooperative", "establishment"}
))


def generic_typo(token: str) -> bool:
    """A token one edit (a transposition counts one) from a long generic organisation word or
    legal form: it carries no more identity than the word it misspells."""
    if len(token) < GENERIC_TYPO_MIN_LEN - 1 or not token.isalpha():
        return False
    return any(abs(len(g) - len(token)) <= 1 and OSA.distance(token, g, score_cutoff=1) <= 1
               for g in _GENERIC_LONG)


class TokenWeights:
    """Token weights from rarity: ``log(N/df) / log(N)`` over the list's entries.

    Tokens absent from the list weigh 1; particles 0.1; single letters 0.3; world-wide
    common given names and generic organisation words at most 0.25, and so do tokens absent
    from the list that misspell a long generic word by one edit (:func:`generic_typo`).
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
        if token in GENERIC_TOKENS or (d == 0 and generic_typo(token)):
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
