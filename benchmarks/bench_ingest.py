"""Ingest throughput: `ctfmon ingest` against a raw DuckDB load of the same file.

Writes N synthetic transactions (default 10M) as Parquet and CSV, then times, each in a
fresh database and a fresh process:

- `ctfmon ingest transactions.parquet` (validation, FX twins, duplicate checks, load);
- `ctfmon ingest transactions.csv`;
- a raw `INSERT INTO transactions SELECT * FROM read_parquet(...)` into the same table
  definition (no validation) - the floor the ingest is compared with.

Prints rows/s, the ratio to the raw load and each process's peak RSS, and writes
benchmarks/results/bench_ingest.json.  Targets (2 cores): >= 500k rows/s from Parquet,
within 4x of the raw load, peak RSS <= 6 GB.

    .venv/bin/python benchmarks/bench_ingest.py --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def make_transactions(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n_acc = max(1000, n // 50)
    start = np.datetime64("2026-01-01T00:00:00", "us")
    offsets = rng.integers(0, 365 * 86400, n).astype("timedelta64[s]").astype("timedelta64[us]")
    channels = np.array(["wire", "domestic_transfer", "card_payment", "cash_deposit", "atm_withdrawal", "remittance"])
    ch = channels[rng.choice(len(channels), n, p=[0.15, 0.35, 0.25, 0.1, 0.1, 0.05])]
    frm = rng.integers(0, n_acc, n)
    to = (frm + 1 + rng.integers(0, n_acc - 1, n)) % n_acc
    ids = pl.select(pl.lit("ACC") + pl.int_range(0, n_acc).cast(pl.String).str.zfill(8)).to_series()
    from_acc = ids.gather(frm)
    to_acc = ids.gather(to)
    currencies = np.array(["USD", "SGD", "PHP", "EUR", "JPY"])
    cur = currencies[rng.choice(len(currencies), n, p=[0.5, 0.2, 0.15, 0.1, 0.05])]
    amount = np.round(rng.lognormal(5.5, 1.4, n), 2) + 0.01
    df = pl.DataFrame(
        {
            "txn_id": pl.select(pl.lit("T") + pl.int_range(0, n).cast(pl.String).str.zfill(10)).to_series(),
            "timestamp": pl.Series(start + offsets),
            "channel": ch,
            "from_account": from_acc,
            "to_account": to_acc,
            "amount": amount,
            "currency": cur,
            "beneficiary_country": np.array(["SG", "PH", "US", "MY", "ID"])[rng.integers(0, 5, n)],
        }
    )
    return df.with_columns(
        pl.when(pl.col("channel") == "cash_deposit").then(None).otherwise(pl.col("from_account")).alias("from_account"),
        pl.when(pl.col("channel") == "atm_withdrawal").then(None).otherwise(pl.col("to_account")).alias("to_account"),
        pl.col("amount").round(2),
    )


def run_child(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS of the child in MB, output)."""
    script = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'s': dt, 'rss': rss, 'rc': p.returncode, 'out': p.stdout[-2000:] + p.stderr[-2000:]}))\n"
    )
    res = subprocess.run([sys.executable, "-c", script, *cmd], capture_output=True, text=True, check=True)
    d = json.loads(res.stdout.strip().splitlines()[-1])
    if d["rc"] not in (0, 3):
        raise SystemExit(f"command failed ({d['rc']}): {' '.join(cmd)}\n{d['out']}")
    return d["s"], d["rss"], d["out"]


RAW_LOAD = """
import sys, duckdb
from engine import store
con = store.connect(sys.argv[1])
con.execute("INSERT INTO transactions (txn_id, timestamp, channel, from_account, to_account, amount, currency, beneficiary_country) "
            "SELECT txn_id, timestamp, channel, from_account, to_account, amount, currency, beneficiary_country FROM read_parquet(?)", [sys.argv[2]])
print(con.execute("SELECT count(*) FROM transactions").fetchone()[0])
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--workdir", type=Path, default=None, help="where to write data (default: a temp dir)")
    ap.add_argument("--skip-csv", action="store_true")
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="ctfmon-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    pq = work / "transactions.parquet"
    csv = work / "transactions.csv"
    t = time.perf_counter()
    df = make_transactions(args.rows)
    df.write_parquet(pq)
    if not args.skip_csv:
        df.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S")).write_csv(csv)
    del df
    print(f"wrote {args.rows:,} rows in {time.perf_counter() - t:.1f}s to {work}")

    ctfmon = str(Path(sys.executable).with_name("ctfmon"))
    rows = []

    def fresh_db(name: str) -> Path:
        p = work / f"{name}.duckdb"
        for f in (p, p.with_suffix(".duckdb.wal")):
            if f.exists():
                f.unlink()
        return p

    s, rss, _ = run_child([sys.executable, "-c", RAW_LOAD, str(fresh_db("raw")), str(pq)])
    raw_s = s
    rows.append({"run": "raw DuckDB INSERT from Parquet", "seconds": s, "rows_per_s": args.rows / s, "ratio": 1.0, "peak_rss_mb": rss})
    s, rss, _ = run_child([ctfmon, "ingest", str(pq), "--db", str(fresh_db("pq"))])
    rows.append({"run": "ctfmon ingest Parquet", "seconds": s, "rows_per_s": args.rows / s, "ratio": s / raw_s, "peak_rss_mb": rss})
    if not args.skip_csv:
        s, rss, _ = run_child([ctfmon, "ingest", str(csv), "--db", str(fresh_db("csv"))])
        rows.append({"run": "ctfmon ingest CSV", "seconds": s, "rows_per_s": args.rows / s, "ratio": s / raw_s, "peak_rss_mb": rss})

    print(f"\n{'run':34} {'seconds':>8} {'rows/s':>12} {'x raw':>6} {'peak RSS MB':>12}")
    for r in rows:
        print(f"{r['run']:34} {r['seconds']:8.1f} {r['rows_per_s']:12,.0f} {r['ratio']:6.2f} {r['peak_rss_mb']:12,.0f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"rows": args.rows, "cpus": os.cpu_count(), "results": rows,
           "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    (RESULTS / "bench_ingest.json").write_text(json.dumps(out, indent=2))
    print(f"\nwrote {RESULTS / 'bench_ingest.json'}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
