"""Scan speed and memory: every registered typology over N transactions.

For each size (default 10M; ``--sizes 10000000,20000000`` also checks scaling) it
generates a dataset once (``ctfmon generate`` when that command is available, otherwise
a vectorised synthetic population written here), ingests it with ``ctfmon ingest`` into a
cached database with the shipped UN list and the synthetic lost/stolen document list loaded, then runs ``engine.scan.run_scan`` for all typologies in a fresh process
and reports per-typology seconds, alerts and the process's peak RSS.  Results go to
benchmarks/results/bench_scan.json.  Targets (2 cores): all typologies over 10M
transactions <= 120 s, peak RSS <= 8 GB, 20M <= 2.3x the 10M time.

``--profile`` picks the generator's profile (``clean`` by default; ``realistic`` is the
everyday world, ``hard`` the realistic world with subtler positives).  Given two profiles
(``--profile realistic,clean``) it scans both at every size and prints, per typology, the
scan cost per transaction (microseconds) side by side and the realistic/clean ratio (target:
at most 2x for every detector).  ``--repeat N`` scans each profile N times, interleaved, and
reports per typology the median seconds with the fastest-slowest range: sub-second detectors
on a shared machine vary by more than 2x from one scan to the next.  Beside wall seconds each
typology's CPU seconds (the scan process, all threads) are recorded, and the side-by-side
table gives their ratio too: CPU time moves much less with the machine's load.

    .venv/bin/python benchmarks/bench_scan.py                       # 10M, clean
    .venv/bin/python benchmarks/bench_scan.py --sizes 10000000,20000000
    .venv/bin/python benchmarks/bench_scan.py --sizes 2000000 --profile realistic,clean --out bench_scan_profiles.json
    .venv/bin/python benchmarks/bench_scan.py --sizes 2000000 --profile realistic,clean --repeat 5 \
        --typologies TF-CASH-01,TF-CASH-02 --out bench_scan_cash.json
    .venv/bin/python benchmarks/bench_scan.py --sizes 200000 --synthetic   # quick look
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "benchmarks" / "data" / "scan_cache"
CTFMON = str(Path(sys.executable).with_name("ctfmon"))
UN_LIST = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
DOC_LIST = ROOT / "engine" / "screening" / "data" / "sample_lost_stolen_documents_2026-11-30.csv"

COUNTRIES = np.array(["US", "SG", "PH", "MY", "ID", "GB", "DE", "FR", "AE", "TR", "PK", "KE", "SY", "IQ", "SO"])
COUNTRY_P = np.array([0.30, 0.12, 0.10, 0.08, 0.08, 0.06, 0.05, 0.05, 0.05, 0.03, 0.02, 0.02, 0.01, 0.02, 0.01])
CITIES = np.array(["North", "South", "East", "West", "Central", "Harbour", "Airport", "Old Town"])
MCCS = np.array(["5411", "5812", "5999", "4511", "3005", "4722", "5311", "6011", "7995", "5541"])
MCC_P = np.array([0.3, 0.2, 0.15, 0.03, 0.01, 0.01, 0.15, 0.05, 0.02, 0.08])


def _ids(prefix: str, n: int, width: int = 9) -> pl.Series:
    return pl.select(pl.lit(prefix) + pl.int_range(0, n).cast(pl.String).str.zfill(width)).to_series()


def synthetic(out: Path, n: int, seed: int = 11) -> None:
    """A contract-valid population with every channel the detectors read (vectorised)."""
    rng = np.random.default_rng(seed)
    n_par = max(1000, n // 100)
    n_acc = max(2000, n // 40)
    party_ids = _ids("P", n_par)
    ptype = np.where(rng.random(n_par) < 0.9, "individual", np.where(rng.random(n_par) < 0.8, "business", "npo"))
    pl.DataFrame({
        "party_id": party_ids, "party_type": ptype,
        "name": _ids("Person ", n_par), "country": COUNTRIES[rng.choice(len(COUNTRIES), n_par, p=COUNTRY_P)],
        "id_number": _ids("ID", n_par),
    }).write_parquet(out / "parties.parquet")
    acc_ids = _ids("A", n_acc)
    atype = np.array(["current", "savings", "prepaid_card", "loan", "business"])[
        rng.choice(5, n_acc, p=[0.6, 0.2, 0.1, 0.05, 0.05])]
    owner = party_ids.gather(rng.integers(0, n_par, n_acc))
    owned = rng.random(n_acc) < 0.95
    opened = np.datetime64("2020-01-01") + rng.integers(0, 1500, n_acc).astype("timedelta64[D]")
    pl.DataFrame({
        "account_id": acc_ids,
        "party_id": owner.to_frame("o").select(pl.when(pl.lit(pl.Series(owned))).then(pl.col("o"))).to_series(),
        "institution_id": "BANK1", "country": COUNTRIES[rng.choice(len(COUNTRIES), n_acc, p=COUNTRY_P)],
        "account_type": atype, "currency": "USD", "opened_on": opened,
    }).write_parquet(out / "accounts.parquet")

    channels = np.array(["domestic_transfer", "wire", "card_payment", "cash_deposit", "cash_withdrawal",
                         "atm_withdrawal", "prepaid_load", "remittance", "mobile_transfer"])
    ch = channels[rng.choice(len(channels), n, p=[0.3, 0.08, 0.3, 0.08, 0.04, 0.08, 0.03, 0.04, 0.05])]
    start = np.datetime64("2025-01-01T00:00:00", "us")
    ts = start + rng.integers(0, 540 * 86400, n).astype("timedelta64[s]").astype("timedelta64[us]")
    frm = rng.integers(0, n_acc, n)
    to = (frm + 1 + rng.integers(0, n_acc - 1, n)) % n_acc
    amount = np.round(np.minimum(rng.lognormal(5.2, 1.5, n), 900_000) + 1, 2)
    df = pl.DataFrame({
        "txn_id": _ids("T", n, 10), "timestamp": pl.Series(ts), "channel": ch,
        "from_account": acc_ids.gather(frm), "to_account": acc_ids.gather(to), "amount": amount,
        "currency": "USD",
        "originator_name": _ids("Person ", n_par).gather(rng.integers(0, n_par, n)),
        "beneficiary_country": COUNTRIES[rng.choice(len(COUNTRIES), n, p=COUNTRY_P)],
        "location_country": COUNTRIES[rng.choice(len(COUNTRIES), n, p=COUNTRY_P)],
        "location_city": CITIES[rng.integers(0, len(CITIES), n)],
        "merchant_category": MCCS[rng.choice(len(MCCS), n, p=MCC_P)],
    })
    c = pl.col("channel")
    df = df.with_columns(
        pl.when(c == "cash_deposit").then(None).otherwise(pl.col("from_account")).alias("from_account"),
        pl.when(c.is_in(["cash_withdrawal", "atm_withdrawal"])).then(None).otherwise(pl.col("to_account"))
        .alias("to_account"),
        pl.when(c == "card_payment").then(pl.col("merchant_category")).alias("merchant_category"),
        pl.when(c == "cash_deposit").then(pl.col("originator_name")).alias("originator_name"),
        pl.when(c.is_in(["wire", "remittance"])).then(pl.col("beneficiary_country")).alias("beneficiary_country"),
        pl.when(c.is_in(["cash_deposit", "cash_withdrawal", "atm_withdrawal", "card_payment"]))
        .then(pl.col("location_country")).alias("location_country"),
        pl.when(c.is_in(["cash_deposit", "cash_withdrawal", "atm_withdrawal"])).then(pl.col("location_city"))
        .alias("location_city"),
        pl.when(c.is_in(["cash_deposit", "cash_withdrawal"]))
        .then((pl.col("amount") * 3).clip(20, 15_000).round(2)).otherwise(pl.col("amount")).alias("amount"),
    )
    df.write_parquet(out / "transactions.parquet")
    m = max(100, n // 1000)
    pl.DataFrame({
        "declaration_id": _ids("CD", m), "timestamp": pl.Series(start + rng.integers(0, 540 * 86400, m)
                                                               .astype("timedelta64[s]").astype("timedelta64[us]")),
        "traveller_name": _ids("Person ", n_par).gather(rng.integers(0, n_par, m)),
        "party_id": party_ids.gather(rng.integers(0, n_par, m)),
        "direction": np.where(rng.random(m) < 0.5, "inbound", "outbound"), "port": "XYZ",
        "origin_country": COUNTRIES[rng.choice(len(COUNTRIES), m, p=COUNTRY_P)],
        "destination_country": COUNTRIES[rng.choice(len(COUNTRIES), m, p=COUNTRY_P)],
        "amount": np.round(rng.lognormal(9, 0.8, m) + 1, 2), "currency": "USD",
        "declared": rng.random(m) < 0.98,
        "transport_ref": pl.Series(np.char.add("FL", rng.integers(0, 300, m).astype(str))),
    }).write_parquet(out / "cash_declarations.parquet")


def has_generate() -> bool:
    r = subprocess.run([CTFMON, "generate", "--help"], capture_output=True, text=True)
    return r.returncode == 0


def dataset(n: int, seed: int, force_synthetic: bool, profile: str = "clean") -> tuple[Path, str]:
    """A cached ingested database of about n transactions; (db path, source)."""
    source = "synthetic" if force_synthetic or not has_generate() else "generate"
    d = CACHE / (f"{source}-{n}-{seed}" if source == "synthetic" else f"{source}-{profile}-{n}-{seed}")
    db = d / "ctfmon.duckdb"
    if db.exists() and (d / "ingested.ok").exists():
        return db, source
    if d.exists():
        shutil.rmtree(d)
    data = d / "data"
    data.mkdir(parents=True)
    t = time.perf_counter()
    if source == "generate":
        subprocess.run([CTFMON, "generate", "--out", str(data), "--seed", str(seed), "--transactions", str(n),
                        "--profile", profile],
                       check=True)
    else:
        synthetic(data, n, seed)
    gen_s = time.perf_counter() - t
    (d / "generate_seconds").write_text(f"{gen_s:.1f}")
    print(f"dataset {source} {profile} {n:,}: written in {gen_s:.0f}s", flush=True)
    t = time.perf_counter()
    r = subprocess.run([CTFMON, "ingest", str(data), "--db", str(db)], capture_output=True, text=True)
    if r.returncode not in (0, 3):
        raise SystemExit(f"ingest failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    print(f"dataset {source} {n:,}: ingested in {time.perf_counter() - t:.0f}s", flush=True)
    # the shipped UN list, so that the screening typologies (SAN-01, SAN-02) do their work
    subprocess.run([CTFMON, "lists", "load", str(UN_LIST), "--db", str(db)], check=True, capture_output=True)
    subprocess.run([CTFMON, "lists", "load", str(DOC_LIST), "--format", "documents-csv", "--name", "lost_stolen_sample",
                    "--db", str(db)], check=True, capture_output=True)
    (d / "ingested.ok").write_text("ok")
    return db, source


SCAN_CHILD = """
import json, resource, sys, time, shutil
from engine import store
from engine.scan import run_scan
from typologies import registry
src, dst, mem = sys.argv[1], sys.argv[2], sys.argv[3]
skip, only = set(filter(None, sys.argv[4].split(","))), set(filter(None, sys.argv[5].split(",")))
shutil.copyfile(src, dst)
con = store.connect(dst)
if mem:
    con.execute(f"SET memory_limit = '{mem}'")
