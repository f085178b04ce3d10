"""ML-NET-04 Layering chain.

Indicator (catalogue): a time-ordered chain of at least 4 hops, each forwarding 80-100% of
what it received within 48 hours.

Definitions used here: a *link* joins transfer ``u -> v`` (received by ``v``) to a later
transfer ``v -> w`` made by ``v`` at most ``max_hold_hours`` afterwards, of
``forward_min_ratio``..``forward_max_ratio`` of the amount received.  A chain is a path of
links over distinct accounts; its hops are its transfers.  SQL builds the links (a join on
the forwarding account bounded by time and amount); the links form a directed acyclic
graph of transfers (time only moves forward) in which the longest chain starting at each
unlinked transfer is found by dynamic programming.  A chain that comes back to an account
already in it is cut there (a return to the origin is a cycle: ML-NET-03).

Everyday activity (catalogue): transfers between accounts in a recurring relationship
(``recurring_min_months``, 3, or more distinct calendar months on file: suppliers, payroll,
settlements) are not layering links (``exclude_recurring``), and collectors and
distributors (``collector_min_counterparties`` or more counterparties on file, or by
``excused_party_types`` / ``excused_business_words``) are not layering accounts
(``exclude_collectors``): payments through a processor or along a supply chain are routine.

Subjects: the chain's origin and every account the money passed through (each hop),
including the final recipient (``include_terminal``, on by default).

Score: 0.6 at the minimum number of hops, rising to 0.85 at twice that, +0.15 for how much
of the first amount reached the end.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine import graph
from engine.detect.base import Alert, ScanContext
from engine.detect.everyday import CollectorParams, RecurringParams, word_pattern
from engine.detect.typology import Row, Typology
from typologies._common import money, pct, ramp


class ChainParams(RecurringParams, CollectorParams):
    min_hops: int = Field(4, ge=2, description="fewest transfers in a chain")
    max_hold_hours: float = Field(48, gt=0, description="each account forwards within this many hours")
    forward_min_ratio: float = Field(0.8, gt=0, description="each hop forwards at least this share of what it received")
    forward_max_ratio: float = Field(1.0, gt=0, description="each hop forwards at most this share of what it received")
    min_amount: float = Field(0, ge=0, description="ignore transfers below this amount (base currency)")
    include_terminal: bool = Field(True, description="also alert on the chain's last recipient")
    exclude_recurring: bool = Field(
        True, description="transfers between accounts in a recurring relationship (see recurring_min_months: "
        "suppliers, payroll, settlements) are not layering links"
    )
    exclude_collectors: bool = Field(
        True, description="collectors and distributors (see collector_min_counterparties) are not layering accounts"
    )


Ctx = ScanContext[ChainParams]


class LayeringChain(Typology[ChainParams]):
    Params = ChainParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        return {**super().bind(ctx), "hold_seconds": ctx.params.max_hold_hours * 3600.0,
                "collector_pattern": word_pattern(ctx.params.excused_business_words)}

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        links = self.query(ctx, "links.sql")
        if links.is_empty():
            return []
        txn: dict[str, dict[str, Any]] = {}
        succ: dict[str, list[str]] = {}
        has_pred: set[str] = set()
        for t1, ts1, s1, d1, a1, t2, ts2, s2, d2, a2 in links.iter_rows():
            txn.setdefault(t1, {"txn_id": t1, "ts": ts1, "src": s1, "dst": d1, "amount": float(a1)})
            txn.setdefault(t2, {"txn_id": t2, "ts": ts2, "src": s2, "dst": d2, "amount": float(a2)})
            succ.setdefault(t1, []).append(t2)
            has_pred.add(t2)
        # longest chain (in transfers) from each transfer, latest first (links go forward in time)
        order = sorted(txn, key=lambda t: (txn[t]["ts"], t), reverse=True)
        length: dict[str, int] = {}
        nxt: dict[str, str | None] = {}
        for t in order:
            best_len, best_next = 1, None
            for s in succ.get(t, ()):
                cand = 1 + length[s]
                if cand > best_len or (cand == best_len and best_next is not None and s < best_next):
                    best_len, best_next = cand, s
            length[t], nxt[t] = best_len, best_next
        chains: list[list[dict[str, Any]]] = []
        used: set[str] = set()
        for t in sorted(txn, key=lambda t: (txn[t]["ts"], t)):
            if t in has_pred or t in used or length[t] < p.min_hops:
                continue
            chain = [txn[t]]
            seen = {txn[t]["src"], txn[t]["dst"]}
            cur = nxt[t]
            is_cycle = False
            while cur is not None:
                e = txn[cur]
                if e["dst"] in seen:
                    is_cycle = e["dst"] == chain[0]["src"]
                    break
                chain.append(e)
                seen.add(e["dst"])
                cur = nxt[cur]
            if len(chain) >= p.min_hops and not is_cycle:
                chains.append(chain)
                used.update(e["txn_id"] for e in chain)
        accounts = {e["src"] for c in chains for e in c} | {c[-1]["dst"] for c in chains}
        owner_map = graph.owners(ctx.con, accounts)
        return [alert for chain in chains for alert in self.alerts(self._row(chain, owner_map, p), ctx)]

    def _row(self, chain: list[dict[str, Any]], owner_map: dict[str, graph.Owner], p: ChainParams) -> Row:
        first, last = chain[0], chain[-1]
        n = len(chain)
        share = last["amount"] / first["amount"]
        hours = (last["ts"] - first["ts"]).total_seconds() / 3600.0
        score = 0.6 + 0.25 * ramp(n, p.min_hops, 2 * p.min_hops) + 0.15 * ramp(share, 0.5, 1.0)
        roles = {first["src"]: "origin"}
        for e in chain[1:]:
            roles[e["src"]] = "intermediary"
        roles[last["dst"]] = "sink"
        details: dict[str, Any] = {
            "pattern": "chain", "origin_account": first["src"], "hops": n,
            "first_amount": round(first["amount"], 2), "last_amount": round(last["amount"], 2),
            "delivered_share": round(share, 4), "hours": round(hours, 1),
            "path": [e["src"] for e in chain] + [last["dst"]],
        }
        details.update(graph.subgraph_details(chain, roles, owner_map))
        explanation = (
            f"Layering chain: {money(first['amount'])} passed through {n} transfers in {hours:.0f} hours, each "
            f"account forwarding most of what it received, and {money(last['amount'])} ({pct(share)}) "
            f"reached account {last['dst']}."
        )
        evidence = [e["txn_id"] for e in chain]
        accs = [e["src"] for e in chain] + ([last["dst"]] if p.include_terminal else [])
        subjects: list[tuple[str, str]] = []
        for a in accs:
            subj = graph.subject_of(a, owner_map)
            if subj not in subjects:
                subjects.append(subj)
        return {"subjects": subjects, "score": round(min(score, 1.0), 4), "window_start": first["ts"],
                "window_end": last["ts"], "evidence": evidence, "explanation": explanation, "details": details}
