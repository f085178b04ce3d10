"""Latin readings of names written in other scripts, and a cross-script sound key.

:func:`romanize` gives one or more Latin readings of a name holding non-Latin letters,
the first being the primary one:

- **Hangul**: syllable by syllable (each syllable one token, as lists write Korean names:
  *Kim Jong Un*), in McCune-Reischauer without diacritics (the spelling of North Korean
  names on the UN list) and in Revised Romanization (*Gim Jeong Eun*); a leading family
  name also in its conventional spelling (*Park*, *Lee*, *Choi* ...).  The syllables are
  decomposed arithmetically (Unicode Hangul syllable blocks).
- **Japanese** (any kana in the name): Hepburn readings from :mod:`pykakasi` (kanji by
  its dictionary), with long vowels shortened as passports and lists write them
  (*Shinzou* -> *Shinzo*).
- **Han without kana**: Hanyu Pinyin from :mod:`anyascii`, a 2-3 character word read as
  family name + given name (*习近平* -> *xi jinping*), longer words in two-syllable words;
  and the Japanese reading as a second form.
- **Khmer, Bengali and other abugidas**: :mod:`anyascii`, which keeps their vowel signs.
- **Cyrillic**: ICU ``Russian-Latin/BGN`` (*Sergey*, *Basayev*, *Romashka*) and, as a
  second form, rigour's ASCII transliteration (*Sergei*, *Basaev*).
- **Arabic, Greek, Hebrew, ...**: ICU ``Any-Latin`` then ``Latin-ASCII``; an
  Arabic *ʿayn* at the start of a word is read ``a`` (*ʿAli* -> *ali*, *ʿAbd* -> *abd*);
  a word-final *ta marbuta* also as ``ah``, how it ends a name (*Amina*, *Hamza*), besides
  ICU's ``t`` (a construct: *Hay'at Tahrir*); the matcher takes that ``ah`` as the feminine
  ending it marks.

:func:`loose_key` folds a Latin token to consonant classes (k/g/q, t/d, p/b, f/v/w,
j/ch, s/z/sh, l/r) without vowels or ``h``, keeping the class of the first letter: the
comparison key for names read from another script, where voicing and vowels are not
written the same way (*Gim*/*Kim*, *Jeong*/*Jong*, *Hun*/*Hon*).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu
from anyascii import anyascii
from rigour._core import text_scripts
from rigour.text import ascii_text

#: Scripts that keep their own character-level comparison when both names use them.
LOGOGRAPHIC = frozenset({"Han", "Hangul", "Hiragana", "Katakana"})

_L_MR = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "kh", "th", "ph", "h"]
_L_RR = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_V_MR = ["a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
         "u", "ui", "i"]
_V_RR = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
         "eu", "ui", "i"]
_T = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng",
      "t", "t", "k", "t", "p", "t"]
#: Conventional Latin spellings of common Korean family names.
KOREAN_SURNAMES: dict[str, str] = {
    "김": "kim", "이": "lee", "리": "ri", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho",
    "윤": "yoon", "장": "jang", "임": "lim", "림": "rim", "한": "han", "오": "oh", "서": "seo", "신": "shin",
    "권": "kwon", "황": "hwang", "안": "ahn", "송": "song", "류": "ryu", "유": "yoo", "홍": "hong", "전": "jeon",
    "고": "ko", "문": "moon", "양": "yang", "손": "son", "배": "bae", "백": "paek", "허": "heo", "남": "nam",
    "노": "roh", "현": "hyon", "주": "ju", "반": "ban", "심": "shim", "곽": "kwak", "성": "sung", "차": "cha",
    "구": "ku", "민": "min", "진": "jin", "지": "ji", "엄": "eom", "채": "chae", "원": "won", "천": "chon",
    "방": "pang", "공": "kong",
}


def _hangul_syllable(ch: str, table: str) -> str:
    code = ord(ch) - 0xAC00
    lead, rest = divmod(code, 588)
    vowel, tail = divmod(rest, 28)
    if table == "mr":
        return _L_MR[lead] + _V_MR[vowel] + _T[tail]
    return _L_RR[lead] + _V_RR[vowel] + _T[tail]


def _is_hangul_syllable(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7A3


def _hangul(text: str, table: str, conventional: bool = False) -> str:
    out: list[str] = []
    first = True
    for ch in text:
        if _is_hangul_syllable(ch):
            if conventional and first and ch in KOREAN_SURNAMES:
                out.append(" " + KOREAN_SURNAMES[ch] + " ")
            else:
                out.append(" " + _hangul_syllable(ch, table) + " ")
            first = False
        else:
            if ch.isspace():
                first = True
            out.append(ch)
    return " ".join("".join(out).split())


@lru_cache(maxsize=1)
def _kakasi() -> object:
    import pykakasi

    return pykakasi.kakasi()


_LONG_VOWELS = (("ou", "o"), ("uu", "u"), ("oo", "o"), ("ee", "e"))


def _japanese(text: str, shorten: bool = True) -> str:
    parts = _kakasi().convert(text)  # type: ignore[attr-defined]
    s = " ".join(p["hepburn"] for p in parts)
    s = s.replace("'", "").replace("-", "").replace("\u30fb", " ").replace("\u30fc", "")
    if shorten:
        for a, b in _LONG_VOWELS:
            s = s.replace(a, b)
    return " ".join(s.split())


def _pinyin(text: str) -> str:
    words: list[str] = []
    for word in text.split():
        syl = re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", anyascii(word))
        has_han = any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in word)
        if not has_han or len(syl) < 2:
            words.append("".join(syl))
        elif len(syl) <= 3:
            words.extend([syl[0], "".join(syl[1:])])
        else:
            words.extend("".join(syl[i : i + 2]) for i in range(0, len(syl), 2))
    return " ".join(w.lower() for w in words if w)


@lru_cache(maxsize=1)
def _icu_latin() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Any-Latin")


@lru_cache(maxsize=1)
def _icu_ascii() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Latin-ASCII")


@lru_cache(maxsize=1)
def _icu_bgn() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Russian-Latin/BGN")


def _icu(text: str, trans: icu.Transliterator | None = None) -> str:
    s = (trans or _icu_latin()).transliterate(text)
    if trans is not None:
        s = _icu_latin().transliterate(s)
    s = re.sub(r"(^|\s)[\u02bf\u02be\u02bb\u02bc]", r"\1a", s)  # word-initial ʿayn / hamza
    s = re.sub(r"[\u02bf\u02be\u02bb\u02bc]", "", s)
    s = _icu_ascii().transliterate(s)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if c.isascii())


_BENGALI_READING = (
    (r"(^|[\s-])oy'?a", r"\1wa"),  # ওয়া at the start of a word: Wazed, Wasim
    (r"iy'?a", "ia"),  # জিয়া: Zia
    (r"y'", "y"),
    (r"(^|\s)sekh(?=\s|$)", r"\1sheikh"),  # শেখ, the honorific
)


def _bengali_letters(text: str) -> str:
    """Bengali letters with a nukta that write the sounds of borrowed names (জ় *z*, ফ় *f*,
    ক় *q*: anyascii drops the nukta), and the anusvara as *n* (before a consonant)."""
    for a, b in (("\u099c\u09bc", "z"), ("\u09ab\u09bc", "f"), ("\u0995\u09bc", "q"), ("\u0982", "n")):
        text = text.replace(a, b)
    return text


def _bengali(reading: str, z: bool = False) -> str:
    """A reading of a Bengali name as English spellings write it (see _BENGALI_READING);
    ``z``: a word-initial জ read as *z* (Zia, Zaman) rather than *j* (Joy, Jamal)."""
    for pat, rep in _BENGALI_READING:
        reading = re.sub(pat, rep, reading)
    return re.sub(r"(^|[\s-])j", r"\1z", reading) if z else reading


@lru_cache(maxsize=100_000)
def romanize(text: str) -> tuple[str, ...]:
    """Latin readings of ``text`` (lower case, de-duplicated, primary first)."""
    scripts = set(text_scripts(text))
    forms: list[str] = []
    if "Hangul" in scripts:
        forms = [_hangul(text, "mr"), _hangul(text, "rr"), _hangul(text, "rr", conventional=True)]
        # A foreign name written in Hangul keeps its words apart (Korean names are read a
        # syllable a token): each written word read as one token.
        words = [w for w in text.split() if w]
        syllables = [sum(_is_hangul_syllable(c) for c in w) for w in words]
        korean = any(w[0] in KOREAN_SURNAMES and 2 <= n <= 4 for w, n in zip(words, syllables, strict=True))
        if not korean and max(syllables, default=0) >= 3:
            forms += [" ".join("".join(_hangul(w, t).split()) for w in words) for t in ("rr", "mr")]
    elif scripts & {"Hiragana", "Katakana"}:
        forms = [_japanese(text), _japanese(text, shorten=False)]
    elif "Han" in scripts:
        forms = [_pinyin(text), _japanese(text)]
    elif "Bengali" in scripts:
        second = anyascii(_bengali_letters(text))
        forms = [anyascii(text), _bengali(second), _bengali(second, z=True)]
    elif scripts & {"Khmer", "Lao", "Myanmar", "Thai", "Tibetan", "Sinhala"}:
        forms = [anyascii(text)]
    elif "Cyrillic" in scripts:
        forms = [_icu(text, _icu_bgn()), ascii_text(text)]
    else:
        forms = [_icu(text)]
        if any(w.endswith("\u0629") for w in text.split()):
            # ta marbuta: ICU's -t is a construct (Hay'at Tahrir); ending a name it is -a/-ah
            forms.append(" ".join(_icu(w[:-1]) + "ah" if w.endswith("\u0629") else _icu(w) for w in text.split()))
    out: list[str] = []
    for f in forms:
        f = " ".join(f.lower().replace("?", "").split())
        if f and f not in out:
            out.append(f)
    return tuple(out) or ("",)


def script_of(text: str) -> str:
    """The name's main non-Latin script ('' for Latin or none)."""
    scripts = set(text_scripts(text)) - {"Latin", "Common", "Inherited"}
    if not scripts:
        return ""
    if scripts & {"Hiragana", "Katakana"}:
        return "Kana"
    return sorted(scripts)[0]


