"""Screening many names at once (:func:`screen_frame`): set-based blocking joined in polars,
a quick pre-filter over all cores, full scoring of the survivors; tokens common in the screened
population itself weigh little. See :mod:`engine.screening.index`."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from engine.screening.keys import (
    PAIR_MARGIN,
    PREFILTER,
    acronym_like,
    acronym_query_keys,
    loose_keys,
    slavic_keys,
    token_keys,
)
from engine.screening.matcher import (
    DEFAULT_THRESHOLD,
    NameForm,
    PopulationWeights,
    Query,
    compare_readings,
    doc_norm,
    score_entry,
)
from engine.screening.normalize import PARTICLES, PERSON, normalize_many, skeleton

if TYPE_CHECKING:
    from engine.screening.index import ListIndex

log = logging.getLogger(__name__)


#: In bulk, a token held by more than this share of the distinct names screened (and at
#: least ``POPULATION_COMMON_MIN`` of them) is common in the population.
POPULATION_COMMON_SHARE = 0.001
POPULATION_COMMON_MIN = 5


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
        t_keys = token_keys(t)
        rare = [] if t in pop_common else [k for k in t_keys if k not in idx.common_keys]
        tk_tok.extend([t] * len(rare))
        tk_key.extend(rare)
        kind_tok.append(t)
        kind_common.append(len(rare) < len(t_keys))
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
