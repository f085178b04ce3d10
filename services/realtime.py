"""Real-time scoring: one transaction or cash declaration decided while it is in flight.

:class:`Scorer` answers ``allow`` / ``review`` / ``block`` with the reasons and the typologies
that fired (the readers of ``typologies/<id>/realtime.py``, over the state of
:mod:`services.realtime_state`), records every decision in ``score_decisions`` and, when
asked, the record itself the way ingest loads it.

How a request goes through:

- requests are queued; one worker thread takes every request waiting (up to ``max_batch``
  records) as one micro-batch, so the ingest validation, which has a fixed cost per call of
  about 20 ms, is paid once for many requests, and the decisions (and recorded rows) of the
  micro-batch are written in one transaction;
- a request whose records fail validation is refused whole (422, naming the record and the
  field), one whose record is on file with other content is refused (409); nothing of it is
  written or counted;
- records are read in arrival order, each against the state with the records before it: a
  record scored is added to the running totals whatever its verdict (an attempt counts), and
  counts once however often it is scored or later loaded.

State and its refresh: the state is built from the data on file at the first request. A
refresh thread compares the version on file (last ingest batch, stored typology parameters,
active lists, last risk rating run; :func:`services.realtime_state.version`) every
``refresh_seconds`` (default 5) and, when it changed, builds a new state beside the old one;
the worker swaps it in between micro-batches and replays into it the records scored since
the last build (the last ``live_max`` of them) that are not on file, so running totals never
drop a scored record.  Rows the scorer records itself do not trigger a rebuild (the state
already holds them).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from engine import schema, store
from engine.detect.catalogue import Catalogue
from engine.errors import Conflict, CtfmonError
from engine.realtime import decisions, records
from engine.realtime.base import Hit, verdict
from engine.shared_db import SharedDatabase
from services.realtime_state import State, build, version

log = logging.getLogger(__name__)

TABLES = {"transaction": "transactions", "declaration": "cash_declarations"}
WHERE = {"transaction": "transaction", "declaration": "declaration"}


@dataclass
class Job:
    kind: str  # transaction | declaration
    items: list[dict[str, Any]]
    record: bool
    actor: str
    many: bool  # a batch request: errors name the index
    t0: float = field(default_factory=time.perf_counter)
    future: Future[list[dict[str, Any]]] = field(default_factory=Future)
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: CtfmonError | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)  # score_decisions rows
    to_record: list[dict[str, Any]] = field(default_factory=list)  # rows to store (record: true)


class Scorer:
    def __init__(self, db: SharedDatabase, catalogue: Catalogue, *, review_tiers: tuple[str, ...] = ("high",),
                 refresh_seconds: float = 5.0, max_batch: int = 256, live_max: int = 200_000) -> None:
        self.db = db
        self.catalogue = catalogue
        self.review_tiers = review_tiers
        self.refresh_seconds = refresh_seconds
        self.max_batch = max_batch
        self.state: State | None = None
        self._pending: State | None = None
        self._live: deque[tuple[str, dict[str, Any]]] = deque(maxlen=live_max)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._refresher: threading.Thread | None = None
        self._writes: queue.Queue[list[Job] | Future[None] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._recorded: dict[tuple[str, str], dict[str, Any]] = {}  # (kind, id) -> row, until written

    # ------------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        with self._lock:
            if self._worker is None and not self._stop.is_set():
                self._worker = threading.Thread(target=self._run, name="ctfmon-scorer", daemon=True)
                self._worker.start()
                self._writer = threading.Thread(target=self._write_loop, name="ctfmon-scorer-writer", daemon=True)
                self._writer.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        for t in (self._worker, self._refresher):
            if t is not None:
                t.join(timeout=10)
        self._writes.put(None)  # after the worker: its last decisions are written first
        if self._writer is not None:
            self._writer.join(timeout=30)
        with self._lock:  # the app may be started again (tests, reloads): start afresh then
            self._worker = self._refresher = self._writer = None
            self.state = self._pending = None
            self._queue = queue.Queue()
            self._writes = queue.Queue()
            self._stop = threading.Event()

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every decision made so far is written."""
        if self._writer is None:
            return
        done: Future[None] = Future()
        self._writes.put(done)
        done.result(timeout)

    def submit(self, kind: str, items: list[dict[str, Any]], *, record: bool, actor: str,
               many: bool) -> Future[list[dict[str, Any]]]:
        """Queue records for a decision; the future holds one result per record (or the error)."""
        if kind not in TABLES:
            raise CtfmonError(f"kind: {kind!r}; expected one of {', '.join(TABLES)}", http_status=422)
        for i, it in enumerate(items):
            if not isinstance(it, dict):
                where = f"{WHERE[kind]}s[{i}]" if many else WHERE[kind]
                raise CtfmonError(f"{where}: expected a JSON object with the data contract's fields",
                                  http_status=422)
        job = Job(kind, items, record, actor, many)
        self._start()
        self._queue.put(job)
        return job.future

    def refresh_now(self) -> None:
        """Build the state again now if the data on file changed (the refresh thread's step)."""
        with self.db.reading() as con:
            ver = version(con)
        if self.state is not None and ver == self.state.version:
            return
        self._pending = build_state(self.db, self.catalogue)

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            try:
                self.refresh_now()
            except Exception:  # keep the old state; the next round tries again
                log.exception("real-time state refresh failed")

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        while not self._stop.is_set():
            job = self._queue.get()
            if job is None:
                break
            jobs, n = [job], len(job.items)
            while n < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._stop.set()
                    break
                jobs.append(nxt)
                n += len(nxt.items)
            try:
                self._process(jobs)
            except Exception as exc:  # an unexpected failure answers 500 to this micro-batch only
                log.exception("real-time scoring failed")
                for j in jobs:
                    if not j.future.done():
                        j.future.set_exception(exc)

    def _ensure_state(self) -> State:
        if self._pending is not None:
            new, self._pending = self._pending, None
            for kind, item in self._live:
                for reader in new.readers.get(kind, []):
                    reader.add(item, new.directory)
            self.state = new
        if self.state is None:
            self.state = build_state(self.db, self.catalogue)
            self._refresher = threading.Thread(target=self._refresh_loop, name="ctfmon-scorer-refresh", daemon=True)
            self._refresher.start()
        return self.state

    def _process(self, jobs: list[Job]) -> None:
        state = self._ensure_state()
        for kind in TABLES:
            mine = [j for j in jobs if j.kind == kind]
            for group in _disjoint(mine, schema.KEYS[TABLES[kind]][0]):
                self._validate(state, kind, group)
        for job in jobs:
            if job.error is None:
                self._decide(state, job)
        done = [j for j in jobs if j.error is None]
        for j in jobs:
            if j.error is not None:
                j.future.set_exception(j.error)
            elif not j.record:  # answered now; its decision is written behind (group commit)
                j.future.set_result(j.rows)
        if done:
            self._writes.put(done)

    # ------------------------------------------------------------------ writer
    def _write_loop(self) -> None:
        """Write decisions (and recorded rows) of every waiting micro-batch in one transaction;
        a request with ``record`` is answered once its row and decision are committed."""
        while True:
            first = self._writes.get()
            if first is None:
                return
            batch: list[list[Job] | Future[None] | None] = [first]
            while True:
                try:
                    batch.append(self._writes.get_nowait())
                except queue.Empty:
                    break
            jobs = [j for b in batch if isinstance(b, list) for j in b]
            try:
                if jobs:
                    self._write(jobs)
                for j in jobs:
                    if j.record:
                        j.future.set_result(j.rows)
            except Exception as exc:
                log.exception("writing real-time decisions failed; %d decisions lost", len(jobs))
                for j in jobs:
                    if not j.future.done():
                        j.future.set_exception(exc)
            finally:
                for j in jobs:
                    for r in j.to_record:
                        self._recorded.pop((j.kind, str(r[schema.KEYS[TABLES[j.kind]][0]])), None)
            for b in batch:
                if isinstance(b, Future):
                    b.set_result(None)
            if None in batch:
                return

    def _write(self, jobs: list[Job]) -> None:
        with self.db.writing() as con, store.transaction(con):
            for kind, table in TABLES.items():
                rows = [r for j in jobs if j.kind == kind for r in j.to_record]
                records.insert(con, table, rows, f"/score/{kind}")
            decisions.write(con, [d for j in jobs for d in j.decisions])

    def _validate(self, state: State, kind: str, group: list[Job]) -> None:
        table = TABLES[kind]
        slow: list[Job] = []
        fc = state.fastcheck
        assert fc is not None
        for j in group:  # the fast path for plain records, else the ingest validation
            fast = [fc.row(table, it) for it in j.items]
            if all(r is not None for r in fast) and len({r[schema.KEYS[table][0]] for r in fast if r}) == len(fast):
                j.rows = [r for r in fast if r is not None]
            else:
                slow.append(j)
        with self.db.reading() as con:
            if slow:
                checked = records.check(con, table, [it for j in slow for it in j.items])
                pos = 0
                for j in slow:
                    rows = checked.rows[pos:pos + len(j.items)]
                    errs = checked.errors[pos:pos + len(j.items)]
                    pos += len(j.items)
                    bad = [(i, e) for i, e in enumerate(errs) if e is not None]
                    if bad:
                        i, e = bad[0]
                        where = f"{WHERE[kind]}s[{i}]" if j.many else WHERE[kind]
                        j.error = CtfmonError(f"{where}: {e}", http_status=422)
                        continue
                    j.rows = [dict(r) for r in rows if r is not None]
            for j in group:
                if j.error is None and j.record:
                    same, other = records.conflicts(con, table, j.rows)
                    if other:
                        key = schema.KEYS[table][0]
                        j.error = Conflict(f"{WHERE[kind]}: {key} {sorted(other)[0]!r} is on file with different "
                                           "content (a conflicting duplicate); nothing was recorded")
                        continue
                    for r in j.rows:
                        r["__on_file"] = r[schema.KEYS[table][0]] in same

    def _decide(self, state: State, job: Job) -> None:
        key = schema.KEYS[TABLES[job.kind]][0]
        if job.record:  # a record scored with record: true a moment ago and not yet written
            for item in job.rows:
                pending = self._recorded.get((job.kind, str(item[key])))
                if pending is not None and any(not records.same(pending.get(c), item.get(c)) for c in pending):
                    job.error = Conflict(f"{WHERE[job.kind]}: {key} {item[key]!r} was just recorded with different "
                                         "content (a conflicting duplicate); nothing was recorded")
                    return
                if pending is not None:
                    item["__on_file"] = True
        d = state.directory
        readers = state.readers.get(job.kind, [])
        results = []
        for item, raw in zip(job.rows, job.items, strict=True):
            on_file = bool(item.pop("__on_file", False))
            hits: list[Hit] = []
            for reader in readers:
                hits.extend(reader.evaluate(item, d))
            tiers = _tiers(job.kind, item, state)
            verdict_, reasons = verdict(hits, tiers, self.review_tiers)
            for reader in readers:
                reader.add(item, d)
            self._live.append((job.kind, item))
            latency = (time.perf_counter() - job.t0) * 1000
            recorded = job.record and not on_file
            if recorded:
                job.to_record.append(item)
                self._recorded[(job.kind, str(item[key]))] = item
            record_id = str(item[schema.KEYS[TABLES[job.kind]][0]])
            decision = {
                "decision_id": uuid.uuid4().hex, "decided_at": store.now_utc(), "kind": job.kind,
                "record_id": record_id, "actor": job.actor, "verdict": verdict_,
                "fired": sorted({h.typology_id for h in hits}), "reasons": reasons,
                "hits": [h.as_dict() for h in hits], "inputs": raw, "rule_versions": state.rule_versions_json,
                "recorded": recorded, "latency_ms": round(latency, 3),
            }
            job.decisions.append(decision)
            results.append({k: decision[k] for k in ("decision_id", "kind", "record_id", "verdict", "fired",
                                                      "reasons", "hits", "recorded", "latency_ms")}
                           | {"already_on_file": on_file if job.record else None,
                              "risk_tiers": {pid: tier for pid, tier in tiers}})
        job.rows = results


def build_state(db: SharedDatabase, catalogue: Catalogue) -> State:
    with db.reading() as con:
        return build(con, catalogue, reading=db.reading)


def _tiers(kind: str, item: dict[str, Any], state: State) -> list[tuple[str, str]]:
    """(party, tier) of the parties on file the record involves."""
    d = state.directory
    if kind == "transaction":
        parties = [a.party_id for a in (d.account(item.get("from_account")), d.account(item.get("to_account")))
                   if a is not None and a.party_id]
    else:
        parties = [item["party_id"]] if item.get("party_id") in d.parties else []
    out = []
    for pid in dict.fromkeys(parties):
        t = d.tiers.get(pid)
        if t is not None:
            out.append((pid, t.tier))
    return out


def _disjoint(jobs: list[Job], key: str) -> list[list[Job]]:
    """Jobs split into groups whose record ids do not repeat across jobs of one group (one
    validation call sees a repeated id as a duplicate)."""
    groups: list[tuple[set[Any], list[Job]]] = []
    for j in jobs:
        ids = {it.get(key) for it in j.items}
        for seen, members in groups:
            if not ids & seen:
                seen.update(ids)
                members.append(j)
                break
        else:
            groups.append((set(ids), [j]))
    return [m for _, m in groups]
