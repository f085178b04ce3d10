"""Checking the chain (:func:`verify`) and sealing a log written before the keyed chain
(:func:`seal_legacy`, the migration ``audit-keyed-chain``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from engine.audit.keys import audit_key, key_id
from engine.audit.log import _append
from engine.audit.seal import (
    GENESIS,
    AuditEvent,
    _checkpoint,
    _checkpoint_mac,
    _mac,
    _normalise_json,
    _write_checkpoint,
)
from engine.store import one_row, transaction

log = logging.getLogger(__name__)


@dataclass
class ChainReport:
    """What :func:`verify` found.  ``intact`` only when ``problems`` is empty."""

    entries: int
    head_seq: int | None
    head: str | None
    key_id: str
    problems: list[str] = field(default_factory=list)
    first_bad_audit_id: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, "entries": self.entries, "head_seq": self.head_seq,
                "head": self.head, "key_id": self.key_id, "problems": list(self.problems),
                "first_bad_audit_id": self.first_bad_audit_id}


MAX_LISTED = 20


def verify(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """Check every entry's seal, the links, the numbering and the checkpoint; say what is wrong."""
    total = int(one_row(con, "SELECT count(*) FROM audit_log")[0])
    if total == 0 and _checkpoint(con) is None:
        return ChainReport(entries=0, head_seq=None, head=None, key_id="")
    key = audit_key(con)
    kid = key_id(key)
    report = ChainReport(entries=total, head_seq=None, head=None, key_id=kid)
    problems: list[str] = []
    row_problems = 0

    def row_problem(audit_id: int, text: str) -> None:
        nonlocal row_problems
        row_problems += 1
        if report.first_bad_audit_id is None:
            report.first_bad_audit_id = audit_id
        if row_problems <= MAX_LISTED:
            problems.append(text)

    unsealed = one_row(con, "SELECT count(*), min(audit_id) FROM audit_log WHERE seq IS NULL")
    if unsealed[0]:
        row_problem(int(unsealed[1]), f"{unsealed[0]} entries are not sealed (written before the keyed chain): "
                                      "open the database for writing once (e.g. `ctfmon init`) to seal them")
    cp = _checkpoint(con)
    if cp is not None and cp[2] != kid:
        problems.append(f"the log was sealed with the key {cp[2]}, not with the key in use ({kid}): "
                        "verify with the key that sealed it (CTFMON_AUDIT_KEY or CTFMON_AUDIT_KEY_FILE)")
        report.problems = problems
        return report
    cur = con.execute(
        "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
        "CAST(after_state AS VARCHAR), prev_hash, entry_hash, seq FROM audit_log WHERE seq IS NOT NULL "
        "ORDER BY seq, audit_id"
    )
    prev, expected = GENESIS, 1
    altered: list[str] = []
    while batch := cur.fetchmany(10_000):
        for r in batch:
            audit_id, seq = int(r[0]), int(r[10])
            where = f"entry {audit_id} (seq {seq})"
            if seq < expected:
                row_problem(audit_id, f"{where}: seq {seq} appears twice")
            elif seq > expected:
                gap = f"seq {expected}" if seq == expected + 1 else f"seq {expected} .. {seq - 1}"
                row_problem(audit_id, f"{gap} missing before {where}: {seq - expected} "
                                      f"entr{'y' if seq - expected == 1 else 'ies'} deleted")
            ev = AuditEvent(r[2], r[3], r[4], r[5])
            mac = _mac(key, seq, audit_id, r[1], ev, _normalise_json(r[6]), _normalise_json(r[7]), r[8])
            if not hmac.compare_digest(mac, r[9]):
                row_problem(audit_id, f"{where}: its content does not match its seal "
                                      "(changed after it was written, or written without the key)")
            elif r[8] != prev and seq == expected:
                row_problem(audit_id, f"{where}: it does not follow the entry before it "
                                      "(an entry before it was replaced)")
            if r[3] == "audit.altered" and mac == r[9]:
                found = (json.loads(r[7]) or {}).get("found", "") if r[7] else ""
                altered.append(f"{where} records that the log was found altered on {r[1]:%Y-%m-%d %H:%M}: {found}")
            prev, expected = r[9], max(expected, seq + 1)
            report.head_seq, report.head = seq, r[9]
    if row_problems > MAX_LISTED:
        problems.append(f"... and {row_problems - MAX_LISTED} more entries with problems")
    problems.extend(altered)
    last = report.head_seq
    if cp is None:
        if last is not None:
            problems.append("the checkpoint is missing (deleted): the end of the log cannot be confirmed")
    else:
        seq, head, ckid, mac = cp
        if not hmac.compare_digest(mac, _checkpoint_mac(key, seq, head, ckid)):
            problems.append("the checkpoint does not carry a valid seal (forged or edited)")
        elif last is None or last < seq:
            n = seq - (last or 0)
            problems.append(f"the log ends at seq {last or 0} but the checkpoint records seq {seq}: "
                            f"the last {n} entr{'y was' if n == 1 else 'ies were'} removed")
        elif last > seq:
            problems.append(f"entries after the checkpoint (seq {seq + 1} .. {last}) were added outside ctfmon")
        elif report.head != head:
            problems.append(f"the last entry (seq {seq}) is not the one the checkpoint records")
    report.problems = problems
    return report


