"""Generator throughput: `ctfmon generate` for N transactions (default 10M), in a fresh process.

Prints rows, wall seconds, CPU seconds, rows/s and the generating process's peak RSS, and
writes benchmarks/results/bench_datagen.json.  Targets (2 cores): 10M transactions in
<= 60 s and <= 6 GB peak RSS.

    .venv/bin/python benchmarks/bench_datagen.py --transactions 10000000 [--format parquet] [--profile realistic|clean|hard]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def run(n: int, fmt: str, profile: str, seed: int) -> dict[str, object]:
    out = Path(tempfile.mkdtemp(prefix="bench_datagen_"))
    cmd = [sys.executable, "-c", "from cli.main import main; main()", "generate", "--out", str(out / "data"),
           "--seed", str(seed), "--transactions", str(n), "--format", fmt, "--profile", profile]
    t0 = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    cpu = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
            t = proc.cpu_times()
            cpu = t.user + t.system
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"generate failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    manifest = json.loads((out / "data" / "manifest.json").read_text())
    size = sum(p.stat().st_size for p in (out / "data").iterdir())
    shutil.rmtree(out, ignore_errors=True)
    return {
        "transactions": n, "format": fmt, "profile": profile, "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2), "rows_per_s": round(n / wall), "peak_rss_mb": round(peak / 2**20),
        "output_mb": round(size / 2**20, 1), "row_counts": manifest["row_counts"],
        "planted": sum(manifest["planted"].values()), "lookalikes": sum(manifest["benign"].values()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--transactions", type=int, default=10_000_000)
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv", "jsonl"])
    ap.add_argument("--profile", default="realistic", choices=["realistic", "clean", "hard"])
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    r = run(args.transactions, args.format, args.profile, args.seed)
    r["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_1m": round(os.getloadavg()[0], 2)}
    r["targets"] = {"seconds": 60, "peak_rss_mb": 6144}
    print(f"{'rows':>12} {'seconds':>8} {'cpu s':>8} {'rows/s':>10} {'peak RSS MB':>12} {'output MB':>10}")
    print(f"{r['transactions']:>12,} {r['seconds']:>8} {r['cpu_seconds']:>8} {r['rows_per_s']:>10,} "
          f"{r['peak_rss_mb']:>12,} {r['output_mb']:>10}")
    ok = r["seconds"] <= 60 and r["peak_rss_mb"] <= 6144  # type: ignore[operator]
    print("within targets" if ok else "OUTSIDE targets (60 s, 6 GB)", f"(1-min load average {r['machine']['load_avg_1m']})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_datagen.json").write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
