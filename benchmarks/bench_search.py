"""Search and party-page benchmark on an existing database (e.g. a 2M-transaction one).

Times :func:`services.search.search` for a mix of queries drawn from the database itself
(exact names, names with a letter dropped, name starts (4 + 3 letters), party/account/transaction ids, id prefixes,
identity and travel document numbers, a name with no match) and
:func:`services.party360.party_360` for the parties with the most alerts (the first call
of a party type fills the peer-baseline cache; both first and later calls are reported).
Each query runs ``--repeat`` times; p50 and max per kind are printed, and how often the
party (or thing) the query was made from is among the 20 results shown.  Writes
``benchmarks/results/bench_search.json``.

    .venv/bin/python benchmarks/bench_search.py --db demo/ctfmon.duckdb [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import store  # noqa: E402
from services import party360, search  # noqa: E402


def misspell(name: str, rng: random.Random) -> str:
    """One letter dropped from the longest word (``Anderson`` -> ``Andersn``)."""
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 1)
        words[i] = w[:j] + w[j + 1:]
    return " ".join(words)


def queries(con: Any, rng: random.Random, per_kind: int) -> list[tuple[str, str, str | None]]:
    """(kind, query, what a hit should show: an id or a name; None for the no-match query)."""
    def sample(sql: str) -> list[str]:
        return [str(r[0]) for r in con.execute(sql + f" USING SAMPLE {per_kind * 4} ROWS").fetchall() if r[0]][:per_kind]

    names = sample("SELECT name FROM parties WHERE regexp_matches(name, '^[A-Za-z .]+$') AND name LIKE '% %'")
    out: list[tuple[str, str, str | None]] = [("name exact", n, n) for n in names]
    out += [("name misspelt", misspell(n, rng), n) for n in names]
    out += [("name start", n.split()[0][:4] + " " + n.split()[-1][:3], n) for n in names]
    out += [("party id", p, p) for p in sample("SELECT party_id FROM parties")]
    out += [("account id", a, a) for a in sample("SELECT account_id FROM accounts")]
    out += [("transaction id", t, t) for t in sample("SELECT txn_id FROM transactions")]
    out += [("transaction id start", t[:-1], t) for t in sample("SELECT txn_id FROM transactions")]
    out += [("identity document", d, d) for d in sample("SELECT id_number FROM parties WHERE id_number IS NOT NULL")]
    out += [("travel document", d, d) for d in sample(
        "SELECT document_number FROM cash_declarations WHERE document_number IS NOT NULL")]
    out += [("no match", "Zebulon Quartermaine", None)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--per-kind", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parties", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bench_search.json")
    args = ap.parse_args()
    rng = random.Random(7)
    con = store.connect(args.db, read_only=True)
    sizes = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
             for t in ("parties", "accounts", "transactions", "cash_declarations", "cases")}
    search.search(con, "warm up")  # imports and the transliteration tables
    timings: dict[str, list[float]] = {}
    found: dict[str, list[bool]] = {}
    for kind, q, want in queries(con, rng, args.per_kind):
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            hits = search.search(con, q, limit=20)
            timings.setdefault(kind, []).append(time.perf_counter() - t0)
        if want is None:
            ok = not hits
        else:  # among the 20 shown: by id, by name, or (documents) by the number matched
            ok = any(want in (h.id, h.label) or search.doc_key(want) in search.doc_key(h.match) for h in hits)
        found.setdefault(kind, []).append(ok)
    pids = [r[0] for r in con.execute(
        "SELECT subject_id FROM alerts WHERE subject_type = 'party' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
        [args.parties]).fetchall()]
    first: list[float] = []
    later: list[float] = []
    for i, pid in enumerate(pids):
        t0 = time.perf_counter()
        party360.party_360(con, pid)
        (first if i == 0 else later).append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        party360.party_360(con, pid)
        later.append(time.perf_counter() - t0)
    con.close()

    rows = []
    print(f"database {args.db}: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    print(f"{'query kind':<22} {'n':>3} {'p50 ms':>8} {'max ms':>8} {'found':>6}")
    for kind, ts in timings.items():
        ms = sorted(t * 1000 for t in ts)
        row = {"kind": kind, "runs": len(ms), "p50_ms": round(statistics.median(ms), 1), "max_ms": round(ms[-1], 1),
               "found": sum(found[kind]), "queries": len(found[kind])}
        rows.append(row)
        print(f"{kind:<22} {len(found[kind]):>3} {row['p50_ms']:>8.1f} {row['max_ms']:>8.1f} "
              f"{row['found']:>3}/{row['queries']}")
    p360 = {"parties": len(pids), "first_call_s": round(first[0], 2) if first else None,
            "later_p50_s": round(statistics.median(later), 2) if later else None,
            "later_max_s": round(max(later), 2) if later else None}
    print(f"party 360 page data: first call {p360['first_call_s']} s (fills the peer cache), "
          f"then p50 {p360['later_p50_s']} s, max {p360['later_max_s']} s over {len(later)} calls")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"db": str(args.db), "sizes": sizes, "search": rows, "party_360": p360,
                                    "repeat": args.repeat, "machine": platform.platform(),
                                    "python": platform.python_version()}, indent=2) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
