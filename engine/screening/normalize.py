"""Name normalisation for screening: one code path for one name and for millions.

A name becomes a list of tokens:

1. bracketed parts removed (``Butembo Airlines (BAL)``: lists carry the acronym as
   its own alias); lower case, Unicode NFKD with combining marks removed (diacritics);
2. names still holding non-ASCII letters (Arabic, Cyrillic, CJK, ``ß`` ...) are
   transliterated to ASCII with :func:`rigour.text.ascii_text` (ICU based);
3. apostrophes and similar marks are dropped (``Mu'min`` -> ``mumin``), every other
   non-alphanumeric character separates tokens;
   split "Abd" compounds become one token (``Abdul Rahman``, ``Abd al-Rahman`` ->
   ``abdulrahman``): they are one given name, not the name ``Rahman``;
4. persons: leading honorifics and titles are removed (the prefix list of
   :mod:`rigour.names` plus common Arabic honorifics such as *sheikh*, *haji*, *mullah*);
   entities: legal-form tokens are removed (a token is a legal form when
   :func:`rigour.names.remove_org_types` removes it entirely, e.g. ``llc``, ``gmbh``,
   ``ooo``); names of unknown type lose trailing legal forms only.

The batch functions work on polars Series (the string steps are vectorised; the
transliteration and legal-form checks run once per *distinct* value), and
:func:`normalize_name` is the same pipeline applied to a one-element batch, so a query
and a bulk screen always see the same tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from rigour import _core as rigour_core
from rigour.names import extract_org_types, remove_org_types
from rigour.text import ascii_text, metaphone

from engine.screening.translit import logographic_form, romanize, script_of

PERSON = "person"
ENTITY = "entity"
VESSEL = "vessel"
UNKNOWN = "unknown"

#: Common honorifics of names from the Arabic-speaking world and South Asia that the
#: rigour prefix list does not hold, and military and political titles.  Titles that are
#: also common given names (Amir, Emir, Sayed, Imam) are not among them: "Amir Rahimi" is a
#: person called Amir, not a title before the family name Rahimi.
_EXTRA_HONORIFICS = frozenset(
    {
        "sheikh", "shaikh", "shaykh", "sheik", "cheikh", "haji", "hajji", "hadji", "alhaj",
        "alhaji", "mullah", "mulla", "maulavi", "maulvi", "mawlawi", "moulavi", "maulana",
        "mawlana", "qari", "mufti", "mr", "mrs", "ms", "dr", "prof",
        "sir", "madam", "mme", "lt", "col", "gen", "capt", "maj", "sgt",
        "general", "colonel", "field", "marshal", "brigadier", "commander", "president", "minister",
        "ayatollah", "sheikha", "shekh", "sekh", "shaikha",
        "admiral", "captain", "lieutenant", "governor", "senator", "prince", "princess", "king",
    }
)

#: Legal-form-like words rigour keeps (they can be part of a name) but that carry no
#: identity in a company name.
_EXTRA_LEGAL = frozenset({"co", "corp", "corporation", "company", "pvt", "pte", "private", "est"})

#: Name particles and connectors: kept, but weigh almost nothing in a comparison.
PARTICLES = frozenset(
    {
        "al", "el", "ul", "ud", "ad", "as", "ar", "an", "bin", "ibn", "bint", "ben", "bn", "abu",
        "abou", "abd", "abdul", "abdel", "de", "da", "di", "du", "dos", "das", "van", "von",
        "der", "den", "la", "le", "y", "ould", "wuld", "the", "of", "and", "for", "fi", "wa",
    }
)


@lru_cache(maxsize=1)
def honorifics() -> frozenset[str]:
    """Single-word person name prefixes: the rigour list plus common Arabic honorifics."""
    words = set(_EXTRA_HONORIFICS)
    for p in rigour_core.person_name_prefixes_list():
        t = p.lower().replace(".", "").strip()
        if t and " " not in t and "-" not in t and t not in {"the", "count", "private", "hon", "amb", "lord", "queen", "dame", "chair"}:
            words.add(ascii_text(t))
    return frozenset(words)


@lru_cache(maxsize=200_000)
def is_legal_form(token: str) -> bool:
    """True when ``token`` alone is a legal form (``llc``, ``gmbh``, ``ooo`` ...)."""
    return token in _EXTRA_LEGAL or (len(token) > 1 and remove_org_types(token).strip() == "")


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


def _clean(s: pl.Series, non_person: pl.Series) -> pl.Series:
    """Lower-case ASCII with single spaces between alphanumeric runs (Latin text)."""
    s = s.str.to_lowercase().str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    mask = s.str.contains(r"[^\x00-\x7f]").fill_null(False)
    if mask.any():
        todo = s.filter(mask).unique().to_list()
        s = s.replace_strict({v: ascii_text(v).lower() for v in todo}, default=s, return_dtype=pl.String)
    s = s.str.replace_all(r"['`\u2018\u2019\u02bb\u02bc\u00b4]", "")
    # "I.B.C.", "T.M.G.", "Sp. z o.o.", "S.A.": dotted initialisms of organisations are one token.
    dotted = s.str.replace_all(r"\b([a-z])\.([a-z])\.(?:([a-z])\.)?(?:([a-z])\.)?(?:([a-z])\.)?", "${1}${2}${3}${4}${5} ")
    dotted = dotted.str.replace_all(r"\b([a-z])\.([a-z])\b", "${1}${2}")
    s = pl.select(pl.when(non_person).then(dotted).otherwise(s)).to_series()
    return s.str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()


def non_latin(values: pl.Series) -> pl.Series:
    """True where a name holds letters of a non-Latin script (Arabic, Cyrillic, CJK ...)."""
    return (
        values.cast(pl.String)
        .fill_null("")
        .str.contains(r"[^\p{Latin}\p{Common}\p{Inherited}]")
        .fill_null(False)
    )


def _strip_brackets(values: pl.Series) -> pl.Series:
    """Bracketed parts removed (``Butembo Airlines (BAL)``, ``Encep Nurjaman (birth name)``:
    lists carry the acronym as its own alias), except a place or qualifier in title case
    (``Crescent Shipping (Pakistan)``), whose brackets alone are dropped."""
    s = values.cast(pl.String).fill_null("")
    # Glued words written in camel case are split: "AlHuda" -> "Al Huda".
    s = s.str.replace_all(r"(\p{Ll})(\p{Lu}\p{Ll})", "${1} ${2}")
    s = s.str.replace_all(r"\(((?:\p{Lu}\p{Ll}+)(?: \p{Lu}\p{Ll}+)*)\)", " ${1} ")
    return s.str.replace_all(r"\([^)]*\)|\[[^\]]*\]", " ")


def fold(values: pl.Series, kinds: pl.Series | None = None) -> pl.Series:
    """Lower-case ASCII with single spaces between alphanumeric runs ('' for null).

    Names in other scripts are read with :func:`engine.screening.translit.romanize`
    (its primary reading); ``kinds`` (person/entity/vessel/unknown) decide whether
    dotted initialisms are joined (not for persons: ``J.R. Smith`` keeps two initials).
    """
    s = _strip_brackets(values)
    if kinds is None:
        kinds = pl.Series([UNKNOWN] * len(s), dtype=pl.String)
    nl = non_latin(s)
    if nl.any():
        todo = s.filter(nl).unique().to_list()
        s = s.replace_strict({v: romanize(v)[0] for v in todo}, default=s, return_dtype=pl.String)
    return _clean(s, kinds.cast(pl.String).fill_null(UNKNOWN) != PERSON)


#: "Abd" (servant of) compounds are one given name: ``Abdul Rahman``, ``Abd al-Rahman``
#: and ``Abdel Rahman`` are written ``abdulrahman``, one edit from ``Abdurrahman`` and
#: ``Abdelrahman``, and distinct from the name ``Rahman``.
_ABD_SPLIT = (
    r"\b(?:abd|abdu|abdul|abdel|abdal|abdur|abdar|abdus|abdoul|abdil)"
    r" (?:(?:al|el|ul|ar|ur|as|us|ad|ud|an|un) )?([a-z]{3,})"
)


def join_theophoric(folded: pl.Series) -> pl.Series:
    """Write every split "Abd + name" compound as one token ``abdul<name>``."""
    return folded.str.replace_all(_ABD_SPLIT, "abdul${1}")


#: Spelled-out legal forms the rigour table does not hold (ISO 20275 local names, folded).
_EXTRA_LEGAL_PHRASES = (
    r"(?:otkrytoye |otkrytoe |zakrytoye |zakrytoe |publichnoye |publichnoe |nepublichnoye )?"
    r"aktsionernoy?e obshchestvo",
    r"gesellschaft mit beschrankter haftung", r"societa a responsabilita limitata", r"societa per azioni",
    r"spolka z ograniczona odpowiedzialnoscia", r"sp z oo", r"sp z o o", r"spolka akcyjna",
    r"tovarystvo z obmezhenoyu vidpovidalnistyu", r"(?:gufen )?youxian (?:zeren )?gongsi",
    r"sociedad de responsabilidad limitada", r"societe anonyme", r"societe a responsabilite limitee",
    r"sociedade anonima", r"sociedade limitada", r"kabushiki kaisha", r"yugen kaisha", r"jusik hoesa",
)
_EXTRA_LEGAL_RE = r"\b(?:" + "|".join(_EXTRA_LEGAL_PHRASES) + r")\b"

#: Prefixes of vessel names (motor vessel, motor tanker, steam ship ...).
VESSEL_PREFIXES = frozenset({"mv", "mt", "ms", "ss", "fv", "my", "mts", "tss", "m v", "m t"})

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


_ORDINAL_ABBR = __import__("re").compile(r"^(\d+)(?:st|nd|rd|th)$")
_IMO = __import__("re").compile(r"\bimo (\d{7})\b")


@lru_cache(maxsize=500_000)
def _org_forms(folded: str) -> tuple[str, str]:
    """(name without multi-word legal forms, generic legal form family or '')."""
    import re

    found = extract_org_types(folded, generic=True)
    family = found[0][1] if found else ""
    text = re.sub(_EXTRA_LEGAL_RE, " ", folded)
    if text != folded and not family:
        family = "llc" if ("ograni" in folded or "limit" in folded or "haftung" in folded or "sp z" in folded
                           or "youxian" in folded or "yugen" in folded or "vidpovid" in folded) else "jsc"
    multi = [f for f, _g in found if " " in f]
    if multi:
        text = remove_org_types(text)
    return " ".join(text.split()), family


def _tokens_one(folded: str, kind: str) -> tuple[list[str], bool, str, str]:
    """Tokens, titled, legal form family, IMO number of one folded name."""
    imo = ""
    m = _IMO.search(folded)
    if m:
        imo = m.group(1)
        folded = _IMO.sub(" ", folded)
    legal = ""
    if kind != PERSON:
        folded, legal = _org_forms(folded)
    toks = [t for t in folded.split(" ") if t]
    if kind != PERSON:
        toks = numerals(toks, False)
    titled = False
    if kind != ENTITY:
        hon = honorifics()
        k = 0
        while k < 3 and len(toks) > 1 and toks[0] in hon:
            toks = toks[1:]
            titled = True
            k += 1
    if kind == VESSEL:
        if len(toks) > 2 and f"{toks[0]} {toks[1]}" in VESSEL_PREFIXES:
            toks = toks[2:]
        elif len(toks) > 1 and toks[0] in VESSEL_PREFIXES:
            toks = toks[1:]
    if kind != PERSON:
        # Legal-form tokens: all of them for organisations, leading/trailing ones otherwise.
        if kind in (ENTITY, VESSEL):
            kept = [t for t in toks if not is_legal_form(t)]
            if kept and len(kept) < len(toks):
                legal = legal or _legal_family(toks)
                toks = kept
        else:
            before = toks
            while len(toks) > 1 and is_legal_form(toks[-1]):
                toks = toks[:-1]
            while len(toks) > 1 and is_legal_form(toks[0]):
                toks = toks[1:]
            if toks is not before and len(toks) < len(before):
                legal = legal or _legal_family(before)
        # Runs of single letters of an organisation name are one initialism: "t m g".
        merged: list[str] = []
        run: list[str] = []
        for t in toks + [""]:
            if len(t) == 1 and t.isalpha():
                run.append(t)
                continue
            merged.extend(["".join(run)] if len(run) > 1 else run)
            run = []
            if t:
                merged.append(t)
        toks = merged
    else:
        toks = numerals(toks, True)
    return toks, titled, legal, imo


@lru_cache(maxsize=500_000)
def _plain_token(t: str) -> bool:
    """A word :func:`_tokens_one` leaves as it is in any name of any kind."""
    return (len(t) > 1 and t.isalpha() and t not in _ROMAN and _number_word(t) is None and t not in honorifics()
            and t not in VESSEL_PREFIXES and not is_legal_form(t))


_EXTRA_LEGAL_SEARCH = __import__("re").compile(_EXTRA_LEGAL_RE)


def _plain_name(folded: str) -> bool:
    """A name :func:`_tokens_one` only splits: plain words, no legal form of several words."""
    return (all(_plain_token(t) for t in folded.split(" ") if t) and not extract_org_types(folded, generic=True)
            and not _EXTRA_LEGAL_SEARCH.search(folded))


def _legal_family(tokens: list[str]) -> str:
    found = extract_org_types(" ".join(tokens), generic=True)
    return found[0][1] if found else "other"


def tokenize(folded: pl.Series, kinds: pl.Series) -> pl.Series:
    """Token lists from folded names, stripping honorifics (persons) / legal forms (entities).

    ``kinds`` holds ``person``, ``entity``, ``vessel`` or ``unknown`` per row.
    """
    return tokenize_full(folded, kinds)["tokens"]


def tokenize_full(folded: pl.Series, kinds: pl.Series) -> pl.DataFrame:
    """``tokens``, ``titled``, ``legal``, ``imo`` per folded name (computed once per distinct value)."""
    frame = pl.DataFrame({"f": join_theophoric(folded), "k": kinds.cast(pl.String).fill_null(UNKNOWN)})
    distinct = frame.unique()
    # Person names without digits or a trailing Roman numeral (nearly all of a population) take
    # the vectorised path: split, then leading honorifics dropped (up to three, keeping one
    # token); the same result as _tokens_one gives them.  The rest go through _tokens_one.
    simple = (pl.col("k") == PERSON) & ~pl.col("f").str.contains(r"\d| (?:ii|iii|iv|vii|viii|ix|xii|xiii|xiv|xv)$")
    # Other names of plain words only (no digit, legal form, number word, Roman numeral,
    # honorific, vessel prefix or single letter: see _plain_token) take it too.
    others = distinct.filter((pl.col("k") != PERSON) & ~pl.col("f").str.contains(r"\d"))["f"].unique().to_list()
    plain = [f for f in others if _plain_name(f)]
    simple = simple | ((pl.col("k") != PERSON) & pl.col("f").is_in(plain))
    fast = distinct.filter(simple)
    slow = distinct.filter(~simple)
    hon = list(honorifics())
    fast = fast.with_columns(t=pl.col("f").str.split(" ").list.eval(pl.element().filter(pl.element() != "")))
    fast = fast.with_columns(n0=pl.col("t").list.len())
    for _ in range(3):
        fast = fast.with_columns(
            t=pl.when((pl.col("t").list.len() > 1) & pl.col("t").list.first().is_in(hon))
            .then(pl.col("t").list.slice(1)).otherwise(pl.col("t"))
        )
    fast = fast.select("f", "k", tokens=pl.col("t"), titled=pl.col("t").list.len() < pl.col("n0"),
                       legal=pl.lit(""), imo=pl.lit(""))
    rows = [_tokens_one(f, k) for f, k in zip(slow["f"].to_list(), slow["k"].to_list(), strict=True)]
    slow = slow.with_columns(
        tokens=pl.Series([r[0] for r in rows], dtype=pl.List(pl.String)),
        titled=pl.Series([r[1] for r in rows], dtype=pl.Boolean),
        legal=pl.Series([r[2] for r in rows], dtype=pl.String),
        imo=pl.Series([r[3] for r in rows], dtype=pl.String),
    )
    distinct = pl.concat([fast, slow.select(fast.columns)])
    return frame.join(distinct, on=["f", "k"], how="left", maintain_order="left").select(
        "tokens", "titled", "legal", "imo")


def normalize_many(names: pl.Series, kinds: pl.Series) -> pl.DataFrame:
    """One row per reading of each input name (``row`` is its position in the input).

    Columns: ``row``, ``form`` (0 = primary reading, 1.. = other readings of a name
    written in another script), ``name``, ``kind``, ``folded``, ``tokens``, ``non_latin``,
    ``script`` (main non-Latin script or ''), ``logo`` (the CJK letters of a Han, Hangul or
    kana name, for comparing two such names letter by letter), ``titled`` (a title or
    honorific stood before the name), ``legal`` (generic legal-form family: llc, jsc ...),
    ``imo`` (an IMO number written in the name).
    """
    names = names.cast(pl.String)
    kinds = kinds.cast(pl.String).fill_null(UNKNOWN)
    stripped = _strip_brackets(names)
    nl = non_latin(stripped)
    base = pl.DataFrame({"row": pl.int_range(0, len(names), eager=True).cast(pl.UInt32), "name": names,
                         "kind": kinds, "text": stripped, "non_latin": nl})
    readings = base.with_columns(form=pl.lit(0, pl.UInt8), script=pl.lit(""), logo=pl.lit(""))
    if nl.any():
        alt_rows: list[tuple[int, int, str, str, str]] = []
        texts = base.filter(pl.col("non_latin")).select("row", "text")
        for row, text in texts.iter_rows():
            script = script_of(text)
            logo = logographic_form(text) if script in ("Han", "Hangul", "Kana") else ""
            for k, f in enumerate(romanize(text)):
                alt_rows.append((row, k, f, script, logo))
        alt = pl.DataFrame(alt_rows, schema={"row": pl.UInt32, "form": pl.UInt8, "text": pl.String,
                                             "script": pl.String, "logo": pl.String}, orient="row")
        alt = alt.join(base.select("row", "name", "kind", "non_latin"), on="row")
        readings = pl.concat([readings.filter(~pl.col("non_latin")), alt.select(readings.columns)])
        readings = readings.sort("row", "form")
    folded = _clean(readings["text"], readings["kind"] != PERSON)
    tok = tokenize_full(folded, readings["kind"])
    return readings.select("row", "form", "name", "kind", "non_latin", "script", "logo").with_columns(
        folded=folded, tokens=tok["tokens"], titled=tok["titled"], legal=tok["legal"], imo=tok["imo"])


@dataclass(frozen=True)
class NormName:
    """A normalised name: its tokens (primary reading) and what else the matcher uses."""

    original: str
    tokens: tuple[str, ...]
    non_latin: bool = False
    forms: tuple[tuple[str, ...], ...] = ()
    script: str = ""
    logo: str = ""
    titled: bool = False
    legal: str = ""
    imo: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def normalize_name(name: str, kind: str = UNKNOWN) -> NormName:
    """Normalise one name exactly as the batch path does."""
    df = normalize_many(pl.Series([name], dtype=pl.String), pl.Series([kind], dtype=pl.String))
    rows = df.rows(named=True)
    r = rows[0]
    forms = tuple(tuple(x["tokens"] or ()) for x in rows)
    return NormName(name, forms[0], bool(r["non_latin"]), forms, r["script"], r["logo"], bool(r["titled"]),
                    r["legal"], r["imo"])
