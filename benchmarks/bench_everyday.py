"""Detectors on an everyday world: quality, alert budget and cost per transaction against clean.

For each profile (``realistic`` seeds 7 and 11, ``clean`` seed 7 by default) it runs
``ctfmon generate`` at ``--transactions`` (default 2M), ingests into a fresh database,
loads the shipped UN list, scans all typologies and evaluates against the labels.  It
prints, per typology, recall and strict precision on each realistic seed, the background
parties alerted, and the scan seconds per million transactions on the realistic and clean
worlds with their ratio (the target: at most 2x for every detector).  Results go to
``benchmarks/results/bench_everyday.json``.

    .venv/bin/python benchmarks/bench_everyday.py                        # 2M, seeds 7 and 11
    .venv/bin/python benchmarks/bench_everyday.py --transactions 200000  # a quick look
    .venv/bin/python benchmarks/bench_everyday.py --reuse                # re-read earlier runs

Timings are wall-clock seconds of each typology inside one scan on a shared 2-core machine:
compare them within one run, not across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = ROOT / "benchmarks" / "data" / "everyday"
UN_LIST = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
CTFMON = [sys.executable, "-m", "cli"]


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a", encoding="utf-8") as fh:
        subprocess.run(CTFMON + args, check=True, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)


def world(name: str, profile: str, seed: int, n: int, reuse: bool) -> dict[str, object]:
    """Generate, ingest, scan and evaluate one world; returns its evaluation and scan timings."""
    out = DATA / name
    db = DATA / f"{name}.duckdb"
    ev = DATA / f"{name}.eval.json"
    log = DATA / f"{name}.log"
    env = {**os.environ, "CTFMON_DB": str(db), "CTFMON_AUDIT_KEY_FILE": str(DATA / f"{name}.audit-key")}
    if not (reuse and ev.exists() and db.exists()):
        DATA.mkdir(parents=True, exist_ok=True)
        for p in (db, Path(f"{db}.wal"), ev, log, DATA / f"{name}.audit-key"):
            p.unlink(missing_ok=True)
        _run(["generate", "--out", str(out), "--transactions", str(n), "--seed", str(seed), "--profile", profile,
              "--force"] if _has_force() else
             ["generate", "--out", str(out), "--transactions", str(n), "--seed", str(seed), "--profile", profile],
             env, log)
        _run(["ingest", str(out)], env, log)
        _run(["lists", "load", str(UN_LIST)], env, log)
        _run(["scan"], env, log)
        _run(["evaluate", "--labels", str(out), "--json", str(ev), "--force"], env, log)
    with duckdb.connect(str(db), read_only=True) as con:
        timings, n_tx = con.sql(
            "SELECT timings, (SELECT count(*) FROM transactions) FROM scans WHERE triggered_by <> 'example' "
            "ORDER BY started_at DESC LIMIT 1").fetchall()[0]
    return {"evaluation": json.loads(ev.read_text()), "timings": json.loads(timings), "transactions": n_tx}


def _has_force() -> bool:
    res = subprocess.run(CTFMON + ["generate", "--help"], cwd=ROOT, capture_output=True, text=True)
    return "--force" in res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transactions", type=int, default=2_000_000)
    ap.add_argument("--seeds", default="7,11", help="seeds of the realistic world")
    ap.add_argument("--reuse", action="store_true", help="read earlier runs instead of running again")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    real = {s: world(f"realistic_{s}_{a.transactions}", "realistic", s, a.transactions, a.reuse) for s in seeds}
    clean = world(f"clean_7_{a.transactions}", "clean", 7, a.transactions, a.reuse)
    tids = sorted(clean["timings"])
    rows = []
    head = (f"{'typology':12} " + " ".join(f"{'R s' + str(s):>7} {'P s' + str(s):>7} {'bg s' + str(s):>7}" for s in seeds)
            + f" {'s/M real':>9} {'s/M clean':>9} {'ratio':>6}")
    print(head)
    for tid in tids:
        per = {}
        for s in seeds:
            t = real[s]["evaluation"]["typologies"].get(tid, {})
            sub = t.get("subject", {})
            per[s] = {"recall": sub.get("recall"), "precision": sub.get("precision"),
                      "background_parties_alerted": t.get("background_parties_alerted")}
        r_cost = sum(real[s]["timings"].get(tid, 0.0) / real[s]["transactions"] for s in seeds) / len(seeds) * 1e6
        c_cost = clean["timings"].get(tid, 0.0) / clean["transactions"] * 1e6
        ratio = r_cost / c_cost if c_cost > 0 else None
        rows.append({"typology": tid, "realistic": per, "seconds_per_million_realistic": round(r_cost, 3),
                     "seconds_per_million_clean": round(c_cost, 3), "ratio": None if ratio is None else round(ratio, 2)})

        def f(x: object) -> str:
            return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))
        print(f"{tid:12} " + " ".join(f"{f(per[s]['recall']):>7} {f(per[s]['precision']):>7} "
                                      f"{f(per[s]['background_parties_alerted']):>7}" for s in seeds)
              + f" {r_cost:9.3f} {c_cost:9.3f} {f(ratio):>6}")
    budget = {s: {k: real[s]["evaluation"].get("all", {}).get(k) for k in
                  ("background_parties_alerted", "background_per_1000")} | {
                  "background_parties": real[s]["evaluation"].get("population", {}).get("background_parties")}
              for s in seeds}
    print("background budget:", json.dumps(budget))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_everyday.json").write_text(json.dumps(
        {"transactions": a.transactions, "seeds": seeds, "rows": rows, "budget": budget}, indent=1))
    print(f"wrote {RESULTS / 'bench_everyday.json'}")


if __name__ == "__main__":
    main()
