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
from rigour.names import remove_org_types
from rigour.text import ascii_text, metaphone

PERSON = "person"
ENTITY = "entity"
UNKNOWN = "unknown"

#: Common honorifics of names from the Arabic-speaking world and South Asia that the
#: rigour prefix list does not hold.
_EXTRA_HONORIFICS = frozenset(
    {
        "sheikh", "shaikh", "shaykh", "sheik", "cheikh", "haji", "hajji", "hadji", "alhaj",
        "alhaji", "mullah", "mulla", "maulavi", "maulvi", "mawlawi", "moulavi", "maulana",
        "mawlana", "qari", "mufti", "mr", "mrs", "ms", "dr", "prof",
        "sir", "madam", "mme", "lt", "col", "gen", "capt", "maj", "sgt",
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
        if t and " " not in t and "-" not in t and t not in {"the", "count", "private"}:
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


def _ascii_many(values: pl.Series) -> pl.Series:
    """Transliterate the distinct values of ``values`` that still hold non-ASCII characters."""
    mask = values.str.contains(r"[^\x00-\x7f]").fill_null(False)
    if not mask.any():
        return values
    todo = values.filter(mask).unique()
    mapping = {v: ascii_text(v).lower() for v in todo.to_list()}
    mapped = values.replace_strict(mapping, default=values, return_dtype=pl.String)
    return mapped


def fold(values: pl.Series) -> pl.Series:
    """Lower-case ASCII with single spaces between alphanumeric runs ('' for null)."""
    s = values.cast(pl.String).fill_null("")
    s = s.str.replace_all(r"\([^)]*\)|\[[^\]]*\]", " ")
    s = s.str.to_lowercase().str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    s = _ascii_many(s)
    s = s.str.replace_all(r"['`\u2018\u2019\u02bb\u02bc\u00b4]", "")
    s = s.str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
    return s


def non_latin(values: pl.Series) -> pl.Series:
    """True where a name holds letters of a non-Latin script (Arabic, Cyrillic, CJK ...)."""
    return (
        values.cast(pl.String)
        .fill_null("")
        .str.contains(r"[^\p{Latin}\p{Common}\p{Inherited}]")
        .fill_null(False)
    )


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


def tokenize(folded: pl.Series, kinds: pl.Series) -> pl.Series:
    """Token lists from folded names, stripping honorifics (persons) / legal forms (entities).

    ``kinds`` holds ``person``, ``entity`` or ``unknown`` per row.
    """
    frame = pl.DataFrame({"f": join_theophoric(folded), "k": kinds.cast(pl.String).fill_null(UNKNOWN)})
    toks = frame["f"].str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
    vocab = toks.explode().drop_nulls().unique().to_list()
    legal = [t for t in vocab if is_legal_form(t)]
    hon = list(honorifics())
    df = frame.with_columns(t=toks)
    is_person = pl.col("k") == PERSON
    is_entity = pl.col("k") == ENTITY
    # Persons: drop leading honorifics (up to three), keeping at least one token.
    for _ in range(3):
        df = df.with_columns(
            t=pl.when(
                (pl.col("k") != ENTITY)
                & (pl.col("t").list.len() > 1)
                & pl.col("t").list.first().is_in(hon)
            )
            .then(pl.col("t").list.slice(1))
            .otherwise(pl.col("t"))
        )
    # Entities: drop every legal-form token (keeping at least one token).
    dropped = pl.col("t").list.eval(pl.element().filter(~pl.element().is_in(legal)))
    df = df.with_columns(
        t=pl.when(is_entity & (dropped.list.len() > 0)).then(dropped).otherwise(pl.col("t"))
    )
    # Unknown type: drop trailing legal forms only (up to two).
    for _ in range(2):
        df = df.with_columns(
            t=pl.when(
                ~is_person
                & ~is_entity
                & (pl.col("t").list.len() > 1)
                & pl.col("t").list.last().is_in(legal)
            )
            .then(pl.col("t").list.slice(0, pl.col("t").list.len() - 1))
            .otherwise(pl.col("t"))
        )
    return df["t"]


def normalize_many(names: pl.Series, kinds: pl.Series) -> pl.DataFrame:
    """``name``, ``kind``, ``folded``, ``tokens``, ``non_latin`` for each input row."""
    folded = fold(names)
    return pl.DataFrame(
        {
            "name": names.cast(pl.String),
            "kind": kinds.cast(pl.String),
            "folded": folded,
            "tokens": tokenize(folded, kinds),
            "non_latin": non_latin(names),
        }
    )


@dataclass(frozen=True)
class NormName:
    """A normalised name: its tokens and whether it was written in a non-Latin script."""

    original: str
    tokens: tuple[str, ...]
    non_latin: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def normalize_name(name: str, kind: str = UNKNOWN) -> NormName:
    """Normalise one name exactly as the batch path does."""
    df = normalize_many(pl.Series([name], dtype=pl.String), pl.Series([kind], dtype=pl.String))
    row = df.row(0, named=True)
    return NormName(name, tuple(row["tokens"] or ()), bool(row["non_latin"]))
