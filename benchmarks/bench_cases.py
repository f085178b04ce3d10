"""Cases per planted scheme and per 1,000 parties: grouping per subject (before) against
network cases (after, :mod:`engine.case_links`), on generated data.

For each size it uses ``ROOT/r<N>/data`` (``ctfmon generate --seed SEED --transactions N``,
default profile) and ``ROOT/r<N>/scanned.duckdb`` (ingested, the UN list and the synthetic
lost/stolen document list loaded, ``ctfmon scan``), creating them with ``ctfmon`` when missing.
It copies the scanned database, clears its cases and groups every alert afresh with
``sync_cases`` (timed): that is *after*.  *Before* is the grouping main had, one case per
alert subject (on a fresh database that is exactly what it produced).

Per planted instance (``labels``; look-alikes left out) the cases touching it are the cases
holding an alert of the instance's typology whose subject is a labelled party of the
instance.  Printed per typology and per family (network ML-NET-*, courier TF-CASH-* and
TF-XB-01, NPO TF-NPO-*), with cases per 1,000 parties on file and how many cases hold
alerts of more than one planted scheme (over-grouping; a cross-label counts with the
scheme it was planted in).  Labels are read only here, to
measure; the grouping never sees them.

    .venv/bin/python benchmarks/bench_cases.py                       # 200k and 2M, seed 7
    .venv/bin/python benchmarks/bench_cases.py --sizes 200000 --root /tmp/cases
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
CTFMON = str(Path(sys.executable).with_name("ctfmon"))
UN_LIST = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
DOC_LIST = ROOT / "engine" / "screening" / "data" / "sample_lost_stolen_documents_2026-11-30.csv"
FAMILIES = {
    "network (ML-NET-*)": lambda t: t.startswith("ML-NET-"),
    "courier (TF-CASH-*, TF-XB-01)": lambda t: t.startswith("TF-CASH-") or t == "TF-XB-01",
    "NPO (TF-NPO-*)": lambda t: t.startswith("TF-NPO-"),
    "all typologies": lambda t: True,
}


def _ctfmon(*args: str) -> None:
    r = subprocess.run([CTFMON, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode not in (0, 1):  # scan exits 1 when one typology failed; its table says which
        raise SystemExit(f"ctfmon {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def prepare(d: Path, n: int, seed: int) -> Path:
    data, db = d / "data", d / "scanned.duckdb"
    if db.exists() and (data / "labels.parquet").exists():
        return db
    d.mkdir(parents=True, exist_ok=True)
    _ctfmon("generate", "--out", str(data), "--seed", str(seed), "--transactions", str(n), "--force")
    _ctfmon("ingest", str(data), "--db", str(db))
    _ctfmon("lists", "load", str(UN_LIST), "--db", str(db))
    _ctfmon("lists", "load", str(DOC_LIST), "--format", "documents-csv", "--name", "lost_stolen_sample", "--db", str(db))
    _ctfmon("scan", "--db", str(db))
    return db


def measure(db: Path, labels: Path) -> dict[str, Any]:
    from engine import cases, store

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "c.duckdb"
        shutil.copy(db, copy)
        key = db.with_name(db.name + ".audit-key")
        if key.exists():
            shutil.copy(key, copy.with_name(copy.name + ".audit-key"))
        con = store.connect(copy)
        try:
            cases_on_file = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
            for t in ("case_alerts", "cases", "case_notes", "case_dispositions", "case_lineage"):
                con.execute(f"DELETE FROM {t}")
            t0 = time.perf_counter()
            sync = cases.sync_cases(con, actor="bench")
            seconds = time.perf_counter() - t0
            return _figures(con, labels, cases_on_file, sync, seconds)
        finally:
            con.close()


def _figures(con: Any, labels: Path, cases_on_file: int, sync: Any, seconds: float) -> dict[str, Any]:
    con.execute(f"CREATE OR REPLACE TEMP TABLE lab AS SELECT * FROM read_parquet('{labels}') "
                "WHERE typology_id NOT LIKE 'benign:%'")
    per_instance = con.execute(
        """WITH touch AS (
             SELECT l.typology_id, l.instance_id, a.subject_id, ca.case_id
             FROM lab l JOIN alerts a ON a.typology_id = l.typology_id AND a.subject_type = 'party'
                                     AND a.subject_id = l.entity_id AND l.entity_type = 'party'
             JOIN case_alerts ca ON ca.alert_id = a.alert_id)
           SELECT typology_id, instance_id, count(DISTINCT subject_id) AS before, count(DISTINCT case_id) AS after
           FROM touch GROUP BY ALL ORDER BY ALL""").fetchall()
    planted = dict(con.execute("SELECT typology_id, count(DISTINCT instance_id) FROM lab GROUP BY 1").fetchall())
    by_typ: dict[str, dict[str, Any]] = {}
    for typ, _inst, before, after in per_instance:
        row = by_typ.setdefault(typ, {"planted": planted.get(typ, 0), "detected": 0, "before": 0, "after": 0})
        row["detected"] += 1
        row["before"] += before
        row["after"] += after
    families = {}
    for name, member in FAMILIES.items():
        rows = [r for t, r in by_typ.items() if member(t)]
        det = sum(r["detected"] for r in rows)
        families[name] = {"planted": sum(r["planted"] for r in rows), "detected": det,
                          "before": round(sum(r["before"] for r in rows) / det, 3) if det else None,
                          "after": round(sum(r["after"] for r in rows) / det, 3) if det else None}
    for r in by_typ.values():
        r["before"] = round(r["before"] / r["detected"], 3)
        r["after"] = round(r["after"] / r["detected"], 3)
    parties = con.execute("SELECT count(*) FROM parties").fetchall()[0][0]
    subjects = con.execute("SELECT count(DISTINCT subject_type || ' ' || subject_id) FROM alerts").fetchall()[0][0]
    cases_after = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    shape = con.execute(
        """WITH s AS (SELECT ca.case_id, count(DISTINCT a.subject_id) AS n FROM case_alerts ca
                      JOIN alerts a ON a.alert_id = ca.alert_id GROUP BY 1)
           SELECT count(*) FILTER (WHERE n > 1), max(n) FROM s""").fetchall()[0]
    # a cross-label ("TF-PASS-01:ML-NET-04:0003/P..." records a planted party of ML-NET-04:0003 that
    # also meets TF-PASS-01) belongs to the scheme it was planted in
    mixed = con.execute(
        """WITH inst AS (
             SELECT DISTINCT ca.case_id,
                    CASE WHEN l.instance_id LIKE '%/%'
                         THEN split_part(split_part(l.instance_id, '/', 1), ':', 2) || ':'
                              || split_part(split_part(l.instance_id, '/', 1), ':', 3)
                         ELSE l.instance_id END AS scheme FROM lab l
             JOIN alerts a ON a.typology_id = l.typology_id AND a.subject_id = l.entity_id AND l.entity_type = 'party'
             JOIN case_alerts ca ON ca.alert_id = a.alert_id)
           SELECT count(*) FROM (SELECT case_id FROM inst GROUP BY 1 HAVING count(*) > 1)""").fetchall()[0][0]
    return {
        "parties": parties, "alerts": sync.alerts_added, "cases_on_file_before": cases_on_file,
        "cases_before": subjects, "cases_after": cases_after,
        "cases_per_1000_parties_before": round(1000 * subjects / parties, 2),
        "cases_per_1000_parties_after": round(1000 * cases_after / parties, 2),
        "cases_with_several_subjects": shape[0], "most_subjects_in_a_case": shape[1],
        "cases_holding_several_planted_schemes": mixed, "sync_seconds": round(seconds, 2),
        "families": families, "typologies": dict(sorted(by_typ.items())),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000, 2_000_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--root", type=Path, default=ROOT / "benchmarks" / "data" / "cases")
    ap.add_argument("--out", type=Path, default=RESULTS / "bench_cases.json")
    args = ap.parse_args()
    results: dict[str, Any] = {"seed": args.seed, "profile": "realistic (default)", "runs": {}}
    for n in args.sizes:
        d = args.root / f"r{n}"
        db = prepare(d, n, args.seed)
        r = measure(db, d / "data" / "labels.parquet")
        results["runs"][str(n)] = r
        print(f"\n{n:,} transactions, seed {args.seed}: {r['parties']:,} parties, {r['alerts']:,} alerts; "
              f"grouping took {r['sync_seconds']} s")
        print(f"  cases: {r['cases_before']:,} before -> {r['cases_after']:,} after; per 1,000 parties "
              f"{r['cases_per_1000_parties_before']} -> {r['cases_per_1000_parties_after']}; "
              f"{r['cases_with_several_subjects']} cases with several subjects (at most "
              f"{r['most_subjects_in_a_case']}); {r['cases_holding_several_planted_schemes']} cases hold "
              "more than one planted scheme")
        print(f"  {'cases per detected planted instance':<36} {'planted':>8} {'detected':>9} {'before':>7} {'after':>7}")
        for name, f in r["families"].items():
            print(f"  {name:<36} {f['planted']:>8} {f['detected']:>9} {f['before']:>7} {f['after']:>7}")
        for t, f in r["typologies"].items():
            print(f"    {t:<34} {f['planted']:>8} {f['detected']:>9} {f['before']:>7} {f['after']:>7}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
