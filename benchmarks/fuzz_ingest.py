"""Long fuzzing run of the ingest: the suite's harness (tests/test_ingest_fuzz.py) with many examples.

Generates hostile CSV, JSON Lines and Parquet files for every contract table and column
kind, ingests each into one in-memory database and checks the row accounting against an
independent count of the file's records, plus what was stored.  Prints how the files
ended (refused with exit 2, loaded, loaded again) with the rows read, loaded, quarantined
and duplicated, and writes benchmarks/results/fuzz_ingest.json.

    .venv/bin/python benchmarks/fuzz_ingest.py --examples 2000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import fuzz_ingest as fz  # noqa: E402
from test_ingest_fuzz import check_case  # noqa: E402

from engine import store  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=2000, help="examples per format")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    con = store.connect(":memory:")
    tally: dict[str, Counter[str]] = {}
    started = time.perf_counter()
    run = settings(max_examples=args.examples, deadline=None, derandomize=False, database=None,
                   suppress_health_check=list(HealthCheck))

    def body_for(fmt: str):  # type: ignore[no-untyped-def]
        def body(case) -> None:  # type: ignore[no-untyped-def]
            outcome = check_case(fmt, case, con)
            tally[fmt][outcome] += 1
            tally[fmt][f"{outcome}:{case[0].table}"] += 1
        return body

    for fmt, strategy in fz.STRATEGIES.items():
        tally[fmt] = Counter()
        run(given(strategy())(body_for(fmt)))()
    seconds = time.perf_counter() - started
    totals = {k: (con.execute(f"SELECT sum({k}) FROM ingest_batches").fetchall()[0][0] or 0)
              for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")}
    print(f"{'format':8} {'files':>6} {'refused':>8} {'loaded':>7} {'again':>6}")
    for fmt, c in tally.items():
        files = c["refused"] + c["loaded"] + c["again"]
        print(f"{fmt:8} {files:6} {c['refused']:8} {c['loaded']:7} {c['again']:6}")
    print(f"rows over all loaded files: {totals}; {seconds:.0f} s; every invariant held")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"examples_per_format": args.examples, "seconds": seconds, "rows": totals,
           "outcomes": {fmt: dict(c) for fmt, c in tally.items()}}
    (RESULTS / "fuzz_ingest.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
