"""``ctfmon generate``: population, planters, normal activity, ids, errors, files, manifest.

The typologies to plant come from the caller as a mapping of typology id to its parts
(:class:`TypologyParts`: the registry's typology folders, ``typologies.registry.units()``):
each one's planter plants it, and the party-level literal readings cross-label planted
parties that also meet another definition (:mod:`datagen.crosslabel`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl

from datagen import DATAGEN_VERSION, crosslabel, errors, normal, planters, population, trade
from datagen.everyday import KINDS, Everyday
from datagen.finalize import Finalizer
from datagen.planters import PlantContext, Planter
from datagen.verify import Reading
from datagen.world import GenConfig, World, sub_rng
from datagen.writer import FORMATS, write_table
from engine.errors import CtfmonError
from engine.schema import INGEST_ORDER, SCHEMA_VERSION

log = logging.getLogger(__name__)
#: ``realistic`` (the default): the clean world plus the everyday world of
#: :mod:`datagen.everyday`; ``clean``: the population and activity alone; ``hard``: the
#: realistic world with subtler positives, planted accounts that also do ordinary business
#: and more look-alikes.
PROFILES = ("realistic", "clean", "hard")
DEFAULT_START = date(2026, 1, 1)


class TypologyParts(Protocol):
    """What the generator uses of one typology folder: its planter and its literal reading."""

    @property
    def planter(self) -> Planter | None: ...

    @property
    def reading(self) -> Reading | None: ...


def typology_ids(units: Mapping[str, TypologyParts]) -> list[str]:
    """The typologies that can be planted (those with a planter), in id order."""
    return sorted(tid for tid, u in units.items() if u.planter is not None)


def make_config(units: Mapping[str, TypologyParts], *, seed: int, transactions: int, parties: int | None = None, start: date | None = None,
                days: int = 365, fmt: str = "parquet", typologies: str | list[str] | None = None,
                profile: str = "realistic", inject_errors: float = 0.0) -> GenConfig:
    """Validate arguments (raising :class:`CtfmonError` naming the bad one) into a config."""
    if transactions < 1000:
        raise CtfmonError(f"--transactions {transactions}: expected at least 1000")
    if parties is not None and parties < 200:
        raise CtfmonError(f"--parties {parties}: expected at least 200")
    if days < 30 or days > 3660:
        raise CtfmonError(f"--days {days}: expected between 30 and 3660 (365 or more keeps every planted "
                          "window inside the data)")
    if fmt not in FORMATS:
        raise CtfmonError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if profile not in PROFILES:
        raise CtfmonError(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")
    if not 0.0 <= inject_errors <= 0.5:
        raise CtfmonError(f"--inject-errors {inject_errors}: expected a rate between 0 and 0.5")
    known = typology_ids(units)
    if typologies is None or typologies == "" or typologies == "all":
        sel = tuple(known)
    else:
        items = typologies.split(",") if isinstance(typologies, str) else list(typologies)
        items = [t.strip().upper() for t in items if t.strip()]
        bad = [t for t in items if t not in known]
        if bad:
            raise CtfmonError(f"--typologies: unknown id(s) {', '.join(bad)}; expected ids from {', '.join(known)}")
        sel = tuple(t for t in known if t in items)
    return GenConfig(seed=seed, transactions=transactions,
                     parties=parties if parties is not None else max(500, transactions // 40),
                     start=start or DEFAULT_START, days=days, fmt=fmt, typologies=sel, profile=profile,
                     inject_errors=inject_errors)


def build(cfg: GenConfig, units: Mapping[str, TypologyParts]) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    """All tables (typed frames, contract columns) and the manifest, without writing."""
    t0 = time.perf_counter()
    w = World.create(cfg)
    parties, accounts = population.build(w)
    ev = Everyday(w) if cfg.everyday else None
    if ev is not None:
        parties, accounts = ev.extend(parties, accounts)
    mods: dict[str, Planter] = {tid: u.planter for tid, u in units.items() if u.planter is not None}
    n_inst = planters.instances_for(cfg.transactions)
    n_benign = max(2, n_inst // 2) * (2 if cfg.hard else 1)
    benign_for: dict[str, list[str]] = {}
    for tid in cfg.typologies:
        mod = mods[tid]
        mod.plant(PlantContext(w, sub_rng(cfg.seed, tid), n_inst, n_benign, cfg.hard))
        before = len(w.labels)
        mod.benign(PlantContext(w, sub_rng(cfg.seed, "benign:" + tid), n_inst, n_benign, cfg.hard))
        benign_for[tid] = sorted({lab[0] for lab in w.labels[before:]})
    clk = normal.Clock(w)
    trades, trade_txns = trade.generate_trade(w, max(300, cfg.transactions // 300), clk)
    decls = trade.generate_declarations(w, max(60, cfg.transactions // 2000), clk)
    n_normal = max(0, cfg.transactions - len(w.p_txns) - trade_txns.height)
    frames = [trade_txns]
    shares = None
    if ev is not None:
        ev_txns, ev_trades = ev.generate(int(ev.p.max_share * n_normal))
        n_normal = max(0, n_normal - ev_txns.height)
        frames.append(ev_txns)
        if ev_trades.height:
            trades = pl.concat([trades, ev_trades], how="diagonal_relaxed") if trades.height else ev_trades
        late = ev.late_account_frame()
        if late.height:
            accounts = pl.concat([accounts, late], how="diagonal_relaxed")
        shares = {"salary": ev.p.clean_salary_share}
    txns = normal.generate(w, n_normal, shares)
    frames.insert(0, txns)
    log.info("generated %d normal transactions in %.1fs", txns.height, time.perf_counter() - t0)
    fin = Finalizer(w)
    tables: dict[str, pl.DataFrame] = {}
    tables["parties"] = fin.parties(parties)
    tables["accounts"] = fin.accounts(accounts, first_activity(w, frames))
    tables["transactions"] = fin.transactions(frames)
    del txns, frames
    tables["cash_declarations"] = fin.declarations(decls)
    tables["trade_documents"] = fin.trades(trades)
    tables["fx_rates"] = fx_table(w)
    tables["labels"] = fin.labels()
    planted: dict[str, int] = {}
    benign: dict[str, int] = {}
    for (tid,), grp in tables["labels"].group_by(["typology_id"], maintain_order=True):
        n = grp["instance_id"].n_unique()
        (benign if str(tid).startswith("benign:") else planted)[str(tid)] = n
    t1 = time.perf_counter()
    extra, overlap = crosslabel.cross_labels(tables, {tid: u.reading for tid, u in units.items()
                                                      if u.reading is not None})
    tables["labels"] = pl.concat([tables["labels"], extra]).sort(["instance_id", "entity_type", "role", "entity_id"])
    labels = tables["labels"]
    if ev is not None:
        tables["background"] = background_table(ev, fin, labels, tables["accounts"])
    log.info("cross-labelled %d planted parties in %.1fs", extra.height, time.perf_counter() - t1)
    manifest: dict[str, Any] = {
        "generator": "ctfmon generate",
        "version": DATAGEN_VERSION,
        "contract_version": SCHEMA_VERSION,
        "seed": cfg.seed,
        "arguments": {
            "transactions": cfg.transactions, "parties": cfg.parties, "start": cfg.start.isoformat(),
            "days": cfg.days, "format": cfg.fmt, "typologies": list(cfg.typologies), "profile": cfg.profile,
            "inject_errors": cfg.inject_errors,
        },
        "planted": dict(sorted(planted.items())),
        "benign": dict(sorted(benign.items())),
        "benign_for": benign_for,
        "cross_labelled": overlap["cross_labelled"],
        "lookalikes_meeting_other_definitions": overlap["lookalikes_meeting"],
    }
    if cfg.inject_errors > 0:
        tables, injected = errors.inject(tables, cfg.inject_errors, sub_rng(cfg.seed, "errors"), labels)
        manifest["injected_errors"] = injected
    manifest["row_counts"] = {name: df.height for name, df in tables.items()}
    return tables, manifest


def background_table(ev: Everyday, fin: Finalizer, labels: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """``party_id, kind``: the everyday kind of every background party (one row each); parties
    taking part in any planted instance or look-alike are left out."""
    kinds = ev.kinds()
    keys = np.nonzero(kinds >= 0)[0]
    df = pl.DataFrame({"party_id": fin.party_id.gather(keys),
                       "kind": pl.Series(list(KINDS)).gather(kinds[keys].astype(np.int64))})
    owners = accounts.filter(pl.col("account_id").is_in(
        labels.filter(pl.col("entity_type") == "account")["entity_id"].implode()))["party_id"].drop_nulls()
    labelled = pl.concat([labels.filter(pl.col("entity_type") == "party")["entity_id"], owners])
    return df.filter(~pl.col("party_id").is_in(labelled.implode())).sort("party_id")


def first_activity(w: World, frames: list[pl.DataFrame]) -> np.ndarray:
    """Day index (from the window start) of each account key's first transaction; -1 = none."""
    keys, ts = [], []
    for f in frames:
        if f.height:
            for col in ("_src", "_dst"):
                keys.append(f[col].to_numpy())
                ts.append(f["_ts"].to_numpy())
    for r in w.p_txns:
        for col in ("_src", "_dst"):
            keys.append(np.array([r[col]], dtype=np.int64))
            ts.append(np.array([r["_ts"]], dtype=np.int64))
    k = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    t = np.concatenate(ts) if ts else np.zeros(0, dtype=np.int64)
    g = pl.DataFrame({"k": k, "t": t}).filter(pl.col("k") >= 0).group_by("k").agg(pl.col("t").min())
    out = np.full(w.n_accounts, -1, dtype=np.int64)
    out[g["k"].to_numpy()] = (g["t"].to_numpy() - w.start_us) // 86_400_000_000
    return out


def fx_table(w: World) -> pl.DataFrame:
    rows_d, rows_c, rows_r = [], [], []
    for j, m in enumerate(w.month_starts):
        for i, c in enumerate(w.currencies):
            if c == "USD":
                continue
            rows_d.append(m)
            rows_c.append(c)
            rows_r.append(float(w.fx[i, j]))
    return pl.DataFrame({"date": rows_d, "currency": rows_c, "rate_to_base": rows_r},
                        schema={"date": pl.Date, "currency": pl.String, "rate_to_base": pl.Float64})


def write(out: Path, cfg: GenConfig, units: Mapping[str, TypologyParts]) -> dict[str, Any]:
    """Generate and write every table, ``labels`` and ``manifest.json`` into ``out``."""
    tables, manifest = build(cfg, units)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in (*INGEST_ORDER, "labels", "background"):
        if name in tables:
            files[name] = write_table(tables[name], out, name, cfg.fmt).name
    manifest["files"] = files
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
