"""Example cases of a typology (its folder's ``examples.yaml``): rows in, alerts out.

A case gives the rows of the tables the detector reads, optionally parameter overrides,
a scan window and sanctions lists, and every alert the typology must raise (``alerts: []``
for none).  :func:`run` loads the rows into a fresh in-memory database, runs a scan of that
one typology and returns its stored alerts; :func:`problems` compares them with the
expected ones.  The file format is described in ``docs/adding-a-typology.md``.  (No tests
here: ``test_typology_examples.py`` runs every case of every typology.)
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from engine import scan, store
from engine.detect.catalogue import Catalogue
from engine.detect.typology import Typology
from engine.screening import documents, lists

KINDS = ("positive", "negative", "boundary")
#: Values a row of a contract table gets when the case does not give them.
DEFAULTS: dict[str, dict[str, Any]] = {
    "parties": {"party_type": "individual", "country": "US"},
    "accounts": {"institution_id": "BANK1", "country": "US", "account_type": "current", "currency": "USD"},
    "transactions": {"channel": "wire", "currency": "USD"},
    "cash_declarations": {"direction": "inbound", "port": "JFK", "currency": "USD", "declared": True},
    "trade_documents": {"currency": "USD", "unit": "kg"},
}
CONTRACT_TABLES = tuple(DEFAULTS)
#: ... and rows of the tables a scan itself fills (earlier alerts, cases), for typologies that read them.
DEFAULTS.update({
    "alerts": {"score": 1.0, "evidence": [], "explanation": "", "scan_id": "SC-EXAMPLE",
               "created_at": datetime(2026, 1, 1)},
    "cases": {"risk_score": 0.0, "alert_count": 0, "typologies": [], "created_at": datetime(2026, 1, 1),
              "updated_at": datetime(2026, 1, 1), "due_at": datetime(2026, 2, 1)},
})
#: list file columns (``engine.screening.lists`` CSV format)
LIST_COLUMNS = ("reference", "name", "entry_type", "aliases", "weak_aliases", "original_script", "date_of_birth",
                "nationality", "document_numbers", "program", "listed_on")


@dataclass
class Case:
    typology_id: str
    name: str
    kind: str
    boundary: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    as_of: datetime | None = None
    lookback_days: int | None = None
    lists: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)


def load(path: Path, typology_id: str) -> list[Case]:
    """The cases of an ``examples.yaml``; a malformed case is an error naming it."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, raw in enumerate(doc.get("cases") or [], start=1):
        where = f"{path}, case {i} ({raw.get('name', '?')!r})"
        unknown = set(raw) - {"name", "kind", "boundary", "params", "as_of", "lookback_days", "lists", "rows",
                              "alerts"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        if raw.get("kind") not in KINDS or not raw.get("name") or "alerts" not in raw:
            raise ValueError(f"{where}: needs a name, a kind ({', '.join(KINDS)}) and alerts")
        boundary = raw.get("boundary") or []
        as_of = raw.get("as_of")
        alerts = [{**a, "window": [_ts(w) for w in a["window"]]} if "window" in a else a
                  for a in raw.get("alerts") or []]
        out.append(Case(typology_id, raw["name"], raw["kind"], [boundary] if isinstance(boundary, str) else boundary,
                        raw.get("params") or {}, _ts(as_of) if as_of is not None else None,
                        raw.get("lookback_days"), raw.get("lists") or [], raw.get("rows") or {}, alerts))
    return out


def _ts(value: Any) -> datetime:
    """A timestamp written as ``'2026-03-02 09:00:00'`` (or a YAML timestamp)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> None:
    row = {**DEFAULTS.get(table, {}), **row}
    if table == "parties":
        row.setdefault("name", f"Name {row['party_id']}")
    if table in ("transactions", "cash_declarations"):
        row.setdefault("amount_base", row["amount"])
    if table == "trade_documents":
        row.setdefault("invoice_value_base", row["invoice_value"])
    if table in CONTRACT_TABLES:
        row["_batch_id"] = 1
    if table == "alerts":
        row["details"] = json.dumps(row.get("details") or {})
    cols = ", ".join(f'"{c}"' for c in row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))


def _load_list(con: duckdb.DuckDBPyConnection, spec: dict[str, Any]) -> None:
    """A sanctions list (the CSV format) or, with ``format: documents-csv``, a travel document list."""
    documents_list = spec.get("format") == documents.FORMAT
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{spec['name']}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=documents.COLUMNS if documents_list else LIST_COLUMNS)
            w.writeheader()
            for entry in spec["entries"]:
                w.writerow({k: ";".join(v) if isinstance(v, list) else ("" if v is None else v)
                            for k, v in entry.items()})
        lists.load_list(con, path, list_name=spec["name"], fmt=spec.get("format"))


_DB: dict[str, duckdb.DuckDBPyConnection] = {}


def _empty_database() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the schema and no rows (created once per process, emptied
    for each case: migrating a new one for every case would take most of the time)."""
    con = _DB.get("con")
    if con is None:
        con = _DB["con"] = store.connect(":memory:")
        return con
    con.execute("DROP TABLE IF EXISTS trade_reference_prices")
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'"
    ).fetchall():
        con.execute(f'DELETE FROM "{table}"')
    return con


