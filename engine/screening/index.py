"""Candidate blocking and screening: one query fast, millions of names set-based.

The active list versions are normalised once into a :class:`ListIndex` (cached per set
of active versions).  Each list name is described by *blocking keys*:

- ``t:`` token, ``m:`` metaphone of a token, ``s:`` consonant skeleton of a token —
  kept only when the key is *rare* in the lists (at most ``max(5, 1%)`` of entries);
- ``p:`` the skeleton pair of two tokens of the same name (``mohammed`` + ``ali``): list
  names carry every pair, queries only for their common tokens and only when they have
  no rare token or at least two more common than rare ones, so names made of common
  tokens (and misspelt rare ones among them) still find each other;
- ``f:`` the sorted full token string.

A query name is a candidate for a list name when they share a key.  In bulk
(:func:`screen_frame`) tokens frequent in the screened population itself (in more than
0.1% of its distinct names and at least 5: *John*, *Maria*) are also treated as common,
for blocking and in the token weights; the keys are joined in polars, candidate pairs are pre-filtered
with :func:`rapidfuzz.process.cpdist` (all cores) and only the survivors are scored in
Python with :func:`engine.screening.matcher.compare_tokens`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from engine.screening import lists
from engine.screening.lists import ListEntry
from engine.screening.matcher import (
    DEFAULT_THRESHOLD,
    GENERIC_TOKENS,
    EntryScore,
    NameForm,
    PopulationWeights,
    Query,
    TokenWeights,
    compare_readings,
    doc_norm,
    score_entry,
    slavic_key,
)
from engine.screening.normalize import PARTICLES, PERSON, normalize_many, normalize_name, phonetic, skeleton
from engine.screening.translit import loose_key

log = logging.getLogger(__name__)

#: Candidate pairs whose quick token-set similarity is below this are not scored in full.
PREFILTER = 55.0
#: In bulk, a token held by more than this share of the distinct names screened (and at
#: least ``POPULATION_COMMON_MIN`` of them) is common in the population.
POPULATION_COMMON_SHARE = 0.001
POPULATION_COMMON_MIN = 5


def token_keys(token: str) -> list[str]:
    """Blocking keys of a token, matching the token-similarity rules of the matcher:
    the token; its metaphone from five letters; its consonant skeleton from four."""
    keys = [f"t:{token}"]
    if len(token) >= 4 and not token.isdigit():
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


@dataclass
class IndexedName:
    entry_key: tuple[str, str]
    name: str
    kind: str
    quality: str
    tokens: tuple[str, ...]
    entry_type: str
    form: NameForm | None = None


class ListIndex:
    """The normalised names of the active list versions and their blocking keys."""

    def __init__(self, entries: dict[tuple[str, str], ListEntry], version_key: tuple[Any, ...] = ()) -> None:
        self.version_key = version_key
        self.entries = entries
        raw: list[tuple[tuple[str, str], str, str, str, str]] = []
        for key, e in entries.items():
            for n in e.names:
                raw.append((key, n.name, n.kind, n.quality, e.entry_type))
        norm = normalize_many(
            pl.Series([r[1] for r in raw], dtype=pl.String),
            pl.Series([r[4] for r in raw], dtype=pl.String),
        )
        self.names: list[IndexedName] = []
        cols = ("row", "tokens", "non_latin", "logo", "titled", "script")
        # An entry's own Latin names are its authoritative spellings: its names in another script
        # are compared loosely (by sound) only when it has no Latin name.
        with_latin = {raw[row][0] for row, nl in norm.select("row", "non_latin").iter_rows() if not nl}
        for row, toks, nl, logo, titled, script in norm.select(*cols).iter_rows():
            if toks:
                r = raw[row]
                form = NameForm(tuple(toks), bool(nl), logo or "", bool(titled), r[4] == PERSON, script or "",
                                loose_ok=not (nl and r[0] in with_latin))
                self.names.append(IndexedName(r[0], r[1], r[2], r[3], tuple(toks), r[4], form))
        per_entry: dict[tuple[str, str], set[str]] = defaultdict(set)
        for n in self.names:
            per_entry[n.entry_key].update(n.tokens)
        self.weights = TokenWeights(per_entry.values())
        #: some entry is known only in another script (its names are compared by sound)
        self.has_loose_only = any(n.form is not None and n.form.non_latin and n.form.loose_ok for n in self.names)
        # Key frequency over entries decides which keys are selective.
        key_entries: dict[str, set[tuple[str, str]]] = defaultdict(set)
        extras = [self._extra_list_keys(n) for n in self.names]
        for n, extra in zip(self.names, extras, strict=True):
            for t in n.tokens:
                for k in token_keys(t):
                    key_entries[k].add(n.entry_key)
            for k in extra:
                key_entries[k].add(n.entry_key)
        cap = max(5, int(0.01 * max(1, len(entries))))
        self.rare_cap = cap
        # Acronym keys (x:) stay: the acronym check itself is strict.
        self.common_keys = {k for k, v in key_entries.items() if len(v) > cap and not k.startswith("x:")}
        self.key_to_names: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(self.names):
            extra = {k for k in extras[i] if k not in self.common_keys}
            for k in sorted(self.name_keys(n.tokens) | pair_keys(n.tokens) | extra):
                self.key_to_names[k].append(i)
        # Document numbers (passports, IMO numbers) find their entry by themselves.
        for key, e in entries.items():
            numbers = {doc_norm(d["number"]) for d in e.documents if d.get("number")}
            for num in numbers:
                if len(num) >= 5:
                    for i in self._entry_names(key):
                        self.key_to_names[f"d:{num}"].append(i)
        self._frame: pl.DataFrame | None = None
        self._text: pl.DataFrame | None = None

    # ---------------------------------------------------------------- keys
    def _extra_list_keys(self, n: IndexedName) -> set[str]:
        keys = glue_keys(n.tokens) | slavic_keys(n.tokens)
        assert n.form is not None
        if not n.form.non_latin:
            keys |= loose_keys(n.tokens, latin=True)
        elif n.form.loose_ok:
            keys |= loose_keys(n.tokens)
        if n.entry_type != PERSON:
            keys |= acronym_keys(n.tokens) | acronym_list_keys(n.tokens)
        return keys

    def _entry_names(self, key: tuple[str, str]) -> list[int]:
        if not hasattr(self, "_by_entry"):
            by: dict[tuple[str, str], list[int]] = defaultdict(list)
            for i, n in enumerate(self.names):
                by[n.entry_key].append(i)
            self._by_entry = by
        return self._by_entry.get(key, [])

    def query_keys(self, tokens: tuple[str, ...], kind: str, non_latin: bool = False,
                   acronym: bool = False) -> set[str]:
        """Blocking keys of one reading of a query name: :meth:`name_keys` plus glued
        tokens, Slavic keys, an acronym's keys and cross-script sound keys."""
        keys = self.name_keys(tokens) | glue_keys(tokens) | slavic_keys(tokens, changed_only=True)
        if kind != PERSON and acronym:
            keys |= acronym_query_keys(tokens)
        sound = (loose_keys(tokens) if self.has_loose_only else set()) | (
            loose_keys(tokens, latin=True) if non_latin else set())
        keys |= {k for k in sound if k not in self.common_keys}
        return keys

    def is_common(self, token: str) -> bool:
        return token in PARTICLES or len(token) < 3 or f"t:{token}" in self.common_keys

    def name_keys(self, tokens: tuple[str, ...]) -> set[str]:
        """Blocking keys of a query name (see the module docstring)."""
        keys: set[str] = {"f:" + " ".join(sorted(tokens))}
        common: list[str] = []
        n_rare = 0
        for t in tokens:
            if t in PARTICLES or len(t) < 2:
                continue
            tk = token_keys(t)
            rare = [k for k in tk if k not in self.common_keys]
            keys.update(rare)
            if len(rare) < len(tk):
                common.append(t)  # may be a common list token (or a variant of one)
            else:
                n_rare += 1
        if pairs_wanted(len(common), n_rare):
            keys |= pair_keys(tuple(common))
        return keys

    def text_frame(self) -> pl.DataFrame:
        """``list_idx``, ``lt`` (the normalised name) for every list name."""
        if self._text is None:
            self._text = pl.DataFrame(
                {"list_idx": list(range(len(self.names))), "lt": [" ".join(n.tokens) for n in self.names]},
                schema={"list_idx": pl.Int32, "lt": pl.String},
            )
        return self._text

    def key_frame(self) -> pl.DataFrame:
        """``key``, ``list_idx`` for every list name (for set-based joins)."""
        if self._frame is None:
            ks: list[str] = []
            idx: list[int] = []
            for k, ids in self.key_to_names.items():
                ks.extend([k] * len(ids))
                idx.extend(ids)
            self._frame = pl.DataFrame({"key": ks, "list_idx": idx}, schema={"key": pl.String, "list_idx": pl.Int32})
        return self._frame

    # ---------------------------------------------------------------- one query
    def candidates(self, tokens: tuple[str, ...], kind: str = "unknown") -> set[int]:
        out: set[int] = set()
        for k in self.query_keys(tokens, kind):
            out.update(self.key_to_names.get(k, ()))
        return out

    def _candidates(self, forms: list[NameForm], kind: str, doc: str | None) -> tuple[set[int], set[int]]:
        """Candidates of all readings, and those found by keys that bypass the pre-filter."""
        out: set[int] = set()
        bypass: set[int] = set()
        for f in forms:
            for k in self.query_keys(f.tokens, kind, f.non_latin, f.acronym):
                hit = self.key_to_names.get(k, ())
                out.update(hit)
                if k.startswith(_BYPASS_PREFIXES) or (f.acronym and k.startswith("t:")):
                    bypass.update(hit)
        if doc:
            hit = self.key_to_names.get(f"d:{doc}", ())
            out.update(hit)
            bypass.update(hit)
        return out, bypass

    def match(
        self,
        query: Query,
        *,
        limit: int = 10,
        min_score: float = 0.5,
    ) -> list[EntryScore]:
        """Ranked entries for one query (best name per entry), scores >= ``min_score``."""
        kind = query.entry_type if query.entry_type in ("person", "entity", "vessel") else "unknown"
        query, forms = self.query_forms(query)
        if not forms:
            return []
        doc = doc_norm(query.document_number) if query.document_number else None
        idxs, bypass = self._candidates(forms, kind, doc)
        return self._score_candidates(query, forms, idxs, bypass, limit, min_score)

    def query_forms(self, query: Query) -> tuple[Query, list[NameForm]]:
        """The query's readings (and its IMO number, when written in the name, as its document)."""
        kind = query.entry_type if query.entry_type in ("person", "entity", "vessel") else "unknown"
        norm = normalize_name(query.name, kind)
        if norm.imo and not query.document_number:
            query = Query(query.name, query.entry_type, query.birth_date, query.nationality, f"IMO {norm.imo}")
        acr = acronym_like(query.name, norm.tokens)
        # A name written in Chinese characters reads as pinyin syllables, and pinyin compared by
        # sound class with other romanisations matches half the list (*黄强* huang qiang /
        # *Hong Kong*): it is compared by its letters, and with CJK list names by its characters.
        loose = norm.script not in NO_SOUND_SCRIPTS
        forms = [NameForm(f, norm.non_latin, norm.logo, norm.titled, kind == PERSON, norm.script,
                          loose_ok=loose, acronym=acr)
                 for f in norm.forms if f]
        return query, forms

    def compare_entry(self, query: Query, key: tuple[str, str]) -> tuple[EntryScore | None, list[dict[str, Any]]]:
        """The query scored against one entry, and each of the entry's names scored alone."""
        query, forms = self.query_forms(query)
        per_name: dict[str, dict[str, Any]] = {}
        best: tuple[float, int, Any] | None = None
        for i in self._entry_names(key):
            n = self.names[i]
            assert n.form is not None
            cmp = compare_readings(forms, [n.form], self.weights) if forms else None
            s = cmp.score if cmp is not None else 0.0
            cur = per_name.get(n.name)
            if cur is None or s > cur["name_score"]:
                per_name[n.name] = {"name": n.name, "kind": n.kind, "quality": n.quality,
                                    "name_score": round(s, 4), "method": cmp.method if cmp else ""}
            eff = s * (0.85 if n.quality == "low" else 1.0)
            if cmp is not None and (best is None or eff > best[0]):
                best = (eff, i, cmp)
        if best is None:
            return None, list(per_name.values())
        n = self.names[best[1]]
        es = score_entry(query, self.entries[key], key[0], best[2], n.name, n.kind, n.quality, self.weights)
        return es, list(per_name.values())

    def _score_candidates(
        self, query: Query, forms: list[NameForm], idxs: set[int], bypass: set[int], limit: int, min_score: float
    ) -> list[EntryScore]:
        best: dict[tuple[str, str], tuple[float, int, Any]] = {}
        qtexts = [" ".join(f.tokens) for f in forms]
        for i in idxs:
            n = self.names[i]
            if i not in bypass and max(prefilter_score(q, " ".join(n.tokens)) for q in qtexts) < PREFILTER:
                continue  # the same quick pre-filter as the bulk path
            assert n.form is not None
            cmp = compare_readings(forms, [n.form], self.weights)
            eff = cmp.score * (0.85 if n.quality == "low" else 1.0)
            cur = best.get(n.entry_key)
            if cur is None or eff > cur[0]:
                best[n.entry_key] = (eff, i, cmp)
        out: list[EntryScore] = []
        for key, (_eff, i, cmp) in best.items():
            n = self.names[i]
            es = score_entry(query, self.entries[key], key[0], cmp, n.name, n.kind, n.quality, self.weights)
            if es.score >= min_score:
                out.append(es)
        out.sort(key=lambda s: (-s.score, s.reference))
        return out[:limit]


