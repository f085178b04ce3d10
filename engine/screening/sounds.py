"""How a token sounds, robust to transliteration: its consonant skeleton and its metaphone key
(the blocking keys and token rules compare them); see :mod:`engine.screening.normalize`."""

from __future__ import annotations

from functools import lru_cache

from rigour.text import metaphone

#: Spellings of one sound that transliterations of the same name alternate between.
_SKELETON_DIGRAPHS = (("dj", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("q", "k"),
                      ("ck", "k"))


@lru_cache(maxsize=500_000)
def skeleton(token: str) -> str:
    """Consonant skeleton of a token: robust to vowel choice in transliteration.

    ``hussein``/``husayn``/``hsyn`` -> ``hsn``; a leading ``al`` article is dropped from
    longer tokens (``altikriti`` -> ``tkrt``); digraphs that alternate between
    transliterations are folded (``dj`` -> ``j``, ``kh`` -> ``h``, ``q`` -> ``k`` ...); a
    leading vowel becomes ``a`` (``ouday``/``uday`` -> ``ad``).
    """
    t = token
    if len(t) > 5 and t.startswith(("al", "el")):
        t = t[2:]
    for a, b in _SKELETON_DIGRAPHS:
        if a in t:
            t = t.replace(a, b)
    out: list[str] = []
    for i, ch in enumerate(t):
        if i > 0 and ch in "aeiouyw":
            continue
        if i == 0 and ch in "aeiou":
            ch = "a"
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=500_000)
def phonetic(token: str) -> str:
    """Metaphone key of a token ('' for digits or single letters)."""
    if len(token) < 2 or token.isdigit():
        return ""
    return metaphone(token)
