"""ML-NET-05 Bipartite / stacked layering.

Indicator (catalogue): two or more layers of at least 3 accounts each, with dense transfers
from each layer to the next within 14 days, between pairs with no recurring relationship;
the block's transfers are the bulk of each layer account's flows in the window (accounts
doing ordinary business with many others are not layers).

Definitions used here: a *block* is a pair of disjoint account sets (layer L1 of senders,
layer L2 of receivers), each of at least ``min_layer_size`` accounts, in which at least
``min_density`` of the ``|L1| x |L2|`` possible sender-receiver pairs carry a transfer,
all of the block's transfers within ``window_days``.  Blocks whose receiving layer is the
sending layer of another block (overlap at least half) are stacked into one alert with
three or more layers (AMLSim "stack"); a single block is a bipartite alert and, being
weaker evidence than a stack (a few customers paying the same few suppliers happen by
chance), must reach ``min_density_bipartite`` (default 0.75: 7 of 9 links for 3 x 3).

Everyday activity (catalogue, "Everyday activity is not a typology"), each a parameter:

- transfers between two accounts in a recurring relationship (transacting in
  ``recurring_min_months``, 3, or more distinct calendar months over the data on file: trade
  customers and their suppliers, rent, payroll) are not links of a block
  (``exclude_recurring``);
- collectors and distributors are not layers: accounts exchanging money with
  ``collector_min_counterparties`` (100) or more distinct accounts on file, or owned by a
  party of ``excused_party_types`` or whose line of business has one of
  ``excused_business_words``; nor are accounts with more than ``max_counterparties``
  distinct counterparties in the 28-day candidate cell;
- the block's transfers must be at least ``min_block_share`` (50%, "the bulk") of each
  layer account's flows (every transaction in or out, any channel) from the first transfer
  of the alert to ``window_days`` after it (or its last transfer, when later); an account
  below it is taken out of its layer and the layers are checked again (size, density).

SQL narrows the edges to senders with at least ``ceil(min_density * min_layer_size)``
distinct receivers and receivers with as many distinct senders in a pair of adjacent
14-day buckets.  Python finds the dense blocks in each connected component of the
candidates: from each sender, the senders sharing a receiver with it and their receivers,
peeled until every member reaches the density.  Every account owner in the layers is a
subject.

Score: 0.55 at the minimum density and layer size, +0.25 for density up to 1, +0.2 for
more layers or larger layers (up to 3 layers, or twice the minimum layer size).
"""

from __future__ import annotations

import math
from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

import networkx as nx
import polars as pl
from pydantic import Field

from engine import graph
from engine.detect.base import Alert, ScanContext
from engine.detect.everyday import CollectorParams, RecurringParams, word_pattern
from engine.detect.typology import Row, Typology
from typologies._common import money, part_count, pct, ramp


class LayerParams(RecurringParams, CollectorParams):
    min_layer_size: int = Field(3, ge=2, description="fewest accounts in a layer")
    min_density: float = Field(0.6, gt=0, le=1, description="share of sender-receiver pairs between two layers "
                               "that must carry a transfer")
    min_density_bipartite: float = Field(
        0.75, gt=0, le=1, description="a lone two-layer block (no further layer) must reach this density; "
        "a stack of three or more layers is stronger evidence and needs only min_density per layer pair"
    )
    window_days: float = Field(14, gt=0, description="all transfers of a block within this many days")
    min_amount: float = Field(0, ge=0, description="ignore transfers below this amount (base currency)")
    max_counterparties: int = Field(30, ge=3, description="skip accounts with more distinct counterparties than "
                                    "this in the 28-day candidate cell")
    exclude_recurring: bool = Field(
        True, description="transfers between accounts in a recurring relationship (see recurring_min_months: "
        "trade customers and suppliers, rent, payroll) are not links of a block"
    )
    min_block_share: float = Field(
        0.5, ge=0, le=1, description="the block's transfers are at least this share of each layer account's flows "
        "(in and out, any channel) in the block's window: accounts doing ordinary business with many others are "
        "not layers"
    )
    prune_rounds: int = Field(3, ge=0, le=10, description="rounds of SQL degree peeling of candidate edges")
    max_component_edges: int = Field(20_000, ge=100, description="skip candidate components larger than this")


#: Rows of candidate cells per part of the degree step (see ``detect``).
_PART_ROWS = 4_000_000


