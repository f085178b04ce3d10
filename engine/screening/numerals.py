"""Numbers in names read as digits: ordinals (``2nd``, ``second``), English number words in
organisation and vessel names (``seven thirty one`` -> ``731``) and Roman numerals
(``John Smith III``); see :mod:`engine.screening.normalize`."""

from __future__ import annotations

import re

_UNITS = {w: i for i, w in enumerate(
    "one two three four five six seven eight nine".split(), start=1)}
_TEENS = {w: i for i, w in enumerate(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(), start=10)}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_ORD_UNITS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth".split(), start=1)}
_ORD_TEENS = {w: i for i, w in enumerate(
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split(),
    start=10)}
_ORD_TENS = {w: 10 * i for i, w in enumerate(
    "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split(), start=2)}
#: Roman numerals read as numbers (not single letters: those are initials).
_ROMAN = {"ii": 2, "iii": 3, "iv": 4, "vii": 7, "viii": 8, "ix": 9, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15}


def _number_word(t: str) -> tuple[str, int, bool] | None:
    """(class, value, ordinal) of an English number word."""
    for cls, table, ordinal in (("u", _UNITS, False), ("t", _TEENS, False), ("x", _TENS, False),
                                ("u", _ORD_UNITS, True), ("t", _ORD_TEENS, True), ("x", _ORD_TENS, True)):
        if t in table:
            return cls, table[t], ordinal
    if t in ("hundred", "hundredth"):
        return "h", 100, t.endswith("th")
    if t in ("thousand", "thousandth"):
        return "k", 1000, t.endswith("th")
    return None


def numerals(tokens: list[str], person: bool) -> list[str]:
    """Ordinals, number words and Roman numerals as digits.

    ``2nd``/``second`` -> ``2``; ``seven thirty one`` -> ``731`` (spoken groups run
    together); ``three hundred thirteen`` -> ``313``; ``ii`` -> ``2`` (persons: only as
    the last token, *John Smith III*).  Number words are read in organisation and
    vessel names only.
    """
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        m = _ORDINAL_ABBR.match(t)
        if m:
            out.append(m.group(1))
            i += 1
            continue
        if t in _ROMAN and (not person or i == n - 1) and n > 1:
            out.append(str(_ROMAN[t]))
            i += 1
            continue
        w = None if person else _number_word(t)
        if w is None:
            out.append(t)
            i += 1
            continue
        groups: list[int] = []
        cur, last = 0, ""
        while i < n and (w := _number_word(tokens[i])) is not None:
            cls, v, ordinal = w
            if cls in ("h", "k"):
                cur = (cur or 1) * v
            elif cls == "x":
                if last in ("u", "t", "x"):
                    groups.append(cur)
                    cur = 0
                cur += v
            else:
                if last in ("u", "t") or (last == "x" and cls == "t"):
                    groups.append(cur)
                    cur = 0
                cur += v
            last = cls
            i += 1
            if ordinal:
                break
        groups.append(cur)
        out.append("".join(str(g) for g in groups))
    return out


_ORDINAL_ABBR = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
