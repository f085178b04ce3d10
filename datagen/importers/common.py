"""Shared by the importers: pattern -> typology mapping, roles, writing contract files."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from engine import schema
from engine.errors import CtfmonError

log = logging.getLogger(__name__)

#: Dataset pattern names (normalised: lower case, ``-``/space -> ``_``) to typology ids.
PATTERN_TYPOLOGY: dict[str, str] = {
    "fan_in": "ML-NET-01",
    "fan_out": "ML-NET-01",
    "scatter_gather": "ML-NET-02",
    "gather_scatter": "ML-NET-02",
    "cycle": "ML-NET-03",
    "bipartite": "ML-NET-05",
    "stack": "ML-NET-05",
}


def norm_pattern(name: str) -> str:
    """``'FAN-IN'``, ``'Fan in'``, ``'fan_in'`` -> ``'fan_in'``; ``'GATHER-SCATTER: ...'`` -> ``'gather_scatter'``."""
    base = name.split(":", 1)[0].strip().lower()
    return base.replace("-", "_").replace(" ", "_")


def pattern_roles(pattern: str, edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Role of every account in one planted pattern, from the pattern's own transfers.

    ``edges`` are ``(from_account, to_account)`` of the pattern.  Subjects follow the label
    conventions: fan-in/fan-out the hub; scatter-gather the source and the sink;
    gather-scatter the hub; cycle and bipartite/stack every account.  Other accounts are
    ``counterparty`` (fan) or ``intermediary`` (scatter-gather) or ``source``/``sink``
    (gather-scatter).
    """
    pairs = [(a, b) for a, b in edges if a is not None and b is not None]
    accounts = list(dict.fromkeys(x for e in pairs for x in e))
    outs: Counter[str] = Counter()
    ins: Counter[str] = Counter()
    for a, b in set(pairs):
        outs[a] += 1
        ins[b] += 1
    p = norm_pattern(pattern)
    roles: dict[str, str] = {}
    if p in ("fan_in", "fan_out"):
        deg = ins if p == "fan_in" else outs
        hub = max(accounts, key=lambda a: (deg[a], a)) if accounts else None
        for a in accounts:
            roles[a] = "subject" if a == hub else "counterparty"
    elif p == "scatter_gather":
        for a in accounts:
            if ins[a] == 0:
                roles[a] = "subject"  # source
            elif outs[a] == 0:
                roles[a] = "subject"  # sink
            else:
                roles[a] = "intermediary"
    elif p == "gather_scatter":
        hub = max(accounts, key=lambda a: (min(ins[a], outs[a]), a)) if accounts else None
        for a in accounts:
            roles[a] = "subject" if a == hub else ("source" if outs[a] else "sink")
    else:  # cycle, bipartite, stack and anything else: every account takes part as a subject
        for a in accounts:
            roles[a] = "subject"
    return roles


def write_table(df: pl.DataFrame, out: Path, table: str) -> Path:
    """Write ``df`` as ``OUT/<table>.csv`` (lists joined with ``;``)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{table}.csv"
    df.write_csv(path)
    return path


def finish(out: Path, tables: dict[str, pl.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    """Write every table and ``manifest.json``; returns the manifest (with row counts)."""
    for name, df in tables.items():
        if name != "labels" and name in schema.TABLES:
            unknown = [c for c in df.columns if c not in schema.TABLES[name].column_names]
            if unknown:
                raise CtfmonError(f"internal: {name} has non-contract columns {unknown}")
        write_table(df, out, name)
    manifest["rows"] = {name: df.height for name, df in tables.items()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    log.info("wrote %s: %s", out, manifest["rows"])
    return manifest


def labels_frame(rows: list[tuple[str, str, str, str, str]]) -> pl.DataFrame:
    """A labels frame from ``(typology_id, instance_id, entity_type, entity_id, role)`` tuples."""
    return pl.DataFrame(
        rows, schema={c: pl.String for c in ("typology_id", "instance_id", "entity_type", "entity_id", "role")},
        orient="row",
    ).unique(maintain_order=True)
