"""Real-time scoring benchmark: POST /score/transaction under 20 concurrent clients.

1. builds (once, cached under ``benchmarks/data/realtime-<n>-<seed>/``) a database of N
   generated transactions (realistic profile): generate, ingest, the shipped UN list and the
   sample lost/stolen document list loaded, every party risk-rated;
2. starts ``ctfmon serve`` (uvicorn, scheduler off) on loopback with an admin token;
3. makes the workload: transactions drawn at random from the database, given new ids and
   timestamps after the data's end (live payments between the same accounts, names and
   countries), plus a share of them sent with ``"record": true``;
4. one request first (the scorer builds its state from the 2M rows: timed), then C clients
   (httpx, asyncio, closed loop: each sends its next request when the last one answered) for
   D seconds: throughput, latency percentiles, errors, verdicts; then the batch form.

Targets (issue 18): p95 <= 50 ms and p99 <= 150 ms with 20 concurrent clients over 2M
transactions.  Writes ``benchmarks/results/bench_realtime.json``.

    .venv/bin/python benchmarks/bench_realtime.py [--transactions 2000000] [--clients 20] [--duration 30]
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
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import auth, store  # noqa: E402

CTFMON = str(Path(sys.executable).parent / "ctfmon")
UN_LIST = ROOT / "engine/screening/data/un_consolidated_2026-02-27.xml"
DOC_LIST = ROOT / "engine/screening/data/sample_lost_stolen_documents_2026-11-30.csv"
FIELDS = ("channel", "from_account", "to_account", "amount", "currency", "originator_name", "originator_country",
          "beneficiary_name", "beneficiary_country", "location_country", "location_city", "merchant_category",
          "reference")


def run(cmd: list[str], log: Path) -> float:
    t = time.perf_counter()
    with log.open("w") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT)
    return round(time.perf_counter() - t, 1)


def build(n: int, seed: int, profile: str) -> tuple[Path, dict[str, float]]:
    d = ROOT / "benchmarks" / "data" / f"realtime-{n}-{seed}-{profile}"
    db = d / "ctfmon.duckdb"
    if db.exists():
        return db, {}
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / "building.duckdb"
    tmp.unlink(missing_ok=True)
    steps = {
        "generate_s": run([CTFMON, "generate", "--out", str(d / "data"), "--seed", str(seed), "--transactions",
                           str(n), "--profile", profile], d / "generate.log"),
        "ingest_s": run([CTFMON, "ingest", str(d / "data"), "--db", str(tmp)], d / "ingest.log"),
        "lists_s": run([CTFMON, "lists", "load", str(UN_LIST), "--db", str(tmp), "--no-rescreen"], d / "lists.log")
        + run([CTFMON, "lists", "load", str(DOC_LIST), "--format", "documents-csv", "--name", "lost_stolen_sample",
               "--db", str(tmp), "--no-rescreen"], d / "documents.log"),
        "risk_rate_s": run([CTFMON, "risk", "rate", "--db", str(tmp)], d / "risk.log"),
    }
    tmp.rename(db)
    for p in d.glob("building.duckdb*"):
        p.rename(d / p.name.replace("building", "ctfmon"))
    (d / "build.json").write_text(json.dumps(steps))
    return db, steps


def workload(db: Path, k: int, seed: int, record_share: float) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    con = store.connect(db)
    try:
        if not auth.list_users(con) or "bench-admin" not in {u["name"] for u in auth.list_users(con)}:
            auth.add_user(con, "bench-admin", "admin", actor="bench")
        token = auth.issue_token(con, "bench-admin", actor="bench")[1]
        n_txn, end = con.execute("SELECT count(*), max(timestamp) FROM transactions").fetchone()  # type: ignore[misc]
        cols = ", ".join(FIELDS)
        rows = con.execute(f"SELECT {cols} FROM transactions USING SAMPLE reservoir({k} ROWS) REPEATABLE ({seed})"
                           ).fetchall()
    finally:
        con.close()
    rng = random.Random(seed)
    stamp = datetime.now().strftime("%H%M%S")
    items = []
    for i, r in enumerate(rows):
        t = {k2: (str(v) if k2 == "amount" else v) for k2, v in zip(FIELDS, r, strict=True) if v is not None}
        t["txn_id"] = f"RT-{stamp}-{i:07d}"
        t["timestamp"] = (end + timedelta(seconds=30 * i)).isoformat()
        items.append({"transaction": t, "record": rng.random() < record_share})
    return token, items, {"transactions_on_file": int(n_txn), "data_end": end.isoformat()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return round(v[min(len(v) - 1, int(q * len(v)))], 2)


async def concurrent(url: str, token: str, clients: int, duration: float, items: list[dict[str, Any]],
                     path: str = "/score/transaction", batch: int = 1) -> dict[str, Any]:
    lat: list[float] = []
    errors: dict[str, int] = {}
    verdicts: dict[str, int] = {}
    fired: dict[str, int] = {}
    server_ms: list[float] = []
    nxt = [0]
    stop_at = time.perf_counter() + duration

    def take() -> list[dict[str, Any]]:
        out = items[nxt[0] % len(items): nxt[0] % len(items) + batch]
        nxt[0] += batch
        return out

    async def worker(c: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            got = take()
            body = got[0] if batch == 1 else {"transactions": [g["transaction"] for g in got], "record": False}
            t = time.perf_counter()
            try:
                r = await c.post(path, json=body)
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            lat.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                key = f"{r.status_code}: {r.text[:120]}"
                errors[key] = errors.get(key, 0) + 1
                continue
            for dec in r.json()["decisions"] if batch > 1 else [r.json()]:
                verdicts[dec["verdict"]] = verdicts.get(dec["verdict"], 0) + 1
                server_ms.append(dec["latency_ms"])
                for f in dec["fired"]:
                    fired[f] = fired.get(f, 0) + 1

    t0 = time.perf_counter()
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 limits=limits) as c:
        await asyncio.gather(*(worker(c) for _ in range(clients)))
    took = time.perf_counter() - t0
    return {"clients": clients, "batch": batch, "duration_s": round(took, 1), "requests": len(lat),
            "records": sum(verdicts.values()), "throughput_rps": round(len(lat) / took, 1),
            "records_per_s": round(sum(verdicts.values()) / took, 1),
            "p50_ms": pct(lat, 0.50), "p95_ms": pct(lat, 0.95), "p99_ms": pct(lat, 0.99), "max_ms": pct(lat, 1.0),
            "server_p50_ms": pct(server_ms, 0.5), "server_p95_ms": pct(server_ms, 0.95),
            "errors": errors, "error_count": sum(errors.values()), "verdicts": verdicts, "fired": fired}


def in_process(db: Path, items: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """The scorer alone (no HTTP): CPU per record, one request at a time and 20 at a time."""
    from concurrent.futures import wait

    from engine.shared_db import SharedDatabase
    from services import typologies
    from services.realtime import Scorer

    sdb = SharedDatabase(db)
    scorer = Scorer(sdb, typologies.catalogue())
    out: dict[str, Any] = {}
    try:
        scorer.submit("transaction", [items[0]["transaction"]], record=False, actor="bench", many=False).result()
        for group in (1, 20):
            c0, t0, k = time.process_time(), time.perf_counter(), 0
            while k < n:
                futs = [scorer.submit("transaction", [items[1 + (k + i) % (len(items) - 1)]["transaction"]],
                                      record=False, actor="bench", many=False) for i in range(group)]
                wait(futs)
                k += group
            scorer.flush()
            out[f"cpu_ms_per_record_{group}_at_a_time"] = round((time.process_time() - c0) * 1000 / n, 3)
            out[f"wall_ms_per_record_{group}_at_a_time"] = round((time.perf_counter() - t0) * 1000 / n, 3)
    finally:
        scorer.stop()
        sdb.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transactions", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", default="realistic")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--requests", type=int, default=20_000, help="distinct transactions in the workload")
    ap.add_argument("--record-share", type=float, default=0.05, help="share of requests sent with record: true")
    ap.add_argument("--batch", type=int, default=50, help="records per request in the batch-form run (0: skip)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bench_realtime.json"))
    args = ap.parse_args()

    print(f"database: {args.transactions:,} transactions, seed {args.seed}, {args.profile} ...", flush=True)
    db, built = build(args.transactions, args.seed, args.profile)
    token, items, data = workload(db, args.requests, args.seed, args.record_share)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (db.parent / "server.log").open("w")
    proc = subprocess.Popen([CTFMON, "serve", "--db", str(db), "--port", str(port), "--no-scheduler",
                             "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 180
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.3)
        t = time.perf_counter()
        first = httpx.post(f"{url}/score/transaction", json={"transaction": items[-1]["transaction"]},
                           headers={"Authorization": f"Bearer {token}"}, timeout=600)
        first.raise_for_status()
        state_s = round(time.perf_counter() - t, 2)
        print(f"first request (builds the state from the data on file): {state_s} s", flush=True)
        asyncio.run(concurrent(url, token, args.clients, 3.0, items[-2000:]))  # warm-up
        cpu0 = cpu_seconds(proc.pid)
        single = asyncio.run(concurrent(url, token, args.clients, args.duration, items[:-2000]))
        single["server_cpu_ms_per_request"] = round((cpu_seconds(proc.pid) - cpu0) * 1000 / max(1, single["requests"]),
                                                    2)
        single["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        batch = (asyncio.run(concurrent(url, token, max(1, args.clients // 4), args.duration / 2, items[:-2000],
                                        "/score/transactions", args.batch)) if args.batch else None)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    inproc = in_process(db, items[:-2000], 2000)
    rows = [("POST /score/transaction", single)] + ([(f"POST /score/transactions ({args.batch} each)", batch)]
                                                   if batch else [])
    print(f"\n{'run':38} {'clients':>7} {'req/s':>8} {'rec/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>6}")
    for label, r in rows:
        print(f"{label:38} {r['clients']:>7} {r['throughput_rps']:>8} {r['records_per_s']:>8} {r['p50_ms']:>8} "
              f"{r['p95_ms']:>8} {r['p99_ms']:>8} {r['max_ms']:>8} {r['error_count']:>6}")
    print(f"verdicts: {single['verdicts']}  fired: {single['fired']}")
    print(f"the scorer alone (no HTTP), CPU per record: {inproc['cpu_ms_per_record_1_at_a_time']} ms one at a time, "
          f"{inproc['cpu_ms_per_record_20_at_a_time']} ms twenty at a time")
    print(f"server CPU per request: {single['server_cpu_ms_per_request']} ms; load average (1 min) at the end: "
          f"{single['load_average_1min_after']} on {os.cpu_count()} cores")
    result = {
        "benchmark": "bench_realtime", "at": datetime.now().isoformat(timespec="seconds"),
        "command": "benchmarks/bench_realtime.py " + " ".join(sys.argv[1:]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "data": {"transactions": args.transactions, "seed": args.seed, "profile": args.profile, **data,
                 "build": built}, "record_share": args.record_share,
        "first_request_s": state_s, "single": single, "batch": batch, "in_process": inproc,
        "targets": {"p95_ms": 50, "p99_ms": 150, "clients": 20},
        "met": bool(single["p95_ms"] <= 50 and single["p99_ms"] <= 150 and single["error_count"] == 0),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"targets p95 <= 50 ms, p99 <= 150 ms: {'met' if result['met'] else 'NOT met'}; wrote {args.out}")


if __name__ == "__main__":
    main()
