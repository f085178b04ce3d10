"""Detection quality and alert budget on the generated world: generate, ingest, scan, evaluate.

For each seed (default 7 and 11) it runs ``ctfmon generate --profile PROFILE`` (default
realistic, 2M transactions), ``ctfmon ingest``, ``ctfmon lists load`` (the shipped UN list and the synthetic lost/stolen document
list), ``ctfmon scan`` (all typologies) and
``ctfmon evaluate --json``, each as its own process, and prints per typology: instances,
recall, strict precision P, precision leaving out subjects planted for another typology
P*, alert rows, background parties alerted (count and per 1,000 background parties) and
the everyday kind most often alerted.  Results (with each stage's seconds) go to
``benchmarks/results/bench_quality[_<profile>]_<n>.json``.  Data are kept under
``benchmarks/data/quality/`` (ignored by git) and reused when ``--reuse`` is given.

    .venv/bin/python benchmarks/bench_quality.py                           # seeds 7 and 11, 2M
    .venv/bin/python benchmarks/bench_quality.py --seeds 7 --transactions 200000
    .venv/bin/python benchmarks/bench_quality.py --profile clean
    .venv/bin/python benchmarks/bench_quality.py --rescan      # same data, detectors changed

``--load-only`` prepares the databases (generate, ingest, list) without scanning; ``--rescan``
then generates again (labels follow the current readings) and scans a copy of the loaded
database when the generated tables are byte-identical to the ones loaded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = ROOT / "benchmarks" / "data" / "quality"
UN_LIST = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
#: the synthetic lost/stolen travel document list TF-DOC-01's planter draws its numbers from
DOC_LIST = ROOT / "engine" / "screening" / "data" / "sample_lost_stolen_documents_2026-11-30.csv"
LOAD_DOCS = ["lists", "load", str(DOC_LIST), "--format", "documents-csv", "--name", "lost_stolen_sample"]
CTFMON = str(Path(sys.executable).with_name("ctfmon"))


def _run(args: list[str], ok: tuple[int, ...] = (0,)) -> float:
    t = time.perf_counter()
    r = subprocess.run([CTFMON, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode not in ok:
        raise SystemExit(f"ctfmon {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return round(time.perf_counter() - t, 1)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one(seed: int, n: int, profile: str, reuse: bool, rescan: bool | str = False) -> dict[str, Any]:
    d = DATA / f"{profile}-{n}-{seed}"
    data, db, out = d / "data", d / "ctfmon.duckdb", d / "evaluation.json"
    loaded = d / "loaded.duckdb"  # ingested, list loaded, not scanned
    secs: dict[str, float] = {}
    if rescan and loaded.exists() and (d / "loaded.ok").exists():
        # generate again (the labels follow the current readings); when the transactions are
        # the same as the ones loaded, scan a copy of the loaded database instead of ingesting
        shutil.rmtree(data, ignore_errors=True)
        secs["generate"] = _run(["generate", "--out", str(data), "--seed", str(seed), "--transactions", str(n),
                                 "--profile", profile])
        before = json.loads((d / "loaded.ok").read_text())
        if all(_digest(data / f) == h for f, h in before["digests"].items()):
            print(f"seed {seed}: same data as loaded; rescanning", flush=True)
            secs.update({k: v for k, v in before["seconds"].items() if k not in secs})
            shutil.copyfile(loaded, db)
            if not before.get("documents"):  # loaded before the document list was
                secs["lists_load_documents"] = _run([*LOAD_DOCS, "--db", str(db)])
            secs["scan"] = _run(["scan", "--db", str(db)])
            print(f"seed {seed}: scanned in {secs['scan']}s", flush=True)
            (d / "scanned.ok").write_text(json.dumps(secs))
            reuse = True
        else:
            print(f"seed {seed}: data changed since loading; starting over", flush=True)
    if not (reuse and (d / "scanned.ok").exists()):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        secs["generate"] = _run(["generate", "--out", str(data), "--seed", str(seed), "--transactions", str(n),
                                 "--profile", profile])
        print(f"seed {seed}: generated in {secs['generate']}s", flush=True)
        secs["ingest"] = _run(["ingest", str(data), "--db", str(db)], ok=(0, 3))
        print(f"seed {seed}: ingested in {secs['ingest']}s", flush=True)
        secs["lists_load"] = _run(["lists", "load", str(UN_LIST), "--db", str(db)])
        secs["lists_load_documents"] = _run([*LOAD_DOCS, "--db", str(db)])
        shutil.copyfile(db, loaded)
        tables = sorted(p.name for p in data.iterdir() if p.name not in ("labels.parquet", "manifest.json",
                                                                          "background.parquet"))
        (d / "loaded.ok").write_text(json.dumps({"seconds": dict(secs), "documents": True,
                                                 "digests": {f: _digest(data / f) for f in tables}}))
        if rescan == "load-only":
            return {}
        secs["scan"] = _run(["scan", "--db", str(db)])
        print(f"seed {seed}: scanned in {secs['scan']}s", flush=True)
        (d / "scanned.ok").write_text(json.dumps(secs))
    else:
        secs = json.loads((d / "scanned.ok").read_text())
    secs["evaluate"] = _run(["evaluate", "--labels", str(data), "--db", str(db), "--json", str(out), "--force"])
    res = json.loads(out.read_text())
    return {"seed": seed, "transactions": n, "profile": profile, "seconds": secs, "evaluation": res}


def table(run: dict[str, Any]) -> str:
    ev = run["evaluation"]
    pop = ev["population"]

    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    head = (f"seed {run['seed']}, {run['transactions']:,} transactions, profile {run['profile']}: "
            f"{pop['parties']:,} parties, {pop['background_parties']:,} background")
    lines = [head, f"{'typology':<12} {'inst':>5} {'R':>6} {'P':>6} {'P*':>6} {'rows':>8} {'bg':>6} {'bg/1k':>8}  top FP kind"]
    for tid, r in [*ev["typologies"].items(), ("ALL", ev["all"])]:
        top = r["false_positive_kinds"][0] if r["false_positive_kinds"] else None
        lines.append(f"{tid:<12} {r['instances']:>5} {f(r['subject']['recall']):>6} {f(r['subject']['precision']):>6} "
                     f"{f(r['subject_excluding_other_planted']['precision']):>6} {r['alert_rows']:>8,} "
                     f"{r['background_parties_alerted']:>6,} {f(r['background_per_1000']):>8}  "
                     + (f"{top['kind']} ({top['parties']:,})" if top else ""))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="7,11", help="comma-separated seeds")
    ap.add_argument("--transactions", type=int, default=2_000_000)
    ap.add_argument("--profile", default="realistic", choices=["realistic", "clean", "hard"])
    ap.add_argument("--reuse", action="store_true", help="reuse a scanned database from an earlier run")
    ap.add_argument("--rescan", action="store_true",
                    help="generate again and, when the transactions are unchanged, scan the loaded database of an "
                         "earlier run again (after detector changes) instead of ingesting")
    ap.add_argument("--load-only", action="store_true", help="generate, ingest and load the list; no scan")
    args = ap.parse_args()
    runs = []
    for seed in [int(s) for s in args.seeds.split(",") if s.strip()]:
        run = one(seed, args.transactions, args.profile, args.reuse, "load-only" if args.load_only else args.rescan)
        if not run:
            continue
        print(table(run), flush=True)
        runs.append(run)
    if not runs:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = "" if args.profile == "realistic" else f"_{args.profile}"
    out = RESULTS / f"bench_quality{tag}_{args.transactions}.json"
    out.write_text(json.dumps({"command": " ".join(sys.argv), "runs": runs}, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
