"""Speed of loading a new list version and screening its changes on a 2M-transaction database.

``python benchmarks/bench_list_changes.py [--db PATH] [--changes 10,100]``

Starts from a copy of a loaded database of ``bench_quality.py`` (default: the realistic world,
seed 7, 2,000,000 transactions, ``benchmarks/data/quality/realistic-2000000-7/loaded.duckdb``;
make it with ``benchmarks/bench_quality.py --seeds 7 --load-only``).  Version N of a list
``BENCH`` is the UN fixture's entries written as a list CSV; version N+1 makes ``k`` changes
to it: half new entries (named after parties and payment names of the database, so each
finds something, listed on a date inside the data), a quarter amended (an alias added), the
rest removed.  For each ``k`` it times, on a fresh copy:

- ``load N``: the first version (stored, full SAN-01/SAN-02 re-screen, cases);
- ``load N+1``: the new version as ``ctfmon lists load`` runs it (stored, full re-screen,
  change screening of the new and amended entries over all loaded history, duplicates
  dropped, cases, removed entries' cases flagged);
- ``screen changes``: the change screening alone (:func:`engine.screening.changes.screen_changes`),
  run again on the loaded database;

and the alerts the changes raised and the peak memory of the process.  Prints a table and
writes ``benchmarks/results/bench_list_changes.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from engine import store  # noqa: E402
from engine.screening import changes, lists  # noqa: E402
from services import lists as list_service  # noqa: E402
from services.typologies import catalogue  # noqa: E402

UN_LIST = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
DEFAULT_DB = HERE / "data" / "quality" / "realistic-2000000-7" / "loaded.duckdb"
RESULTS = HERE / "results" / "bench_list_changes.json"
COLUMNS = ["reference", "name", "entry_type", "aliases", "weak_aliases", "original_script", "date_of_birth",
           "nationality", "document_numbers", "program", "listed_on"]


def _rows_from_un() -> list[dict[str, str]]:
    parsed, _ = lists.parse_file(UN_LIST)
    out = []
    for e in parsed.entries:
        primary = e.primary_name
        aliases = [n.name for n in e.names if n.kind == "alias" and n.quality == "good" and ";" not in n.name]
        out.append({"reference": e.reference, "name": primary, "entry_type": e.entry_type,
                    "aliases": ";".join(aliases), "weak_aliases": "", "original_script": "", "date_of_birth": "",
                    "nationality": "", "document_numbers": "", "program": e.program or "",
                    "listed_on": e.listed_on or ""})
    return out


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)


def _changed(con: Any, base: list[dict[str, str]], k: int, rnd: random.Random) -> list[dict[str, str]]:
    """Version N+1: ``k`` changes to ``base`` (half new, a quarter amended, the rest removed)."""
    n_new, n_amend = k // 2, k // 4
    n_remove = k - n_new - n_amend
    lo, hi = con.execute("SELECT min(timestamp), max(timestamp) FROM transactions").fetchone()
    listed = (lo + (hi - lo) / 2).date().isoformat()
    people = [r[0] for r in con.execute(
        "SELECT name FROM parties WHERE party_type = 'individual' AND name IS NOT NULL "
        "ORDER BY hash(party_id) LIMIT ?", [n_new]).fetchall()]
    payees = [r[0] for r in con.execute(
        "SELECT DISTINCT beneficiary_name FROM transactions WHERE beneficiary_name IS NOT NULL "
        "ORDER BY hash(beneficiary_name) LIMIT ?", [n_new]).fetchall()]
    names = [n for pair in zip(people, payees, strict=False) for n in pair][:n_new]
    rows = [dict(r) for r in base]
    idx = rnd.sample(range(len(rows)), n_amend + n_remove)
    for i in idx[:n_amend]:
        rows[i]["aliases"] = ";".join(x for x in (rows[i]["aliases"], f"{rows[i]['name']} Trading") if x)
    drop = set(idx[n_amend:])
    rows = [r for i, r in enumerate(rows) if i not in drop]
    for j, name in enumerate(names):
        rows.append({"reference": f"BENCH-NEW-{j:05d}", "name": name.replace(";", " "), "entry_type": "person",
                     "aliases": "", "weak_aliases": "", "original_script": "", "date_of_birth": "",
                     "nationality": "", "document_numbers": "", "program": "bench", "listed_on": listed})
    return rows


def run(db: Path, k: int, work: Path) -> dict[str, Any]:
    copy = work / f"bench_{k}.duckdb"
    shutil.copyfile(db, copy)
    # the key that sealed the copied audit log: the database's own, or (bench_quality's
    # loaded.duckdb is a copy of ctfmon.duckdb) the one of ctfmon.duckdb beside it
    key = db.with_name(db.name + ".audit-key")
    if not key.exists():
        key = db.with_name("ctfmon.duckdb.audit-key")
    if key.exists():
        shutil.copyfile(key, copy.with_name(copy.name + ".audit-key"))
        copy.with_name(copy.name + ".audit-key").chmod(0o600)
    rnd = random.Random(k)
    base = _rows_from_un()
    v_n, v_n1 = work / "bench_n.csv", work / f"bench_n1_{k}.csv"
    _write(v_n, base)
    cat = catalogue()
    out: dict[str, Any] = {"changes": k}
    with store.connect(copy) as con:
        _write(v_n1, _changed(con, base, k, rnd))
        t0 = time.perf_counter()
        list_service.load_list(con, cat, v_n, actor="bench", triggered_by="bench", list_name="BENCH")
        out["load_n_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        res = list_service.load_list(con, cat, v_n1, actor="bench", triggered_by="bench", list_name="BENCH",
                                     confirm=True)
        out["load_n1_s"] = round(time.perf_counter() - t0, 1)
        found = res.changes
        out["new"] = sum(c.change == "new" for c in found)
        out["amended"] = sum(c.change == "amended" for c in found)
        out["removed"] = sum(c.change == "removed" for c in found)
        out["change_alerts"] = sum(len(set(c.alert_ids)) for c in found)
        out["cases_flagged"] = sum(len(c.case_ids) for c in found)
        assert res.rescreen is not None
        out["rescreen_alerts"] = res.rescreen.result.total_alerts
        t0 = time.perf_counter()
        again = changes.screen_changes(con, "BENCH", res.loaded.version_id, res.loaded.previous_version_id, found)
        out["screen_changes_s"] = round(time.perf_counter() - t0, 1)
        out["screen_changes_alerts"] = sum(len(v) for v in again.alerts.values())
        out["transactions"] = con.execute("SELECT count(*) FROM transactions").fetchone()[0]
        out["parties"] = con.execute("SELECT count(*) FROM parties").fetchone()[0]
    copy.unlink()
    copy.with_name(copy.name + ".audit-key").unlink(missing_ok=True)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="a loaded database to copy (not modified)")
    ap.add_argument("--changes", default="10,100", help="comma-separated numbers of changes k")
    args = ap.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} is missing: make it with `.venv/bin/python benchmarks/bench_quality.py --seeds 7 "
                 "--load-only`, or pass --db")
    ks = [int(x) for x in args.changes.split(",") if x.strip()]
    if any(k < 4 for k in ks):
        sys.exit("--changes: each k must be at least 4 (new, amended and removed entries)")
    rows = []
    with tempfile.TemporaryDirectory(dir=args.db.parent) as tmp:
        for k in ks:
            r = run(args.db, k, Path(tmp))
            rows.append(r)
            print(json.dumps(r), flush=True)
    print(f"\n{'k':>5} {'new':>4} {'amend':>5} {'rem':>4} {'load N s':>9} {'load N+1 s':>10} {'changes s':>9} "
          f"{'alerts':>6} {'flagged':>7} {'peak MB':>7}")
    for r in rows:
        print(f"{r['changes']:>5} {r['new']:>4} {r['amended']:>5} {r['removed']:>4} {r['load_n_s']:>9} "
              f"{r['load_n1_s']:>10} {r['screen_changes_s']:>9} {r['change_alerts']:>6} {r['cases_flagged']:>7} "
              f"{r['peak_rss_mb']:>7}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "benchmarks/bench_list_changes.py " + " ".join(sys.argv[1:]), "db": str(args.db),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}, "runs": rows,
    }, indent=2, default=str) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
