"""API benchmark: the case queue under load against a real uvicorn server on loopback.

1. builds a database with N synthetic alerts over M subjects (inserted directly) and
   groups them into cases with ``sync_cases`` (timed);
2. starts ``ctfmon serve`` on 127.0.0.1 (scheduler off) and measures ``GET /cases``
   (page of 50, varying offsets and filters) sequentially: p50/p95/p99;
3. runs C concurrent clients (httpx, asyncio) for D seconds over a mix of
   ``GET /cases``, ``GET /cases/{id}`` and ``GET /alerts``: throughput, latency
   percentiles and errors.

Targets: sequential GET /cases p95 <= 50 ms; no errors under concurrency.
Writes ``benchmarks/results/bench_api.json``.

    .venv/bin/python benchmarks/bench_api.py [--alerts 100000] [--cases 20000] [--clients 50] [--duration 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import auth, cases, store  # noqa: E402

TYPOLOGIES = ["TF-CASH-01", "TF-CASH-02", "TF-XB-01", "TF-PASS-01", "ML-NET-01", "ML-NET-03", "TF-TBML-01",
              "TF-NPO-01", "SAN-02", "TF-DORM-01"]


def build(db: Path, n_alerts: int, n_subjects: int, seed: int = 7) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    con = store.connect(db)
    subj = rng.integers(0, n_subjects, n_alerts)
    subj[:n_subjects] = np.arange(n_subjects)  # every subject has at least one alert
    t0 = datetime(2026, 1, 1)
    starts = [t0 + timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 300, n_alerts)]
    frame = pl.DataFrame({
        "alert_id": [f"AL{i:07d}" for i in range(n_alerts)],
        "typology_id": [TYPOLOGIES[i] for i in rng.integers(0, len(TYPOLOGIES), n_alerts)],
        "subject_type": ["party"] * n_alerts,
        "subject_id": [f"P{s:06d}" for s in subj],
        "score": rng.uniform(0.2, 1.0, n_alerts).round(3),
        "window_start": starts,
        "window_end": [s + timedelta(days=7) for s in starts],
        "evidence": [[f"T{i:08d}"] for i in range(n_alerts)],
        "explanation": ["synthetic alert for the API benchmark"] * n_alerts,
        "details": ["{}"] * n_alerts,
        "scan_id": ["SC-BENCH"] * n_alerts,
        "created_at": [t0] * n_alerts,
    })
    t = time.perf_counter()
    con.register("_bench_alerts", frame.to_arrow())
    con.execute("INSERT INTO alerts SELECT alert_id, typology_id, subject_type, subject_id, score, window_start, "
                "window_end, evidence, explanation, CAST(details AS JSON), scan_id, created_at FROM _bench_alerts")
    con.unregister("_bench_alerts")
    insert_s = time.perf_counter() - t
    t = time.perf_counter()
    res = cases.sync_cases(con, actor="bench")
    sync_s = time.perf_counter() - t
    auth.add_user(con, "bench", "supervisor", actor="bench")
    token = auth.issue_token(con, "bench", actor="bench")[1]
    con.close()
    return {"insert_s": round(insert_s, 3), "sync_cases_s": round(sync_s, 3), "cases": res.cases_created,
            "alerts": res.alerts_added, "token": token}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.array(values), q)), 2) if values else float("nan")


def sequential(url: str, token: str, n: int, total_cases: int) -> dict[str, float]:
    lat: list[float] = []
    rnd = random.Random(1)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for _ in range(10):
            c.get("/cases", params={"limit": 50})
        for i in range(n):
            params: dict[str, object] = {"limit": 50, "offset": rnd.randrange(0, max(1, total_cases - 50))}
            if i % 4 == 1:
                params = {"limit": 50, "state": "new"}
            elif i % 4 == 2:
                params = {"limit": 50, "min_risk": 0.8}
            elif i % 4 == 3:
                params = {"limit": 50, "typology": rnd.choice(TYPOLOGIES)}
            t = time.perf_counter()
            r = c.get("/cases", params=params)
            lat.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
            assert len(r.json()["items"]) == 50
    return {"requests": n, "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99),
            "max_ms": round(max(lat), 2)}


def endpoints(url: str, token: str, case_ids: list[str], n: int = 60) -> dict[str, dict[str, float]]:
    """Sequential latency of the other read endpoints the concurrent mix uses."""
    out: dict[str, dict[str, float]] = {}
    rnd = random.Random(2)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for label, call in (
            ("GET /cases/{id}", lambda: c.get(f"/cases/{rnd.choice(case_ids)}")),
            ("GET /alerts?min_score=0.9", lambda: c.get("/alerts", params={"limit": 50, "min_score": 0.9})),
        ):
            lat: list[float] = []
            for _ in range(n):
                t = time.perf_counter()
                r = call()
                lat.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            out[label] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95)}
    return out


async def concurrent(url: str, token: str, clients: int, duration: float, case_ids: list[str]) -> dict[str, object]:
    lat: list[float] = []
    errors: dict[str, int] = {}
    stop = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(k: int, c: httpx.AsyncClient) -> None:
        rnd = random.Random(k)
        while time.perf_counter() < stop:
            pick = rnd.random()
            if pick < 0.6:
                path, params = "/cases", {"limit": 50, "offset": rnd.randrange(0, 5000)}
            elif pick < 0.85:
                path, params = f"/cases/{rnd.choice(case_ids)}", {}
            else:
                path, params = "/alerts", {"limit": 50, "min_score": 0.9}
            t = time.perf_counter()
            try:
                r = await c.get(path, params=params)
                if r.status_code != 200:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            lat.append((time.perf_counter() - t) * 1000)

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 limits=limits) as c:
        await asyncio.gather(*(worker(k, c) for k in range(clients)))
    elapsed = time.perf_counter() - t0
    return {"clients": clients, "duration_s": round(elapsed, 1), "requests": len(lat),
            "throughput_rps": round(len(lat) / elapsed, 1), "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95),
            "p99_ms": pct(lat, 99), "errors": errors, "error_count": sum(errors.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--alerts", type=int, default=100_000)
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--sequential", type=int, default=400)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bench_api.json")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="ctfmon-bench-api-") as tmp:
        db = Path(tmp) / "bench.duckdb"
        print(f"building {args.alerts:,} alerts over {args.cases:,} subjects ...", flush=True)
        built = build(db, args.alerts, args.cases)
        token = built.pop("token")
        print(f"  insert {built['insert_s']} s, sync_cases {built['sync_cases_s']} s -> {built['cases']:,} cases",
              flush=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (Path(tmp) / "server.log").open("w")
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "ctfmon"), "serve", "--db", str(db), "--port", str(port),
             "--no-scheduler", "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 120
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("server did not start")
                time.sleep(0.3)
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
                case_ids = [x["case_id"] for x in c.get("/cases", params={"limit": 500}).json()["items"]]
            seq = sequential(url, token, args.sequential, built["cases"])
            print(f"GET /cases (page of 50), sequential: p50 {seq['p50_ms']} ms, p95 {seq['p95_ms']} ms, "
                  f"p99 {seq['p99_ms']} ms", flush=True)
            other = endpoints(url, token, case_ids)
            for label, v in other.items():
                print(f"{label}, sequential: p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms", flush=True)
            conc = asyncio.run(concurrent(url, token, args.clients, args.duration, case_ids))
            print(f"{args.clients} concurrent clients for {conc['duration_s']} s: {conc['requests']:,} requests, "
                  f"{conc['throughput_rps']} req/s, p50 {conc['p50_ms']} ms, p95 {conc['p95_ms']} ms, "
                  f"p99 {conc['p99_ms']} ms, errors {conc['error_count']}", flush=True)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    result = {
        "benchmark": "bench_api", "at": datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "data": {"alerts": args.alerts, "subjects": args.cases, **built},
        "get_cases_sequential": seq, "other_endpoints_sequential": other, "concurrent": conc,
        "targets": {"get_cases_p95_ms": 50, "errors": 0},
        "passed": {"get_cases_p95": seq["p95_ms"] <= 50, "no_errors": conc["error_count"] == 0},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
