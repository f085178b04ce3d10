"""Graph detectors on IBM AMLSim data: account-level precision and recall.

Imports an AMLSim output (default: the shared sample ``20K_fanin200cycle200.tgz``, 200
fan-in and 200 cycle patterns, fraud accounts marked per account) with
``datagen.importers.amlsim``, ingests it into a temporary database, runs ML-NET-01
(fan-in/fan-out) and ML-NET-03 (cycles) with their catalogue defaults, and compares the
accounts each detector names (the hub of a fan, every account of a cycle, taken from the
alert's subgraph) with the accounts AMLSim marks as fraudulent.

The sample layout does not say which fraud account belongs to which pattern type, so
per-detector precision is "share of the accounts it names that are fraud accounts" and
recall is reported for the union of both detectors over all fraud accounts, next to each
detector's own share.  When an AMLSim output with ``alert_accounts.csv`` is given, recall
is also computed per pattern type from its labels.

    .venv/bin/python benchmarks/bench_amlsim.py [AMLSIM_DIR_OR_TGZ] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from datagen.importers.amlsim import import_amlsim  # noqa: E402
from engine import store  # noqa: E402
from engine.detect.base import ScanContext  # noqa: E402
from engine.ingest import ingest_paths  # noqa: E402
from engine.scan import prepare_scan_views  # noqa: E402
from typologies import registry  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "fixtures" / "amlsim" / "20K_fanin200cycle200.tgz"
RESULTS = ROOT / "benchmarks" / "results" / "bench_amlsim.json"
DETECTORS = {"ML-NET-01": ("hub",), "ML-NET-03": ("origin", "member")}


def _named_accounts(alerts: list, roles: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for a in alerts:
        for n in a.details.get("nodes", []):
            if n.get("kind") == "account" and n.get("role") in roles:
                out.add(str(n["id"]))
    return out


def _prf(named: set[str], truth: set[str]) -> dict[str, float | int]:
    tp = len(named & truth)
    return {
        "named": len(named), "true": tp,
        "precision": round(tp / len(named), 4) if named else 0.0,
        "share_of_fraud_accounts": round(tp / len(truth), 4) if truth else 0.0,
    }


def run(src: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "contract"
        t0 = time.perf_counter()
        manifest = import_amlsim(src, out)
        t_import = time.perf_counter() - t0
        con = store.connect(Path(tmp) / "amlsim.duckdb")
        t0 = time.perf_counter()
        ingest_paths(con, [out])
        t_ingest = time.perf_counter() - t0
        labels = pl.read_csv(out / "labels.csv", infer_schema=False)
        lo, hi = con.sql("SELECT min(timestamp), max(timestamp) FROM transactions").fetchall()[0]
        prepare_scan_views(con, lo, hi)
        owner = dict(con.sql("SELECT party_id, account_id FROM accounts").fetchall())
        subj = labels.filter(pl.col("role") == "subject")
        truth = {owner.get(e, e) if t == "party" else e for t, e in subj.select("entity_type", "entity_id").iter_rows()}
        result: dict = {"source": str(src), "format": manifest["format"], "fraud_accounts": len(truth),
                        "import_s": round(t_import, 2), "ingest_s": round(t_ingest, 2), "detectors": {}}
        union: set[str] = set()
        for tid, roles in DETECTORS.items():
            cls = registry.catalogue().typology(tid)
            t0 = time.perf_counter()
            alerts = cls().detect(ScanContext(con, "bench-amlsim", lo, hi, cls.Params()))
            secs = time.perf_counter() - t0
            named = _named_accounts(alerts, roles)
            union |= named
            row = _prf(named, truth) | {"alerts": len(alerts), "seconds": round(secs, 2)}
            per_type = labels.filter((pl.col("typology_id") == tid) & (pl.col("role") == "subject"))
            if per_type.height:
                want = {owner.get(e, e) if t == "party" else e
                        for t, e in per_type.select("entity_type", "entity_id").iter_rows()}
                row["recall_own_type"] = round(len(named & want) / len(want), 4)
            result["detectors"][tid] = row
        result["union"] = _prf(union, truth) | {"recall": round(len(union & truth) / len(truth), 4) if truth else 0.0}
        con.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", nargs="?", default=str(DEFAULT), help="AMLSim output directory or .tgz")
    ap.add_argument("--out", default=str(RESULTS), help="JSON results file")
    args = ap.parse_args()
    res = run(Path(args.src))
    print(f"AMLSim {res['format']} ({res['source']}): {res['fraud_accounts']} fraud accounts; "
          f"import {res['import_s']} s, ingest {res['ingest_s']} s")
    print(f"{'detector':<10} {'alerts':>7} {'named':>6} {'fraud':>6} {'precision':>9} {'share':>7} {'own-type':>8} {'secs':>6}")
    for tid, r in res["detectors"].items():
        own = f"{r['recall_own_type']:.3f}" if "recall_own_type" in r else "-"
        print(f"{tid:<10} {r['alerts']:>7} {r['named']:>6} {r['true']:>6} {r['precision']:>9.3f} "
              f"{r['share_of_fraud_accounts']:>7.3f} {own:>8} {r['seconds']:>6}")
    u = res["union"]
    print(f"{'union':<10} {'':>7} {u['named']:>6} {u['true']:>6} {u['precision']:>9.3f} {u['recall']:>7.3f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
