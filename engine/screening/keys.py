"""Blocking keys: the keys under which a name is a candidate for another (rare tokens, their
sounds and skeletons, token pairs, glued and acronym forms, cross-script and Slavic readings),
and the quick similarity that drops unlikely pairs before full scoring; see
:mod:`engine.screening.index`."""

from __future__ import annotations

from rapidfuzz import fuzz

from engine.screening.matcher import GENERIC_TOKENS, slavic_key
from engine.screening.normalize import PARTICLES, phonetic, skeleton
from engine.screening.translit import loose_key

#: Candidate pairs whose quick token-set similarity is below this are not scored in full.
PREFILTER = 55.0


def token_keys(token: str) -> list[str]:
    """Blocking keys of a token, matching the token-similarity rules of the matcher:
    the token; its metaphone from five letters; its consonant skeleton and its letters in
    order (``a:``, what a transposition keeps: *houtihs*/*houthis*) from four."""
    keys = [f"t:{token}"]
    if len(token) >= 4 and not token.isdigit():
        keys.append("a:" + "".join(sorted(token)))
        if len(token) >= 5:
            m = phonetic(token)
            if m and len(m) > 1:
                keys.append(f"m:{m}")
        s = skeleton(token)
        if len(s) > 2:
            keys.append(f"s:{s}")
    return keys


def pair_keys(tokens: tuple[str, ...]) -> set[str]:
    """``p:`` keys: every pair of skeletons of the proper tokens of a name."""
    sk = sorted({skeleton(t) or t for t in tokens if len(t) > 1 and t not in PARTICLES})
    return {f"p:{sk[i]}|{sk[j]}" for i in range(len(sk)) for j in range(i + 1, len(sk))}


#: A query name gets ``p:`` keys when it has no rare token, or at least this many more
#: common tokens than rare ones (a rare token may be a misspelt listed one).
PAIR_MARGIN = 2


def pairs_wanted(n_common: int, n_rare: int) -> bool:
    return n_rare == 0 or n_common >= n_rare + PAIR_MARGIN


def glue_keys(tokens: tuple[str, ...]) -> set[str]:
    """``t:`` keys of adjacent tokens written together (*al huda* -> ``t:alhuda``)."""
    return {f"t:{tokens[i]}{tokens[i + 1]}" for i in range(len(tokens) - 1)
            if tokens[i].isalpha() and tokens[i + 1].isalpha()}


def acronym_query_keys(tokens: tuple[str, ...]) -> set[str]:
    """``x:`` keys of a one-token organisation name that may be an acronym: its initial and
    each plausible word count of the name it stands for."""
    if len(tokens) != 1 or not 2 <= len(tokens[0]) <= 8 or not tokens[0].isalpha():
        return set()
    t = tokens[0]
    return {f"x:{t[0]}{n}" for n in range(2, min(8, len(t) + 2) + 1)}


def acronym_list_keys(tokens: tuple[str, ...]) -> set[str]:
    """``x:`` key of an organisation name of 2-8 words: its initial and word count."""
    words = [t for t in tokens if t not in PARTICLES and t.isalpha()]
    return {f"x:{words[0][0]}{len(words)}"} if 2 <= len(words) <= 8 else set()


def acronym_keys(tokens: tuple[str, ...]) -> set[str]:
    """``t:`` keys of the initials of an organisation name (*Korea Industrial Association* ->
    ``t:kia``), without its generic words, and with one word giving two letters (*Butembo
    AirLines* -> ``t:bal``)."""
    words = [t for t in tokens if t not in PARTICLES and t.isalpha()]
    if not 2 <= len(words) <= 8:
        return set()
    out: set[str] = set()
    for ws in (words, [t for t in words if t not in GENERIC_TOKENS]):
        if len(ws) < 2:
            continue
        out.add("t:" + "".join(t[0] for t in ws))
        for i, w in enumerate(ws):
            if len(w) > 1:
                out.add("t:" + "".join(t[:2] if j == i else t[0] for j, t in enumerate(ws)))
    return out


def loose_keys(tokens: tuple[str, ...], latin: bool = False) -> set[str]:
    """Cross-script sound keys of the tokens (see :func:`engine.screening.translit.loose_key`)
    and pairs of them (short syllables such as Korean or Khmer ones find each other in
    pairs).  ``l:``/``q:`` keys are those of a listed name read from another script (found by
    any query); ``L:``/``Q:`` (``latin``) those of a listed Latin name (found by queries
    written in another script)."""
    one, two = ("L", "Q") if latin else ("l", "q")
    out = set()
    ks = sorted({loose_key(t) for t in tokens if t.isalpha() and t not in PARTICLES} - {""})
    for k in ks:
        if len(k) >= 2:
            out.add(f"{one}:{k}")
    for i in range(len(ks)):
        for j in range(i + 1, len(ks)):
            out.add(f"{two}:{ks[i]}|{ks[j]}")
    return out


def slavic_keys(tokens: tuple[str, ...], changed_only: bool = False) -> set[str]:
    """``v:`` Slavic/Baltic keys (*Lavrovs*, *Lavrova*, *Lawrow* -> *lavrov*); a query only
    needs those that differ from the token itself."""
    out = set()
    for t in tokens:
        if len(t) >= 5 and t.isalpha():
            k = slavic_key(t)
            if not changed_only or k != t:
                out.add(f"v:{k}")
    return out


def acronym_like(name: str, tokens: tuple[str, ...]) -> bool:
    """A one-token name written as an acronym: capitals or dotted letters (*KIA*, *I.B.C.*)."""
    if len(tokens) != 1 or not 2 <= len(tokens[0]) <= 8 or not tokens[0].isalpha():
        return False
    # Only a script with capitals can write an acronym: a two-character Chinese name has no
    # lower-case letters either, and read as pinyin it is no acronym (*李娜* is not *L.N.*).
    return "." in name or (any(c.isupper() for c in name) and not any(c.islower() for c in name))


#: Scripts whose readings are not compared by sound with names of other scripts.
NO_SOUND_SCRIPTS = frozenset({"Han"})


#: Keys that find a candidate whatever its quick string similarity: an acronym, a cross-
#: script sound key, a Slavic key, a document number.
_BYPASS_PREFIXES = ("l:", "q:", "L:", "Q:", "d:", "x:", "v:")


def prefilter_score(q: str, lt: str) -> float:
    """The quick pre-filter: token-set similarity, or, when the token counts differ, the
    similarity with the spaces removed (glued words: *wilsonjoseph* / *wilson joseph*)."""
    s = fuzz.token_set_ratio(q, lt)
    if s < PREFILTER and q.count(" ") != lt.count(" "):
        s = max(s, fuzz.ratio(q.replace(" ", ""), lt.replace(" ", "")))
    return s