def logographic_form(text: str) -> str:
    """The letters of a CJK name without spaces or punctuation, traditional Han as simplified."""
    s = "".join(c for c in text if c.isalnum())
    return _hant_hans().transliterate(s)


@lru_cache(maxsize=1)
def _hant_hans() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Hant-Hans")


_LOOSE_DIGRAPHS = (
    ("tsch", "j"), ("tch", "j"), ("sch", "s"), ("dzh", "j"), ("dj", "j"), ("ch", "j"), ("zh", "s"), ("sh", "s"),
    ("kh", "k"), ("gh", "k"), ("th", "t"), ("dh", "t"), ("ph", "f"), ("ng", "n"), ("ck", "k"), ("ts", "s"),
    ("tz", "s"),
)
_LOOSE_CLASS = str.maketrans({
    "g": "k", "q": "k", "c": "k", "x": "k", "d": "t", "b": "p", "v": "f", "w": "f", "z": "s", "r": "l",
})


@lru_cache(maxsize=200_000)
def loose_key(token: str) -> str:
    """Consonant-class key of a token for cross-script comparison (see the module docstring)."""
    t = token
    if len(t) > 4 and t.startswith(("al", "el")):
        t = t[2:]
    for a, b in _LOOSE_DIGRAPHS:
        if a in t:
            t = t.replace(a, b)
    t = t[:1] + t[1:].replace("w", "u")  # Arabic waw inside a word is a vowel: kmwn ~ kammoun
    t = t.translate(_LOOSE_CLASS)
    out: list[str] = []
    for i, ch in enumerate(t):
        if ch in "aeiouy":
            if i == 0:
                out.append("a")
            continue
        if ch == "h" and i > 0:
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)
