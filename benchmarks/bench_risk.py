"""Party risk rating: how well the score ranks planted subjects above background, and its speed.

Generates a world with ``ctfmon generate`` (seed 7, 2M transactions by default), ingests it,
loads the shipped UN list and scans with every typology (each scan rates all parties), then
rates the parties twice more, timed:

- ``full``: the shipped weights (engine/reference/risk_weights.yaml);
- ``profile only``: the same weights with the four factors that read alerts and cases
  (alert_history, case_history, network_exposure, sanctions_match) set to 0 and their
  override rules dropped, so that the figure does not measure the detectors.

Positives: parties labelled ``subject`` of a planted typology.  Background: parties in no
label at all.  Look-alikes: subjects of ``benign:`` look-alikes (reported separately: they are
built to resemble the typologies).  Figures: ROC AUC (Mann-Whitney, ties count half) of
positives vs background and of positives vs background plus look-alikes, the tier
distribution per group, and rating seconds (wall and CPU, median of ``--repeat``).  Results in benchmarks/results/bench_risk.json.

    .venv/bin/python benchmarks/bench_risk.py                       # 2M transactions, seed 7
    .venv/bin/python benchmarks/bench_risk.py --transactions 200000  # quick look
    .venv/bin/python benchmarks/bench_risk.py --profile clean        # or hard
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
CTFMON = str(Path(sys.executable).with_name("ctfmon"))
UN_LIST = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
ALERT_FACTORS = ("alert_history", "case_history", "network_exposure", "sanctions_match")


def run(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([CTFMON, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def cpu_seconds() -> float:
    """CPU time of this process so far (DuckDB's threads included): a figure load on the machine does not inflate."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    """ROC AUC by ranks (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transactions", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", default="realistic", help="generator profile (ctfmon generate --profile)")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "data" / "risk_cache")
    ap.add_argument("--out", type=Path, default=RESULTS / "bench_risk.json")
    ap.add_argument("--repeat", type=int, default=3, help="ratings per variant (the median time is shown)")
    a = ap.parse_args()

    from engine import risk, store

    tag = f"seed{a.seed}_{a.transactions}_{a.profile}"
    data, db = a.work / tag, a.work / f"{tag}.duckdb"
    timings: dict[str, float] = {}
    if not (data / "labels.parquet").exists():
        data.mkdir(parents=True, exist_ok=True)
        timings["generate_s"] = run("generate", "--out", str(data), "--seed", str(a.seed),
                                    "--transactions", str(a.transactions), "--profile", a.profile)
    if not db.exists():
        timings["ingest_s"] = run("ingest", str(data), "--db", str(db))
        run("lists", "load", str(UN_LIST), "--db", str(db), "--no-rescreen")
        timings["scan_with_rating_s"] = run("scan", "--db", str(db))

    labels = pl.read_parquet(data / "labels.parquet")
    party_labels = labels.filter(pl.col("entity_type") == "party")
    subjects = party_labels.filter(pl.col("role") == "subject")
    planted = subjects.filter(~pl.col("typology_id").str.starts_with("benign:"))
    lookalike = subjects.filter(pl.col("typology_id").str.starts_with("benign:"))
    pos_ids = set(planted["entity_id"])
    look_ids = set(lookalike["entity_id"]) - pos_ids
    labelled = set(party_labels["entity_id"])

    con = store.connect(db)
    full = risk.load_weights()
    data_w = full.model_dump()
    for f in ALERT_FACTORS:
        data_w["factors"][f]["weight"] = 0
    data_w["overrides"] = [o for o in data_w["overrides"] if o["factor"] not in ALERT_FACTORS]
    data_w["version"] = f"{full.version}+profile-only"
    profile_only = risk.parse_weights(data_w, "profile-only variant")

    results: dict[str, object] = {
        "transactions": a.transactions, "seed": a.seed, "profile": a.profile, "weights_version": full.version,
        "positives": len(pos_ids), "lookalikes": len(look_ids), "timings": timings, "variants": {},
        "load_average_before": os.getloadavg(),
    }
    rows = []
    for name, w in (("full", full), ("profile only", profile_only)):
        runs, cpus = [], []
        for _ in range(a.repeat):
            c0 = cpu_seconds()
            runs.append(risk.rate_parties(con, w, triggered_by="bench"))
            cpus.append(round(cpu_seconds() - c0, 3))
        run_ = runs[-1]
        seconds = sorted(r.seconds for r in runs)[len(runs) // 2]  # median
        cpu = sorted(cpus)[len(cpus) // 2]
        frame = con.sql("SELECT party_id, score, tier FROM party_risk_current").pl()
        group = (pl.when(pl.col("party_id").is_in(list(pos_ids))).then(pl.lit("planted"))
                 .when(pl.col("party_id").is_in(list(look_ids))).then(pl.lit("look-alike"))
                 .when(pl.col("party_id").is_in(list(labelled))).then(pl.lit("other labelled"))
                 .otherwise(pl.lit("background")))
        frame = frame.with_columns(group.alias("group"))
        sc = {g: frame.filter(pl.col("group") == g)["score"].to_numpy() for g in
              ("planted", "look-alike", "background")}
        a_bg = auc(sc["planted"], sc["background"])
        a_all = auc(sc["planted"], np.concatenate([sc["background"], sc["look-alike"]]))
        a_look = auc(sc["planted"], sc["look-alike"])
        tiers = {
            g: {t: int(n) for t, n in frame.filter(pl.col("group") == g).group_by("tier").len().iter_rows()}
            for g in ("planted", "look-alike", "background", "other labelled")
        }
        per_typ = []
        for tid, ids in planted.group_by("typology_id").agg(pl.col("entity_id").unique()).sort("typology_id").iter_rows():
            s = frame.filter(pl.col("party_id").is_in(ids))
            per_typ.append({"typology_id": tid, "subjects": s.height,
                            "auc_vs_background": auc(s["score"].to_numpy(), sc["background"]),
                            "medium_or_high": int(s.filter(pl.col("tier") != "low").height)})
        results["variants"][name] = {  # type: ignore[index]
            "auc_vs_background": a_bg, "auc_vs_background_and_lookalikes": a_all, "auc_vs_lookalikes": a_look,
            "tiers": tiers, "tiers_all": run_.tiers, "rating_seconds_median": seconds,
            "rating_seconds_all": [r.seconds for r in runs], "rating_cpu_seconds_median": cpu,
            "rating_cpu_seconds_all": cpus, "parties": run_.parties,
            "per_typology": per_typ,
        }
        rows.append((name, a_bg, a_all, a_look, run_.tiers, seconds, cpu, run_.parties, tiers["planted"]))
    con.close()
    results["load_average_after"] = os.getloadavg()

    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    print(f"\nparty risk rating, {a.transactions:,} transactions, seed {a.seed}, profile {a.profile}, "
          f"{len(pos_ids)} planted subjects, {len(look_ids)} look-alike subjects; load average "
          f"{results['load_average_before'][0]:.1f} -> {results['load_average_after'][0]:.1f}")
    print(f"{'variant':<14} {'AUC bg':>7} {'AUC bg+look':>12} {'AUC look':>9} {'parties':>8} "
          f"{'low':>7} {'medium':>7} {'high':>6} {'planted M/H':>12} {'wall s':>7} {'CPU s':>6}")
    for name, a_bg, a_all, a_look, tiers, secs, cpu, n, pt in rows:
        mh = pt.get("medium", 0) + pt.get("high", 0)
        print(f"{name:<14} {f(a_bg):>7} {f(a_all):>12} {f(a_look):>9} {n:>8,} {tiers['low']:>7,} "
              f"{tiers['medium']:>7,} {tiers['high']:>6,} {mh:>5}/{len(pos_ids):<6} {secs:>7.2f} {cpu:>6.2f}")
    print("\nper typology (full / profile only): AUC vs background, subjects rated medium or high")
    full_t = {r["typology_id"]: r for r in results["variants"]["full"]["per_typology"]}  # type: ignore[index]
    prof_t = {r["typology_id"]: r for r in results["variants"]["profile only"]["per_typology"]}  # type: ignore[index]
    for tid in sorted(full_t):
        x, y = full_t[tid], prof_t[tid]
        print(f"  {tid:<12} n={x['subjects']:<4} {f(x['auc_vs_background'])} / {f(y['auc_vs_background'])}   "
              f"M/H {x['medium_or_high']}/{x['subjects']} / {y['medium_or_high']}/{y['subjects']}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwritten {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out}")


if __name__ == "__main__":
    main()
