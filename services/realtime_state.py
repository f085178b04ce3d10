"""The real-time scorer's state: directory, readers, rule versions, and when to rebuild them.

A :class:`State` is built from the database in one go (:func:`build`): the account and party
directory, and one reader per typology whose folder has a ``realtime.py``
(``typologies/<id>/realtime.py``), each with the typology's live parameters
(:func:`engine.typology_params.effective_params`, what the batch scan uses).  Its
:func:`version` is what it was built from: the last ingest batch (rows the scorer recorded
itself left out: it already holds them), the stored typology parameters, the active
sanctions and document list versions and the last risk rating run.  When the version on file
differs, a new state is built beside the old one and swapped in (:mod:`services.realtime`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from engine.detect.catalogue import Catalogue
from engine.realtime import directory as directory_mod
from engine.realtime.base import Reader
from engine.realtime.directory import Directory
from engine.realtime.fastcheck import FastCheck
from engine.realtime.records import SCORE_FILE_PREFIX
from engine.store import now_utc
from engine.typology_params import effective_params

log = logging.getLogger(__name__)

Reading = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def version(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """What the state on file is: see the module docstring."""
    batch = con.execute("SELECT max(batch_id) FROM ingest_batches WHERE finished_at IS NOT NULL "
                        "AND file NOT LIKE ?", [SCORE_FILE_PREFIX + "%"]).fetchone()
    params = con.execute("SELECT typology_id, CAST(params AS VARCHAR) FROM typology_params "
                         "ORDER BY typology_id").fetchall()
    lists = con.execute("SELECT list_name, version_id FROM screening_list_versions WHERE active "
                        "ORDER BY list_name").fetchall()
    risk = con.execute("SELECT run_id FROM party_risk_runs ORDER BY rated_at DESC LIMIT 1").fetchone()
    return (batch[0] if batch else None, tuple(params), tuple(lists), risk[0] if risk else None)


def realtime_module(typology: type) -> Any | None:
    """The ``realtime`` module of a typology's folder, when it has one."""
    package = typology.__module__.rsplit(".", 1)[0]
    name = f"{package}.realtime"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


@dataclass
class State:
    version: tuple[Any, ...]
    directory: Directory
    readers: dict[str, list[Reader]] = field(default_factory=dict)  # kind -> readers
    rule_versions: dict[str, Any] = field(default_factory=dict)
    rule_versions_json: str = "{}"
    fastcheck: FastCheck | None = None
    load_seconds: float = 0.0


def build(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, reading: Reading | None = None) -> State:
    """A fresh state from the data on file (see the module docstring)."""
    t0 = time.perf_counter()
    ver = version(con)
    d = directory_mod.load(con)
    state = State(ver, d, fastcheck=FastCheck(con))
    rules: dict[str, Any] = {}
    for tid, typ in catalogue.items():
        mod = realtime_module(typ)
        if mod is None:
            continue
        params = effective_params(con, typ)
        kwargs = {"reading": reading} if "reading" in inspect.signature(mod.Reader).parameters else {}
        reader = mod.Reader(con, params, d, **kwargs)
        state.readers.setdefault(reader.kind, []).append(reader)
        dumped = json.dumps(params.model_dump(mode="json"), sort_keys=True)
        rules[tid] = hashlib.sha256(dumped.encode()).hexdigest()[:16]
    rules["lists"] = [list(x) for x in ver[2]]
    rules["risk_run"] = d.risk_run
    rules["state_loaded_at"] = now_utc().isoformat()
    state.rule_versions = rules
    state.rule_versions_json = json.dumps(rules, sort_keys=True)
    state.load_seconds = time.perf_counter() - t0
    log.info("real-time state built in %.2f s: %d accounts, %d parties, readers %s", state.load_seconds,
             len(d.accounts), len(d.parties), {k: [r.typology_id for r in v] for k, v in state.readers.items()})
    return state