def _dense_blocks(edges: list[dict[str, Any]], k: int, dens: float) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Blocks (senders, receivers), each side >= ``k``, every member linked to >= ``dens`` of the other side.

    From each sender, take the senders sharing a receiver with it and all their receivers,
    then peel the member with the smallest share of links to the other side until every
    member reaches ``dens`` (so the block's density does too).
    """
    out_n: dict[str, set[str]] = {}
    in_n: dict[str, set[str]] = {}
    for e in edges:
        out_n.setdefault(e["src"], set()).add(e["dst"])
        in_n.setdefault(e["dst"], set()).add(e["src"])
    need_min = max(1, math.ceil(dens * k))
    blocks: set[tuple[frozenset[str], frozenset[str]]] = set()
    tried: set[frozenset[str]] = set()
    for recv in out_n.values():
        if len(recv) < need_min:
            continue
        senders = {s for r in recv for s in in_n[r] if len(out_n[s]) >= need_min}
        receivers = {r for s in senders for r in out_n[s]} - senders
        senders -= receivers
        key = frozenset(senders) | frozenset(receivers)
        if key in tried:
            continue
        tried.add(key)
        while len(senders) >= k and len(receivers) >= k:
            # the member with the smallest share of links goes first (ties: by side, then id)
            worst_share, worst_side, worst = min(
                [(len(out_n[x] & receivers) / len(receivers), "s", x) for x in senders]
                + [(len(in_n[x] & senders) / len(senders), "r", x) for x in receivers]
            )
            if worst_share >= dens:
                blocks.add((frozenset(senders), frozenset(receivers)))
                break
            if worst_side == "s":
                senders.discard(worst)
            else:
                receivers.discard(worst)
    # drop blocks contained in a larger one
    ordered = sorted(blocks, key=lambda b: (-(len(b[0]) * len(b[1])), sorted(b[0]), sorted(b[1])))
    kept: list[tuple[frozenset[str], frozenset[str]]] = []
    for b in ordered:
        if not any(b[0] <= o[0] and b[1] <= o[1] for o in kept):
            kept.append(b)
    return kept


def _density(a: frozenset[str], b: frozenset[str], edges: list[dict[str, Any]]) -> float:
    pairs = {(e["src"], e["dst"]) for e in edges if e["src"] in a and e["dst"] in b}
    return len(pairs) / (len(a) * len(b))


Ctx = ScanContext[LayerParams]


class BipartiteLayering(Typology[LayerParams]):
    Params = LayerParams

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        p = ctx.params
        return {**super().bind(ctx), "window_seconds": p.window_days * 86400.0,
                "min_degree": max(1, math.ceil(p.min_density * p.min_layer_size)),
                "collector_pattern": word_pattern(p.excused_business_words)}

    def detect(self, ctx: Ctx) -> list[Alert]:
        p = ctx.params
        k = p.min_layer_size
        self.execute(ctx, "cells.sql")
        try:
            # Degrees per account and cell (degrees.sql), then the edges whose ends keep their
            # degree.  Cells are independent, so they are taken in parts of about _PART_ROWS
            # rows: the hash tables stay the same size as the data grows, and so does the time
            # per row.
            parts = part_count(ctx.con, "ml_net_05_cells", _PART_ROWS)
            ctx.con.execute("CREATE OR REPLACE TEMP TABLE ml_net_05_kept AS SELECT * FROM ml_net_05_cells LIMIT 0")
            for part in range(parts):
                self.execute(ctx, "degrees.sql", parts=parts, part=part)
                self.execute(ctx, "keep.sql", parts=parts, part=part)
            ctx.con.execute("DROP TABLE ml_net_05_cells")
            ctx.con.execute("ALTER TABLE ml_net_05_kept RENAME TO ml_net_05_cells")
            for _ in range(p.prune_rounds):
                self.execute(ctx, "peel.sql")
            cand = ctx.con.sql(
                "SELECT DISTINCT txn_id, ts, src, dst, amount, w0 FROM ml_net_05_cells ORDER BY w0, ts, txn_id"
            ).pl()
        finally:
            for t in ("ml_net_05_cells", "ml_net_05_deg", "ml_net_05_kept"):
                ctx.con.execute(f"DROP TABLE IF EXISTS {t}")
        if cand.is_empty():
            return []
        span = timedelta(days=p.window_days)
        results: dict[frozenset[str], list[tuple[list[frozenset[str]], list[dict[str, Any]]]]] = {}
        cols = ("txn_id", "ts", "src", "dst", "amount")
        # the candidates come sorted by cell (w0): one pass over the rows, cell by cell
        for _w0, cell_rows in groupby(cand.select("w0", *cols).iter_rows(), key=itemgetter(0)):
            rows = [r[1:] for r in cell_rows]
            ug: nx.Graph = nx.Graph()
            ug.add_edges_from((r[2], r[3]) for r in rows)
            # each row goes to its component in one pass (rows keep their order); only the rows
            # of components large enough for two layers become dicts
            comp_of: dict[str, int] = {}
            comps = [c for c in nx.connected_components(ug) if len(c) >= 2 * k]
            for i, comp in enumerate(comps):
                for a in comp:
                    comp_of[a] = i
            comp_rows: list[list[dict[str, Any]]] = [[] for _ in comps]
            for r in rows:
                ci = comp_of.get(r[2])
                if ci is not None:
                    comp_rows[ci].append(dict(zip(cols, r, strict=True)))
            for ce in comp_rows:
                if len(ce) > p.max_component_edges:
                    continue
                for layers, block_edges in self._component(ce, p, span):
                    key = frozenset().union(*layers)
                    results.setdefault(key, []).append((layers, block_edges))
        found = []
        for key in sorted(results, key=lambda s: sorted(s)):
            layers, block_edges = max(results[key], key=lambda x: (len(x[0]), len(x[1])))
            found.append((layers, block_edges))
        # drop results whose accounts are a subset of another result's
        found.sort(key=lambda x: -len(frozenset().union(*x[0])))
        final: list[tuple[list[frozenset[str]], list[dict[str, Any]]]] = []
        for layers, block_edges in found:
            accs = frozenset().union(*layers)
            if any(accs <= frozenset().union(*o[0]) for o in final):
                continue
            final.append((layers, block_edges))
        final = self._bulk(ctx, final, span)
        final = [(layers, be) for layers, be in final
                 if len(layers) > 2 or _density(layers[0], layers[1], be) >= p.min_density_bipartite]
        accounts = {a for layers, _e in final for layer in layers for a in layer}
        owner_map = graph.owners(ctx.con, accounts)
        return [alert for layers, block_edges in final
                for alert in self.alerts(self._row(layers, block_edges, owner_map, p), ctx)]

    def _bulk(self, ctx: Ctx, found: list[tuple[list[frozenset[str]], list[dict[str, Any]]]], span: timedelta
              ) -> list[tuple[list[frozenset[str]], list[dict[str, Any]]]]:
        """The results whose layer accounts keep the block as the bulk of their flows: accounts
        under ``min_block_share`` leave their layer, and what is left must still be a block
        (two or more consecutive layers of ``min_layer_size``, each pair at ``min_density``)."""
        p = ctx.params
        if p.min_block_share <= 0 or not found:
            return found
        rows = []
        for i, (layers, edges) in enumerate(found):
            t0 = min(e["ts"] for e in edges)
            t1 = max(max(e["ts"] for e in edges), t0 + span)
            rows += [(i, a, t0, t1) for layer in layers for a in layer]
        frame = pl.DataFrame(rows, schema={"block": pl.Int64, "account_id": pl.String,
                                           "w_start": pl.Datetime("us"), "w_end": pl.Datetime("us")}, orient="row")
        ctx.con.register("ml_net_05_windows", frame.to_arrow())
        try:
            flows = self.query(ctx, "flows.sql")
        finally:
            ctx.con.unregister("ml_net_05_windows")
        total = {(b, a): float(f) for b, a, f in flows.iter_rows()}
        out = []
        for i, (layers, edges) in enumerate(found):
            cur: list[frozenset[str]] | None = list(layers)
            cur_edges = edges
            while cur is not None:
                mine: dict[str, float] = {}
                for e in cur_edges:
                    for a in {e["src"], e["dst"]}:
                        mine[a] = mine.get(a, 0.0) + float(e["amount"])
                kept = [frozenset(a for a in layer
                                  if mine.get(a, 0.0) >= p.min_block_share * total.get((i, a), 0.0) - 1e-6)
                        for layer in cur]
                if kept == cur:
                    break
                cur = self._longest_block(kept, cur_edges, p)
                if cur is not None:
                    cur_edges = [e for e in cur_edges
                                 if any(e["src"] in a and e["dst"] in b for a, b in zip(cur, cur[1:], strict=False))]
            if cur is not None:
                out.append((cur, cur_edges))
        return out

    @staticmethod
    def _longest_block(layers: list[frozenset[str]], edges: list[dict[str, Any]], p: LayerParams
                       ) -> list[frozenset[str]] | None:
        """The longest run of consecutive layers that is still a block (each of ``min_layer_size``,
        each consecutive pair at ``min_density``), or None when there is no such run of two."""
        best: list[frozenset[str]] = []
        run: list[frozenset[str]] = []
        for layer in layers:
            if len(layer) < p.min_layer_size:
                run = []
                continue
            if run:
                be = [e for e in edges if e["src"] in run[-1] and e["dst"] in layer]
                if not be or _density(run[-1], layer, be) < p.min_density:
                    run = []
            run.append(layer)
            if len(run) > len(best):
                best = list(run)
        return best if len(best) >= 2 else None

    def _component(self, ce: list[dict[str, Any]], p: LayerParams, span: timedelta
                   ) -> list[tuple[list[frozenset[str]], list[dict[str, Any]]]]:
        k = p.min_layer_size
        out: list[tuple[tuple[frozenset[str], frozenset[str]], list[dict[str, Any]]]] = []
        seen_blocks: set[tuple[frozenset[str], frozenset[str]]] = set()
        # fast path: blocks of the whole component whose transfers already fit in the window
        whole = _dense_blocks(ce, k, p.min_density)
        fits = True
        for blk in whole:
            be = [r for r in ce if r["src"] in blk[0] and r["dst"] in blk[1]]
            if max(r["ts"] for r in be) - min(r["ts"] for r in be) > span:
                fits = False
                break
            out.append((blk, be))
        # otherwise: candidate windows starting at each distinct transfer day
        starts = [] if fits else sorted({r["ts"].replace(hour=0, minute=0, second=0, microsecond=0) for r in ce})
        if not fits:
            out = []
        last_ids: frozenset[str] = frozenset()
        for s in starts:
            win = [r for r in ce if s <= r["ts"] <= s + span]
            ids = frozenset(r["txn_id"] for r in win)
            if ids <= last_ids or len(win) < k * k * p.min_density:
                continue
            last_ids = ids
            for blk in _dense_blocks(win, k, p.min_density):
                if blk in seen_blocks:
                    continue
                seen_blocks.add(blk)
                be = [r for r in win if r["src"] in blk[0] and r["dst"] in blk[1]]
                out.append((blk, be))
        if not out:
            return []
        # stack blocks: block B follows A when B's senders overlap A's receivers by at least half
        results = []
        used: set[int] = set()
        for i, (a, ae) in enumerate(out):
            if i in used:
                continue
            layers = [a[0], a[1]]
            edges = list(ae)
            t_first = min(r["ts"] for r in ae)
            extended = True
            while extended:
                extended = False
                for j, (b, be) in enumerate(out):
                    if j == i or j in used:
                        continue
                    overlap = len(b[0] & layers[-1])
                    if overlap * 2 >= len(b[0]) and overlap * 2 >= len(layers[-1]) and not (b[1] & set().union(*layers)):
                        if min(r["ts"] for r in be) >= t_first:
                            layers.append(b[1])
                            edges.extend(be)
                            used.add(j)
                            extended = True
                            break
            results.append((layers, edges))
        return results

    def _row(self, layers: list[frozenset[str]], edges: list[dict[str, Any]],
             owner_map: dict[str, graph.Owner], p: LayerParams) -> Row:
        dedup = {e["txn_id"]: e for e in edges}
        edges = sorted(dedup.values(), key=lambda e: (e["ts"], e["txn_id"]))
        sizes = [len(layer) for layer in layers]
        densities = []
        for upper, lower in zip(layers, layers[1:], strict=False):
            pairs = {(e["src"], e["dst"]) for e in edges if e["src"] in upper and e["dst"] in lower}
            densities.append(len(pairs) / (len(upper) * len(lower)))
        dens = min(densities) if densities else 0.0
        total = sum(float(e["amount"]) for e in edges)
        t0, t1 = edges[0]["ts"], edges[-1]["ts"]
        days = (t1 - t0).total_seconds() / 86400.0
        extra = max(ramp(len(layers), 2, 3), ramp(min(sizes), p.min_layer_size, 2 * p.min_layer_size))
        score = 0.55 + 0.25 * ramp(dens, p.min_density, 1.0) + 0.2 * extra
        pattern = "stack" if len(layers) > 2 else "bipartite"
        roles: dict[str, str] = {}
        for i, layer in enumerate(layers):
            for a in sorted(layer):
                roles.setdefault(a, f"layer{i + 1}")
        details: dict[str, Any] = {
            "pattern": pattern, "layers": [sorted(layer) for layer in layers], "layer_sizes": sizes,
            "min_density": round(dens, 4), "transfers": len(edges), "total": round(total, 2),
            "days": round(days, 2),
        }
        details.update(graph.subgraph_details(edges, roles, owner_map))
        explanation = (
            f"Layering through {'stacked ' if pattern == 'stack' else ''}groups of accounts: {len(edges)} transfers totalling "
            f"{money(total)} between {len(layers)} layers of {'/'.join(str(s) for s in sizes)} accounts in "
            f"{days:.1f} days, with {pct(dens)} of possible links between consecutive layers used."
        )
        evidence = [e["txn_id"] for e in edges]
        subjects: list[tuple[str, str]] = []
        for layer in layers:
            for a in sorted(layer):
                subj = graph.subject_of(a, owner_map)
                if subj not in subjects:
                    subjects.append(subj)
        return {"subjects": subjects, "score": round(min(score, 1.0), 4), "window_start": t0, "window_end": t1,
                "evidence": evidence, "explanation": explanation, "details": details}
