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

The blocking keys are built in :mod:`engine.screening.keys`, bulk screening runs in
:mod:`engine.screening.bulk`; this module holds the index and its per-query path.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from engine.screening import lists
from engine.screening.bulk import screen_frame
from engine.screening.keys import (
    _BYPASS_PREFIXES,
    NO_SOUND_SCRIPTS,
    PREFILTER,
    acronym_keys,
    acronym_like,
    acronym_list_keys,
    acronym_query_keys,
    glue_keys,
    loose_keys,
    pair_keys,
    pairs_wanted,
    prefilter_score,
    slavic_keys,
    token_keys,
)
from engine.screening.lists import ListEntry
from engine.screening.matcher import (
    EntryScore,
    NameForm,
    Query,
    TokenWeights,
    compare_readings,
    doc_norm,
    score_entry,
)
from engine.screening.normalize import PARTICLES, PERSON, normalize_many, normalize_name

__all__ = [  # some of these live in modules of their own; named here too
    "IndexedName", "ListIndex", "acronym_like", "active_key", "get_index", "screen_frame",
]

log = logging.getLogger(__name__)


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
            for ln in e.names:
                raw.append((key, ln.name, ln.kind, ln.quality, e.entry_type))
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