def verify_chain(con: duckdb.DuckDBPyConnection) -> tuple[bool, int | None]:
    """(intact, first bad audit_id or None): the short form of :func:`verify`."""
    r = verify(con)
    return r.intact, r.first_bad_audit_id


def seal_legacy(con: duckdb.DuckDBPyConnection) -> None:
    """Migration: seal a log written before the keyed chain.

    The old plain SHA-256 chain is checked first and the result recorded in an
    ``audit.sealed`` entry (so a break that happened before the migration stays visible);
    then every entry gets its ``seq`` and keyed seal in ``audit_id`` order, and the
    checkpoint is written."""
    n = int(one_row(con, "SELECT count(*) FROM audit_log WHERE seq IS NULL")[0])
    if n == 0:
        return
    with transaction(con):
        key = audit_key(con, create=True)
        intact, first_broken = _legacy_check(con)
        rows = con.execute(
            "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
            "CAST(after_state AS VARCHAR) FROM audit_log ORDER BY audit_id"
        ).fetchall()
        prev = GENESIS
        out: dict[str, list[Any]] = {"audit_id": [], "prev_hash": [], "entry_hash": [], "seq": []}
        for seq, r in enumerate(rows, start=1):
            h = _mac(key, seq, int(r[0]), r[1], AuditEvent(r[2], r[3], r[4], r[5]), _normalise_json(r[6]),
                     _normalise_json(r[7]), prev)
            for k, v in (("audit_id", int(r[0])), ("prev_hash", prev), ("entry_hash", h), ("seq", seq)):
                out[k].append(v)
            prev = h
        con.register("_audit_seal", pl.DataFrame(out, schema={
            "audit_id": pl.Int64, "prev_hash": pl.String, "entry_hash": pl.String, "seq": pl.Int64}).to_arrow())
        try:
            con.execute("UPDATE audit_log SET prev_hash = s.prev_hash, entry_hash = s.entry_hash, seq = s.seq "
                        "FROM _audit_seal s WHERE audit_log.audit_id = s.audit_id")
        finally:
            con.unregister("_audit_seal")
        _write_checkpoint(con, key, len(rows), prev)
        _append(con, key, [AuditEvent("ctfmon", "audit.sealed", "audit_log", "chain", None, {
            "entries": len(rows), "sha256_chain_intact": intact, "first_broken_audit_id": first_broken,
            "key_id": key_id(key)})])
    log.warning("audit log: %d entries sealed with the keyed chain (plain chain %s)", len(rows),
                "intact" if intact else f"broken at entry {first_broken}")


def _legacy_check(con: duckdb.DuckDBPyConnection) -> tuple[bool, int | None]:
    """The plain SHA-256 chain of logs written before the keyed chain."""
    prev = GENESIS
    for r in con.execute(
        "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
        "CAST(after_state AS VARCHAR), prev_hash, entry_hash FROM audit_log ORDER BY audit_id"
    ).fetchall():
        payload = "\x1f".join([prev, r[1].isoformat(), r[2], r[3], r[4], r[5], _normalise_json(r[6]) or "",
                               _normalise_json(r[7]) or ""])
        if r[8] != prev or hashlib.sha256(payload.encode("utf-8")).hexdigest() != r[9]:
            return False, int(r[0])
        prev = r[9]
    return True, None