# --------------------------------------------------------------------------- cache
_CACHE: dict[tuple[Any, ...], ListIndex] = {}
_LOCK = threading.Lock()


def active_key(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    rows = con.execute(
        "SELECT list_name, version_id, content_hash FROM screening_list_versions WHERE active "
        "AND source_format <> 'documents-csv' ORDER BY list_name"
    ).fetchall()
    return tuple(tuple(r) for r in rows)


def get_index(con: duckdb.DuckDBPyConnection) -> ListIndex:
    """The index of the active list versions (built once per set of active versions)."""
    key = active_key(con)
    with _LOCK:
        idx = _CACHE.get(key)
    if idx is not None:
        return idx
    entries = lists.load_entries(con, [int(k[1]) for k in key])
    idx = ListIndex(entries, key)
    with _LOCK:
        if len(_CACHE) > 4:
            _CACHE.clear()
        _CACHE[key] = idx
    return idx


# --------------------------------------------------------------------------- bulk
def screen_frame(
    idx: ListIndex,
    frame: pl.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> pl.DataFrame:
    """Screen many names at once.

    ``frame`` has ``qid`` (any id), ``name``, and optionally ``kind`` (person/entity/
    vessel/unknown), ``birth_date`` (str), ``nationality``, ``document_number``.  Returns
    one row per (qid, entry) scoring >= ``threshold``: ``qid``, ``name``, ``list_name``,
    ``reference``, ``entry_type``, ``matched_name``, ``score``, ``name_score``,
    ``name_rarity``, ``name_only_common_tokens``, ``features`` (JSON text), ``explanation``.
    """
    import json

    out_schema = {
        "qid": frame.schema.get("qid", pl.String), "name": pl.String, "list_name": pl.String,
        "reference": pl.String, "entry_type": pl.String, "matched_name": pl.String,
        "score": pl.Float64, "name_score": pl.Float64, "name_rarity": pl.Float64,
        "name_only_common_tokens": pl.Boolean, "features": pl.String, "explanation": pl.String,
    }
    if frame.height == 0 or not idx.names:
        return pl.DataFrame(schema=out_schema)
    if "kind" not in frame.columns:
        frame = frame.with_columns(kind=pl.lit("unknown"))
    frame = frame.filter(pl.col("name").is_not_null() & (pl.col("name").str.strip_chars() != ""))
    t0 = time.perf_counter()
    # Distinct (name, kind) -> readings -> tokens.  gid: the distinct name; nid: one reading of it.
    distinct = frame.select("name", "kind").unique().with_row_index("gid")
    norm = normalize_many(distinct["name"], distinct["kind"]).rename({"row": "gid"}).with_row_index("nid")
    norm = norm.filter(pl.col("tokens").list.len() > 0)
    t_norm = time.perf_counter()
    # Token -> keys mapping over the distinct tokens only.
    toks = norm.select("nid", pl.col("tokens").alias("tok")).explode("tok")
    # Tokens frequent in the screened population (e.g. John, Maria) do not make a candidate on
    # their own, however rare on the list; names of such tokens only pair up (p: keys).
    freq = toks.unique().group_by("tok").len()
    pop_cap = max(POPULATION_COMMON_MIN, int(POPULATION_COMMON_SHARE * distinct.height))
    log.debug("screen: population-common tokens occur in more than %d names", pop_cap)
    pop_common = set(freq.filter(pl.col("len") > pop_cap)["tok"].to_list())
    vocab = freq["tok"].drop_nulls().to_list()
    kind_tok: list[str] = []
    kind_common: list[bool] = []
    tk_tok: list[str] = []
    tk_key: list[str] = []
    for t in vocab:
        if t in PARTICLES or len(t) < 2:
            continue
        tk = token_keys(t)
        rare = [] if t in pop_common else [k for k in tk if k not in idx.common_keys]
        tk_tok.extend([t] * len(rare))
        tk_key.extend(rare)
        kind_tok.append(t)
        kind_common.append(len(rare) < len(tk))
        if t not in pop_common and t.isalpha():
            # cross-script sound (l:) and Slavic/Baltic (v:) keys of the token, when rare on the lists
            sound = loose_keys((t,)) if idx.has_loose_only else set()
            extra = [k for k in sound | slavic_keys((t,), changed_only=True) if k not in idx.common_keys]
            tk_tok.extend([t] * len(extra))
            tk_key.extend(extra)
    keymap = pl.DataFrame({"tok": tk_tok, "key": tk_key}, schema={"tok": pl.String, "key": pl.String})
    rare_keys = toks.join(keymap, on="tok", how="inner").select("nid", "key")
    # Pairs of common tokens within a name, for names mostly made of common tokens.
    kinds = pl.DataFrame({"tok": kind_tok, "common": kind_common}, schema={"tok": pl.String, "common": pl.Boolean})
    tk = toks.unique().join(kinds, on="tok", how="inner")
    wanted = (
        tk.group_by("nid")
        .agg(n_common=pl.col("common").sum(), n_rare=(~pl.col("common")).sum())
        .filter((pl.col("n_rare") == 0) | (pl.col("n_common") >= pl.col("n_rare") + PAIR_MARGIN))
        .select("nid")
    )
    common_tok = kinds.filter("common")["tok"].to_list()
    common_df = pl.DataFrame(
        {"tok": common_tok, "sk": [skeleton(t) or t for t in common_tok]},
        schema={"tok": pl.String, "sk": pl.String},
    )
    ct = tk.join(wanted, on="nid", how="semi").join(common_df, on="tok", how="inner").select("nid", "sk").unique()
    pair_keys = (
        ct.join(ct, on="nid", suffix="_b")
        .filter(pl.col("sk") < pl.col("sk_b"))
        .select("nid", key=pl.lit("p:") + pl.col("sk") + pl.lit("|") + pl.col("sk_b"))
    )
    full_keys = norm.select("nid", key=pl.lit("f:") + pl.col("tokens").list.sort().list.join(" "))
    # Adjacent tokens written together on the list (t:alhuda).
    glue = (
        norm.select("nid", key=pl.col("tokens").list.eval(pl.element() + pl.element().shift(-1)))
        .explode("key").drop_nulls("key").select("nid", key=pl.lit("t:") + pl.col("key"))
    )
    # Keys that bypass the quick pre-filter: acronyms of organisation names, sound-key pairs of
    # names read from another script, document and IMO numbers.
    by_nid: list[int] = []
    by_key: list[str] = []
    special = norm.filter(((pl.col("kind") != PERSON) & (pl.col("tokens").list.len() == 1)) | pl.col("non_latin"))
    acronyms: set[int] = set()
    for nid, name, tokens, kind, nl in special.select("nid", "name", "tokens", "kind", "non_latin").iter_rows():
        t = tuple(tokens)
        ks: set[str] = set()
        if kind != PERSON and acronym_like(name, t):
            ks |= acronym_query_keys(t)
            acronyms.add(nid)
        if nl:
            ks |= {k for k in loose_keys(t) | loose_keys(t, latin=True) if k not in idx.common_keys}
        by_nid.extend([nid] * len(ks))
        by_key.extend(ks)
    docs = _document_keys(frame, distinct, norm)
    bypass_keys = pl.concat([
        pl.DataFrame({"nid": by_nid, "key": by_key}, schema={"nid": pl.UInt32, "key": pl.String}), docs,
    ])
    qkeys = pl.concat([
        pl.concat([rare_keys, pair_keys, full_keys, glue]).with_columns(
            bypass=pl.col("key").str.starts_with("v:") | pl.col("key").str.starts_with("l:")),
        bypass_keys.with_columns(bypass=pl.lit(True)),
    ])
    pairs = (
        qkeys.join(idx.key_frame(), on="key", how="inner")
        .group_by("nid", "list_idx").agg(pl.col("bypass").any())
    )
    t_block = time.perf_counter()
    log.info("screen: %d distinct names (%.2fs), %d candidate pairs (%.2fs)", distinct.height, t_norm - t0,
             pairs.height, t_block - t_norm)
    if pairs.height == 0:
        return pl.DataFrame(schema=out_schema)
    # Quick pre-filter of candidate pairs on the token strings (all cores): token-set similarity,
    # or similarity with the spaces removed (glued words).
    q_text = norm.select("nid", qt=pl.col("tokens").list.join(" "))
    pairs = pairs.join(q_text, on="nid").join(idx.text_frame(), on="list_idx")
    sims = process.cpdist(
        pairs["qt"].to_list(), pairs["lt"].to_list(), scorer=fuzz.token_set_ratio, workers=-1, dtype=np.float32
    )
    pairs = pairs.with_columns(pre=pl.Series(sims))
    # Names whose token counts differ may be glued differently: also their similarity without spaces.
    spaces = pl.col("qt").str.count_matches(" ") != pl.col("lt").str.count_matches(" ")
    low = pairs.filter((pl.col("pre") < PREFILTER) & ~pl.col("bypass") & spaces)
    if low.height:
        glued = process.cpdist(
            low["qt"].str.replace_all(" ", "").to_list(), low["lt"].str.replace_all(" ", "").to_list(),
            scorer=fuzz.ratio, workers=-1, dtype=np.float32,
        )
        rescued = low.with_columns(pre=pl.Series(glued)).filter(pl.col("pre") >= PREFILTER)
        pairs = pl.concat([pairs.filter((pl.col("pre") >= PREFILTER) | pl.col("bypass")), rescued])
    else:
        pairs = pairs.filter((pl.col("pre") >= PREFILTER) | pl.col("bypass"))
    t_pre = time.perf_counter()
    log.info("screen: %d pairs after pre-filter (%.2fs)", pairs.height, t_pre - t_block)
    # Full scoring of the survivors, best reading and name per (distinct name, entry).
    needed = norm.join(pairs.select("nid").unique(), on="nid", how="semi")
    q_form: dict[int, tuple[int, NameForm]] = {}
    for nid, gid, tokens, nl, logo, titled, script, kind in needed.select(
        "nid", "gid", "tokens", "non_latin", "logo", "titled", "script", "kind"
    ).iter_rows():
        q_form[nid] = (gid, NameForm(tuple(tokens), bool(nl), logo or "", bool(titled), kind == PERSON, script or "",
                                     acronym=nid in acronyms))
    weights = PopulationWeights(idx.weights, pop_common)
    best: dict[tuple[int, tuple[str, str]], tuple[float, int, Any]] = {}
    for nid, li in zip(pairs["nid"].to_list(), pairs["list_idx"].to_list(), strict=True):
        n = idx.names[li]
        gid, form = q_form[nid]
        assert n.form is not None
        cmp = compare_readings([form], [n.form], weights)
        eff = cmp.score * (0.85 if n.quality == "low" else 1.0)
        key = (gid, n.entry_key)
        cur = best.get(key)
        # equal scores: the name listed first (an entry's primary name before its aliases), so
        # the reported match does not depend on the order the candidate pairs come in
        if cur is None or eff > cur[0] or (eff == cur[0] and li < cur[1]):
            best[key] = (eff, li, cmp)
    log.info("screen: scored %d pairs (%.2fs)", pairs.height, time.perf_counter() - t_pre)
    # Keep name-level survivors that could still reach the threshold with qualifiers.
    floor = threshold - 0.1
    keep = {k: v for k, v in best.items() if v[0] >= floor}
    if not keep:
        return pl.DataFrame(schema=out_schema)
    imo_of = dict(norm.filter(pl.col("imo") != "").select("gid", "imo").unique("gid").iter_rows())
    hits = pl.DataFrame(
        {
            "gid": [k[0] for k in keep],
            "list_name": [k[1][0] for k in keep],
            "reference": [k[1][1] for k in keep],
            "list_idx": [v[1] for v in keep.values()],
        },
        schema={"gid": pl.UInt32, "list_name": pl.String, "reference": pl.String, "list_idx": pl.Int64},
    ).join(distinct, on="gid")
    rows = frame.join(hits, on=["name", "kind"], how="inner")
    cmp_of = {(k[0], k[1]): v[2] for k, v in keep.items()}
    records: list[dict[str, Any]] = []
    for r in rows.iter_rows(named=True):
        n = idx.names[r["list_idx"]]
        entry = idx.entries[(r["list_name"], r["reference"])]
        doc = r.get("document_number") or (f"IMO {imo_of[r['gid']]}" if r["gid"] in imo_of else None)
        q = Query(
            name=r["name"],
            entry_type=r["kind"] if r["kind"] in ("person", "entity", "vessel") else None,
            birth_date=_as_str(r.get("birth_date")),
            nationality=r.get("nationality"),
            document_number=doc,
        )
        es = score_entry(q, entry, r["list_name"], cmp_of[(r["gid"], (r["list_name"], r["reference"]))],
                         n.name, n.kind, n.quality, weights)
        if es.score < threshold:
            continue
        records.append(
            {
                "qid": r["qid"], "name": r["name"], "list_name": es.list_name, "reference": es.reference,
                "entry_type": es.entry_type, "matched_name": es.matched_name, "score": es.score,
                "name_score": es.name_score, "name_rarity": es.name_rarity,
                "name_only_common_tokens": es.name_only_common_tokens,
                "features": json.dumps(es.features, sort_keys=True, ensure_ascii=False),
                "explanation": es.explanation(),
            }
        )
    if not records:
        return pl.DataFrame(schema=out_schema)
    return pl.DataFrame(records, schema=out_schema)


def _document_keys(frame: pl.DataFrame, distinct: pl.DataFrame, norm: pl.DataFrame) -> pl.DataFrame:
    """``d:`` keys (nid, key) of the document numbers given with a name and of IMO numbers in it."""
    parts: list[pl.DataFrame] = []
    nids = norm.select("nid", "gid")
    if "document_number" in frame.columns:
        docs = (
            frame.filter(pl.col("document_number").is_not_null())
            .select("name", "kind", "document_number").unique()
            .join(distinct, on=["name", "kind"])
            .join(nids, on="gid")
        )
        if docs.height:
            nums = [doc_norm(str(d)) for d in docs["document_number"].to_list()]
            parts.append(pl.DataFrame({"nid": docs["nid"], "key": ["d:" + d for d in nums]})
                         .filter(pl.col("key").str.len_chars() >= 7))
    imo = norm.filter(pl.col("imo") != "").select("nid", key=pl.lit("d:") + pl.col("imo"))
    parts.append(imo)
    if not parts:
        return pl.DataFrame(schema={"nid": pl.UInt32, "key": pl.String})
    return pl.concat([p.select(pl.col("nid").cast(pl.UInt32), pl.col("key").cast(pl.String)) for p in parts])


def _as_str(v: Any) -> str | None:
    if v is None:
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)
