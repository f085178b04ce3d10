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
    EntryScore,
    PopulationWeights,
    Query,
    TokenWeights,
    compare_tokens,
    score_entry,
)
from engine.screening.normalize import PARTICLES, normalize_many, normalize_name, phonetic, skeleton

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


@dataclass
class IndexedName:
    entry_key: tuple[str, str]
    name: str
    kind: str
    quality: str
    tokens: tuple[str, ...]
    entry_type: str


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
        for r, toks in zip(raw, norm["tokens"].to_list(), strict=True):
            if toks:
                self.names.append(IndexedName(r[0], r[1], r[2], r[3], tuple(toks), r[4]))
        per_entry: dict[tuple[str, str], set[str]] = defaultdict(set)
        for n in self.names:
            per_entry[n.entry_key].update(n.tokens)
        self.weights = TokenWeights(per_entry.values())
        # Key frequency over entries decides which keys are selective.
        key_entries: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for n in self.names:
            for t in n.tokens:
                for k in token_keys(t):
                    key_entries[k].add(n.entry_key)
        cap = max(5, int(0.01 * max(1, len(entries))))
        self.rare_cap = cap
        self.common_keys = {k for k, v in key_entries.items() if len(v) > cap}
        self.key_to_names: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(self.names):
            for k in sorted(self.name_keys(n.tokens) | pair_keys(n.tokens)):
                self.key_to_names[k].append(i)
        self._frame: pl.DataFrame | None = None
        self._text: pl.DataFrame | None = None

    # ---------------------------------------------------------------- keys
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
    def candidates(self, tokens: tuple[str, ...]) -> set[int]:
        out: set[int] = set()
        for k in self.name_keys(tokens):
            out.update(self.key_to_names.get(k, ()))
        return out

    def match(
        self,
        query: Query,
        *,
        limit: int = 10,
        min_score: float = 0.5,
    ) -> list[EntryScore]:
        """Ranked entries for one query (best name per entry), scores >= ``min_score``."""
        kind = query.entry_type if query.entry_type in ("person", "entity") else "unknown"
        norm = normalize_name(query.name, kind)
        if not norm.tokens:
            return []
        return self._score_candidates(query, norm.tokens, self.candidates(norm.tokens), limit, min_score)

    def _score_candidates(
        self, query: Query, tokens: tuple[str, ...], idxs: set[int] | list[int], limit: int, min_score: float
    ) -> list[EntryScore]:
        best: dict[tuple[str, str], tuple[float, int, Any]] = {}
        qtext = " ".join(tokens)
        for i in idxs:
            n = self.names[i]
            if fuzz.token_set_ratio(qtext, " ".join(n.tokens)) < PREFILTER:
                continue  # the same quick pre-filter as the bulk path
            cmp = compare_tokens(tokens, n.tokens, self.weights)
            eff = cmp.score * (0.85 if n.quality == "low" else 1.0)
            cur = best.get(n.entry_key)
            if cur is None or eff > cur[0]:
                best[n.entry_key] = (eff, i, cmp)
        out: list[EntryScore] = []
        for key, (_eff, i, cmp) in best.items():
            n = self.names[i]
            es = score_entry(query, self.entries[key], key[0], cmp, n.name, n.kind, n.quality)
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
        "ORDER BY list_name"
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
    unknown), ``birth_date`` (str), ``nationality``, ``document_number``.  Returns one row
    per (qid, entry) scoring >= ``threshold``: ``qid``, ``name``, ``list_name``,
    ``reference``, ``matched_name``, ``score``, ``name_score``, ``features`` (JSON text),
    ``explanation``.
    """
    import json

    out_schema = {
        "qid": frame.schema.get("qid", pl.String), "name": pl.String, "list_name": pl.String,
        "reference": pl.String, "entry_type": pl.String, "matched_name": pl.String,
        "score": pl.Float64, "name_score": pl.Float64, "features": pl.String, "explanation": pl.String,
    }
    if frame.height == 0 or not idx.names:
        return pl.DataFrame(schema=out_schema)
    if "kind" not in frame.columns:
        frame = frame.with_columns(kind=pl.lit("unknown"))
    frame = frame.filter(pl.col("name").is_not_null() & (pl.col("name").str.strip_chars() != ""))
    t0 = time.perf_counter()
    # Distinct (name, kind) -> tokens.
    distinct = frame.select("name", "kind").unique()
    norm = normalize_many(distinct["name"], distinct["kind"]).with_row_index("nid")
    norm = norm.filter(pl.col("tokens").list.len() > 0)
    t_norm = time.perf_counter()
    # Token -> keys mapping over the distinct tokens only.
    toks = norm.select("nid", pl.col("tokens").alias("tok")).explode("tok")
    # Tokens frequent in the screened population (e.g. John, Maria) do not make a candidate on
    # their own, however rare on the list; names of such tokens only pair up (p: keys).
    freq = toks.unique().group_by("tok").len()
    pop_cap = max(POPULATION_COMMON_MIN, int(POPULATION_COMMON_SHARE * norm.height))
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
    qkeys = pl.concat([rare_keys, pair_keys, full_keys])
    pairs = qkeys.join(idx.key_frame(), on="key", how="inner").select("nid", "list_idx").unique()
    t_block = time.perf_counter()
    log.info("screen: %d distinct names (%.2fs), %d candidate pairs (%.2fs)", norm.height, t_norm - t0,
             pairs.height, t_block - t_norm)
    if pairs.height == 0:
        return pl.DataFrame(schema=out_schema)
    # Quick pre-filter of candidate pairs on the joined token strings (all cores).
    q_text = norm.select("nid", qt=pl.col("tokens").list.join(" "))
    pairs = pairs.join(q_text, on="nid").join(idx.text_frame(), on="list_idx")
    sims = process.cpdist(
        pairs["qt"].to_list(), pairs["lt"].to_list(), scorer=fuzz.token_set_ratio, workers=-1, dtype=np.float32
    )
    pairs = pairs.with_columns(pre=pl.Series(sims)).filter(pl.col("pre") >= PREFILTER)
    t_pre = time.perf_counter()
    log.info("screen: %d pairs after pre-filter (%.2fs)", pairs.height, t_pre - t_block)
    # Full scoring of the survivors, best name per (distinct name, entry).
    needed = norm.join(pairs.select("nid").unique(), on="nid", how="semi")
    q_tokens = dict(zip(needed["nid"].to_list(), needed["tokens"].to_list(), strict=True))
    weights = PopulationWeights(idx.weights, pop_common)
    best: dict[tuple[int, tuple[str, str]], tuple[float, int, Any]] = {}
    for nid, li in zip(pairs["nid"].to_list(), pairs["list_idx"].to_list(), strict=True):
        n = idx.names[li]
        cmp = compare_tokens(tuple(q_tokens[nid]), n.tokens, weights)
        eff = cmp.score * (0.85 if n.quality == "low" else 1.0)
        key = (nid, n.entry_key)
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
    nid_name = norm.select("nid", "name", "kind")
    hits = pl.DataFrame(
        {
            "nid": [k[0] for k in keep],
            "list_name": [k[1][0] for k in keep],
            "reference": [k[1][1] for k in keep],
            "list_idx": [v[1] for v in keep.values()],
        },
        schema={"nid": pl.UInt32, "list_name": pl.String, "reference": pl.String, "list_idx": pl.Int64},
    ).join(nid_name, on="nid")
    rows = frame.join(hits, on=["name", "kind"], how="inner")
    cmp_of = {(k[0], k[1]): v[2] for k, v in keep.items()}
    records: list[dict[str, Any]] = []
    for r in rows.iter_rows(named=True):
        n = idx.names[r["list_idx"]]
        entry = idx.entries[(r["list_name"], r["reference"])]
        q = Query(
            name=r["name"],
            entry_type=r["kind"] if r["kind"] in ("person", "entity") else None,
            birth_date=_as_str(r.get("birth_date")),
            nationality=r.get("nationality"),
            document_number=r.get("document_number"),
        )
        es = score_entry(q, entry, r["list_name"], cmp_of[(r["nid"], (r["list_name"], r["reference"]))],
                         n.name, n.kind, n.quality)
        if es.score < threshold:
            continue
        records.append(
            {
                "qid": r["qid"], "name": r["name"], "list_name": es.list_name, "reference": es.reference,
                "entry_type": es.entry_type, "matched_name": es.matched_name, "score": es.score,
                "name_score": es.name_score, "features": json.dumps(es.features, sort_keys=True),
                "explanation": es.explanation(),
            }
        )
    if not records:
        return pl.DataFrame(schema=out_schema)
    return pl.DataFrame(records, schema=out_schema)


def _as_str(v: Any) -> str | None:
    if v is None:
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)