def run(case: Case, detector: type[Typology]) -> list[dict[str, Any]]:
    """The alerts ``detector`` raises on the case's rows, as stored by a scan."""
    con = _empty_database()
    for table, rows in case.rows.items():
        if table == "trade_reference_prices":
            con.execute("CREATE TABLE trade_reference_prices (hs_code VARCHAR, unit VARCHAR, price DOUBLE)")
        for row in rows:
            _insert(con, table, row)
    for spec in case.lists:
        _load_list(con, spec)
    res = scan.run_scan(con, Catalogue([detector]), typology_ids=[detector.id],
                        params={detector.id: case.params} if case.params else None,
                        as_of=case.as_of, lookback_days=case.lookback_days, triggered_by="example")
    if res.errors:
        raise AssertionError(f"{case.typology_id} example {case.name!r}: the scan failed: {res.errors}")
    rows = con.execute(
        "SELECT subject_type, subject_id, score, window_start, window_end, evidence, explanation, "
        "CAST(details AS VARCHAR) FROM alerts WHERE scan_id = ? ORDER BY subject_type, subject_id, window_start",
        [res.scan_id]).fetchall()
    return [{"subject": f"{r[0]}:{r[1]}", "score": r[2], "window": [r[3], r[4]], "evidence": sorted(r[5]),
             "explanation": r[6], "details": json.loads(r[7])} for r in rows]


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, int | float) and math.isclose(float(expected), float(actual), rel_tol=1e-9,
                                                                 abs_tol=1e-9)
    if isinstance(expected, date) and not isinstance(expected, datetime):
        expected = datetime.combine(expected, datetime.min.time())
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            _same(e, a) for e, a in zip(expected, actual, strict=True))
    return bool(expected == actual)


def problems(case: Case, actual: list[dict[str, Any]]) -> list[str]:
    """What differs between the case's expected alerts and ``actual`` (empty: it passes).

    Alerts pair up by subject and evidence; every field an expected alert gives must agree
    (``details`` compares the keys it lists, ``explanation`` may be a ``contains`` list)."""
    def key(a: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        return a["subject"], tuple(sorted(a["evidence"]))

    found = {key(a): a for a in actual}
    wanted = {key(e): e for e in case.alerts}
    out = [f"missing alert {k[0]} {list(k[1])}" for k in wanted if k not in found]
    out += [f"unexpected alert {k[0]} {list(k[1])}: {found[k]['explanation']}" for k in found if k not in wanted]
    for k, exp in wanted.items():
        act = found.get(k)
        if act is None:
            continue
        for f in ("score", "window", "details"):
            if f in exp and not _same(exp[f], act[f]):
                out.append(f"{k[0]}: {f} {act[f]!r}, expected {exp[f]!r}")
        text = exp.get("explanation")
        if isinstance(text, str) and text != act["explanation"]:
            out.append(f"{k[0]}: explanation {act['explanation']!r}, expected {text!r}")
        if isinstance(text, dict):
            out += [f"{k[0]}: explanation lacks {part!r}: {act['explanation']!r}"
                    for part in text.get("contains", []) if part not in act["explanation"]]
    return out
