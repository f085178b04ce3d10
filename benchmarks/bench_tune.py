"""Tuning sweep speed: the scan views prepared once and reused by every value (what
``ctfmon tune`` does) against a fresh preparation per value.

Generates N transactions (default 200,000; ``ctfmon generate``), ingests them into a
temporary database, then sweeps one parameter of one typology both ways (the same values,
each in a sandbox scan) and prints seconds per value and in total.  Results go to
benchmarks/results/bench_tune.json.

    .venv/bin/python benchmarks/bench_tune.py
    .venv/bin/python benchmarks/bench_tune.py --transactions 1000000 --typology TF-CASH-01 \
        --param min_transactions --values 2,3,4,5,6
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
CTFMON = str(Path(sys.executable).with_name("ctfmon"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=200_000)
    ap.add_argument("--typology", default="TF-CASH-01")
    ap.add_argument("--param", default="min_transactions")
    ap.add_argument("--values", default="2,3,4,5,6")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    from engine import scan, store, tuning, tuning_labels
    from engine.evaluate import load_labels
    from typologies import registry

    cat = registry.catalogue()
    values = args.values.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "data", Path(tmp) / "t.duckdb"
        subprocess.run([CTFMON, "generate", "--out", str(data), "--seed", str(args.seed), "--transactions",
                        str(args.transactions)], check=True, capture_output=True)
        subprocess.run([CTFMON, "ingest", str(data), "--db", str(db)], check=True, capture_output=True)
        con = store.connect(db)
        labels = tuning_labels.from_labels(con, load_labels(data), args.typology)
        t0 = time.perf_counter()
        swept = tuning.sweep(con, cat, args.typology, args.param, values, labels=labels)
        reuse_total = time.perf_counter() - t0
        con.close()
        con = store.connect(db)  # a fresh connection: nothing prepared
        fresh: list[float] = []
        for p in swept["points"]:
            t1 = time.perf_counter()
            scan.run_scan(con, cat, typology_ids=[args.typology], params={args.typology: {args.param: p["value"]}},
                          mode="sandbox", reuse_views=False)
            fresh.append(time.perf_counter() - t1)
        con.close()
    rows = [{"value": p["value"], "alerts": p["alerts"], "recall": p["recall"], "precision": p["precision"],
             "reuse_seconds": p["seconds"], "fresh_seconds": round(f, 3)} for p, f in zip(swept["points"], fresh,
                                                                                          strict=True)]
    print(f"{args.typology} {args.param} over {args.transactions:,} transactions")
    print(f"{'value':>8} {'alerts':>8} {'recall':>7} {'reuse s':>8} {'fresh s':>8}")
    for r in rows:
        print(f"{r['value']!s:>8} {r['alerts']:>8,} {r['recall'] if r['recall'] is not None else '-':>7} "
              f"{r['reuse_seconds']:>8.2f} {r['fresh_seconds']:>8.2f}")
    out = {"transactions": args.transactions, "typology": args.typology, "param": args.param, "points": rows,
           "reuse_total_seconds": round(reuse_total, 2), "fresh_total_seconds": round(sum(fresh), 2)}
    print(f"total: reuse {out['reuse_total_seconds']:.2f} s, fresh {out['fresh_total_seconds']:.2f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_tune.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