n = con.execute("SELECT count(*) FROM transactions").fetchone()[0]
t = time.perf_counter()
catalogue = registry.catalogue()
ids = [t for t in catalogue if t not in skip and (not only or t in only)]
def cpu_now():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
cpu_at, cpu_secs = {}, {}
def progress(tid, stage, done, total):  # CPU seconds of the process (all threads) per typology
    if stage == "start":
        cpu_at[tid] = cpu_now()
    else:
        cpu_secs[tid] = round(cpu_now() - cpu_at[tid], 3)
res = run_scan(con, catalogue, typology_ids=ids, triggered_by="benchmark", on_progress=progress)
total = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"transactions": n, "seconds": total, "peak_rss_mb": rss, "status": res.status,
                  "cpu_seconds": cpu.ru_utime + cpu.ru_stime,
                  "timings": res.timings, "cpu_timings": cpu_secs, "counts": res.counts, "errors": res.errors}))
"""


def run_scan_child(db: Path, mem: str, exclude: str, only: str = "") -> dict:
    work = db.with_name("scan-run.duckdb")
    for f in (work, work.with_suffix(".duckdb.wal")):
        if f.exists():
            f.unlink()
    r = subprocess.run([sys.executable, "-c", SCAN_CHILD, str(db), str(work), mem, exclude, only], capture_output=True,
                       text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"scan failed:\n{r.stderr[-4000:]}")
    work.unlink(missing_ok=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def median_run(rs: list[dict]) -> dict:
    """One scan's figures from repeated scans of the same data: per typology (and in total) the
    median seconds, with the fastest and slowest in ``timings_spread`` / ``seconds_spread``; the
    machine's load average at the end of each scan in ``load``."""
    out = dict(rs[0])
    out["timings"] = {t: statistics.median(r["timings"][t] for r in rs) for t in rs[0]["timings"]}
    out["timings_spread"] = {t: [min(r["timings"][t] for r in rs), max(r["timings"][t] for r in rs)]
                             for t in rs[0]["timings"]}
    if all("cpu_timings" in r for r in rs):
        out["cpu_timings"] = {t: statistics.median(r["cpu_timings"][t] for r in rs) for t in rs[0]["cpu_timings"]}
        out["cpu_timings_spread"] = {t: [min(r["cpu_timings"][t] for r in rs), max(r["cpu_timings"][t] for r in rs)]
                                     for t in rs[0]["cpu_timings"]}
    for key in ("seconds", "cpu_seconds", "peak_rss_mb"):
        out[key] = statistics.median(r[key] for r in rs)
    out["seconds_spread"] = [min(r["seconds"] for r in rs), max(r["seconds"] for r in rs)]
    out["repeats"] = len(rs)
    out["load"] = "; ".join(r["load"] for r in rs)
    return out


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def side_by_side(runs: list[dict], profiles: list[str]) -> list[dict]:
    """Per size and typology: microseconds of scan per transaction in each profile (the median
    of the repeats, with the fastest-slowest range), and the ratio of the first profile's median
    to the second's (printed as a table)."""
    a, b = profiles[0], profiles[1]
    rows = []
    for n in sorted({r["requested"] for r in runs}):
        ra = next(r for r in runs if r["requested"] == n and r["profile"] == a)
        rb = next(r for r in runs if r["requested"] == n and r["profile"] == b)
        print(f"\n{n:,} transactions: scan microseconds per transaction, {a} beside {b} "
              f"(median of {ra.get('repeats', 1)}, range)")
        print(f"{'typology':14} {a:>10} {'range':>13} {b:>10} {'range':>13} {'ratio':>7} {'CPU ratio':>9}")
        tids = sorted(set(ra["timings"]) | set(rb["timings"]), key=lambda t: -ra["timings"].get(t, 0))
        for tid in [*tids, "ALL"]:
            sa = ra["seconds"] if tid == "ALL" else ra["timings"].get(tid)
            sb = rb["seconds"] if tid == "ALL" else rb["timings"].get(tid)
            if sa is None or sb is None:
                continue
            spa = ra.get("seconds_spread") if tid == "ALL" else ra.get("timings_spread", {}).get(tid)
            spb = rb.get("seconds_spread") if tid == "ALL" else rb.get("timings_spread", {}).get(tid)
            ua, ub = 1e6 * sa / ra["transactions"], 1e6 * sb / rb["transactions"]
            rga = [round(1e6 * x / ra["transactions"], 3) for x in (spa or [sa, sa])]
            rgb = [round(1e6 * x / rb["transactions"], 3) for x in (spb or [sb, sb])]
            ratio = ua / ub if ub > 0 else None
            row = {"transactions": n, "typology": tid, f"us_per_txn_{a}": round(ua, 3),
                   f"us_per_txn_{b}": round(ub, 3), f"range_{a}": rga, f"range_{b}": rgb,
                   "ratio": None if ratio is None else round(ratio, 2)}
            # CPU seconds (all threads) hold better than wall seconds when others load the machine
            ca = ra.get("cpu_seconds") if tid == "ALL" else ra.get("cpu_timings", {}).get(tid)
            cb = rb.get("cpu_seconds") if tid == "ALL" else rb.get("cpu_timings", {}).get(tid)
            cpu = ""
            if ca is not None and cb:
                row.update({f"cpu_us_per_txn_{a}": round(1e6 * ca / ra["transactions"], 3),
                            f"cpu_us_per_txn_{b}": round(1e6 * cb / rb["transactions"], 3),
                            "cpu_ratio": round((ca / ra["transactions"]) / (cb / rb["transactions"]), 2)})
                cpu = f" {row['cpu_ratio']:9.2f}"
            rows.append(row)
            flag = "  > 2x" if ratio is not None and ratio > 2 else ""
            print(f"{tid:14} {ua:10.3f} {rga[0]:6.3f}-{rga[1]:<6.3f} {ub:10.3f} {rgb[0]:6.3f}-{rgb[1]:<6.3f} "
                  f"{ratio if ratio is not None else float('nan'):7.2f}{cpu}{flag}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000000", help="comma-separated transaction counts")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--synthetic", action="store_true", help="use the built-in synthetic data even if generate exists")
    ap.add_argument("--memory-limit", default="6GB", help="DuckDB memory_limit for the scan process ('' = default)")
    ap.add_argument("--exclude", default="", help="comma-separated typology ids to leave out")
    ap.add_argument("--typologies", default="", help="comma-separated typology ids to run (default: all)")
    ap.add_argument("--profile", default="clean",
                    help="generator profile(s), comma-separated: clean, realistic, hard (two: side by side)")
    ap.add_argument("--out", default="bench_scan.json", help="results file name under benchmarks/results/")
    ap.add_argument("--repeat", type=int, default=1,
                    help="scans per size and profile (profiles interleaved); figures are medians, with min-max")
    args = ap.parse_args()
    if args.repeat < 1:
        raise SystemExit(f"--repeat {args.repeat}: expected 1 or more")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    profiles = [p.strip() for p in args.profile.split(",") if p.strip()]
    bad = [p for p in profiles if p not in ("clean", "realistic", "hard")]
    if bad or not profiles:
        raise SystemExit(f"--profile {args.profile!r}: expected clean, realistic or hard (comma-separated)")
    runs, raw = [], []
    for n in sizes:
        dbs = {profile: dataset(n, args.seed, args.synthetic, profile) for profile in profiles}
        got: dict[str, list[dict]] = {profile: [] for profile in profiles}
        for _ in range(args.repeat):  # interleaved, so that a change of machine load hits every profile
            for profile in profiles:
                got[profile].append(run_scan_child(dbs[profile][0], args.memory_limit, args.exclude, args.typologies)
                                    | {"load": load_average()})
        for profile in profiles:
            db, source = dbs[profile]
            res = median_run(got[profile])
            gen = db.parent / "generate_seconds"
            res.update(requested=n, source=source, profile=profile if source == "generate" else "synthetic",
                       memory_limit=args.memory_limit, excluded=args.exclude, selected=args.typologies or "all",
                       generate_seconds=float(gen.read_text()) if gen.exists() else None)
            runs.append(res)
            raw += [r | {"requested": n, "profile": res["profile"]} for r in got[profile]] if args.repeat > 1 else []
            print(f"\n{source} data ({res['profile']}), {res['transactions']:,} transactions: {len(res['timings'])} "
                  f"typologies {res['seconds']:.1f}s ({res.get('cpu_seconds', 0):.0f} CPU-s), "
                  f"peak RSS {res['peak_rss_mb']:,.0f} MB, status {res['status']}, load {res['load']}")
            print(f"{'typology':14} {'seconds':>8} {'min-max':>13} {'alerts':>8}")
            for tid, s in sorted(res["timings"].items(), key=lambda x: -x[1]):
                err = f"  ERROR {res['errors'][tid]}" if tid in res["errors"] else ""
                lo, hi = res["timings_spread"][tid]
                print(f"{tid:14} {s:8.2f} {lo:6.2f}-{hi:<6.2f} {res['counts'].get(tid, 0):8,}{err}")
    out: dict = {"runs": runs, "targets": {"seconds_10m": 120, "peak_rss_mb": 8192, "scaling_20m_over_10m": 2.3,
                                           "realistic_over_clean_per_txn": 2.0}}
    if raw:
        out["repeat"] = args.repeat
        out["raw_runs"] = raw
    if len(profiles) >= 2:
        out["side_by_side"] = side_by_side(runs, profiles)
    elif len(runs) >= 2:
        out["scaling"] = runs[-1]["seconds"] / runs[0]["seconds"]
        print(f"\nscaling {runs[-1]['transactions']:,} / {runs[0]['transactions']:,}: {out['scaling']:.2f}x")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {RESULTS / args.out}")


if __name__ == "__main__":
    main()
