"""Everything on file about one party, for the party page and ``GET /parties/{id}``.

- ``party``: every attribute of the party row (PEP, NPO purpose and countries, residence,
  nationality, its own risk rating) and ``risk``: the engine's rating (tier, score, factors,
  history; :mod:`engine.risk`);
- ``accounts`` with money in and out of each;
- ``monthly``: money in and out per calendar month (base currency; transfers between the
  party's own accounts left out) beside two baselines: the party's own (the median of its
  active months) and its peer group's (per month, the median over the parties of the same
  ``party_type`` that moved money that month, the party itself included);
- ``counterparties`` ranked by value (both directions, all time);
- ``alerts`` on the party or its accounts and the ``cases`` holding them;
- ``declarations`` (cash declarations naming the party) and ``trade_documents`` (as exporter
  or importer);
- ``neighbourhood``: the 2-hop money-flow neighbourhood of :func:`engine.graph.neighbourhood`.
"""

from __future__ import annotations

import logging
import threading
from statistics import median
from typing import Any

import duckdb
import polars as pl

from engine import graph, risk
from engine.alerts import ALERT_SELECT, alert_dict
from engine.errors import CtfmonError, NotFound

log = logging.getLogger(__name__)

#: Accounts kept in the drawn neighbourhood.
NEIGHBOURHOOD_NODES = 60
COUNTERPARTY_LIMIT = 25


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    frame = con.sql(sql, params=params).pl()
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).to_dicts()


def party_360(con: duckdb.DuckDBPyConnection, party_id: str, *, neighbourhood: bool = True) -> dict[str, Any]:
    """The whole view of ``party_id``; NotFound (404) for a party not on file."""
    rows = _records(con, "SELECT * EXCLUDE (_batch_id) FROM parties WHERE party_id = ?", [party_id])
    if not rows:
        raise NotFound(f"no party {party_id!r}")
    party = rows[0]
    accounts = _records(con, "SELECT * EXCLUDE (_batch_id) FROM accounts WHERE party_id = ? ORDER BY account_id",
                        [party_id])
    account_ids = [a["account_id"] for a in accounts]
    flows = party_transactions(con, account_ids)
    per_account = {a: (n, i, o) for a, n, i, o in _account_totals(flows).iter_rows()}
    for acc in accounts:
        n, i, o = per_account.get(acc["account_id"], (0, 0.0, 0.0))
        acc.update(transactions=int(n), total_in=float(i), total_out=float(o))
    rated = risk.party_risk(con, party_id, history=20)
    out: dict[str, Any] = {
        "party": party,
        "risk": {"current": rated["current"], "history": rated["history"]},
        "accounts": accounts,
        "monthly": monthly_flows(con, str(party["party_type"]), flows),
        "counterparties": counterparties(con, flows),
        "alerts": alerts_of(con, party_id, account_ids),
        "declarations": _records(
            con, "SELECT * EXCLUDE (_batch_id) FROM cash_declarations WHERE party_id = ? "
                 "ORDER BY timestamp DESC, declaration_id LIMIT 200", [party_id]),
        "trade_documents": _records(
            con, "SELECT * EXCLUDE (_batch_id), CASE WHEN exporter_party_id = ? THEN 'exporter' ELSE 'importer' END "
                 "AS role FROM trade_documents WHERE exporter_party_id = ? OR importer_party_id = ? "
                 "ORDER BY date DESC, trade_id LIMIT 200", [party_id, party_id, party_id]),
    }
    out["cases"] = cases_of(con, [a["alert_id"] for a in out["alerts"]], party_id, account_ids)
    out["neighbourhood"] = two_hops(con, party_id) if neighbourhood and account_ids else None
    return out


#: The columns of a party's transactions that the view uses.
_FLOW_COLS = ("txn_id", "timestamp", "from_account", "to_account", "originator_name", "originator_country",
              "beneficiary_name", "beneficiary_country")


def party_transactions(con: duckdb.DuckDBPyConnection, account_ids: list[str]) -> pl.DataFrame:
    """Every transaction into or out of the accounts (one pass over the table), with ``inflow``
    and ``outflow`` in the base currency (both 0 for transfers between the party's own accounts)."""
    frame = con.sql(
        f"""SELECT {", ".join(_FLOW_COLS)}, CAST(amount_base AS DOUBLE) AS amount_base,
                   list_contains(CAST(? AS VARCHAR[]), from_account) AS from_mine,
                   list_contains(CAST(? AS VARCHAR[]), to_account) AS to_mine
            FROM transactions
            WHERE list_contains(CAST(? AS VARCHAR[]), to_account) OR list_contains(CAST(? AS VARCHAR[]), from_account)""",
        params=[account_ids] * 4,
    ).pl()
    own = pl.col("from_mine").fill_null(False) & pl.col("to_mine").fill_null(False)
    return frame.with_columns(
        inflow=pl.when(pl.col("to_mine").fill_null(False) & ~own).then(pl.col("amount_base")).otherwise(0.0),
        outflow=pl.when(pl.col("from_mine").fill_null(False) & ~own).then(pl.col("amount_base")).otherwise(0.0),
    )


def _account_totals(flows: pl.DataFrame) -> pl.DataFrame:
    """Per account of the party: transactions, money in, money out (own transfers counted on both sides)."""
    ins = flows.filter(pl.col("to_mine").fill_null(False)).select(
        account_id=pl.col("to_account"), n=pl.lit(1), i=pl.col("amount_base"), o=pl.lit(0.0))
    outs = flows.filter(pl.col("from_mine").fill_null(False)).select(
        account_id=pl.col("from_account"), n=pl.lit(1), i=pl.lit(0.0), o=pl.col("amount_base"))
    both = pl.concat([ins, outs])
    return both.group_by("account_id").agg(pl.col("n").sum(), pl.col("i").sum(), pl.col("o").sum())


def monthly_flows(con: duckdb.DuckDBPyConnection, party_type: str, flows: pl.DataFrame) -> dict[str, Any]:
    """Money in and out per month with the party's own and its peer group's baselines."""
    moved = flows.filter((pl.col("inflow") > 0) | (pl.col("outflow") > 0))
    own = list(moved.group_by(month=pl.col("timestamp").dt.strftime("%Y-%m"))
               .agg(pl.col("inflow").sum(), pl.col("outflow").sum()).sort("month").iter_rows())
    peers = peer_months(con, party_type) if own else {}
    n_peers = int(con.execute("SELECT count(*) FROM parties WHERE party_type = ?", [party_type]).fetchall()[0][0])
    rows = [{"month": m, "in": float(i or 0), "out": float(o or 0),
             "peer_in": peers.get(m, (0.0, 0.0))[0], "peer_out": peers.get(m, (0.0, 0.0))[1]} for m, i, o in own]
    base_in = median([r["in"] for r in rows]) if rows else 0.0
    base_out = median([r["out"] for r in rows]) if rows else 0.0
    return {"rows": rows, "baseline_in": base_in, "baseline_out": base_out, "peer_group": party_type,
            "peer_parties": n_peers}


_PEER_CACHE: dict[tuple[Any, ...], dict[str, tuple[float, float]]] = {}
_PEER_LOCK = threading.Lock()


def _data_version(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Which database and which data: the file, row counts and the latest transaction."""
    return tuple(con.execute(
        """SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()),
                  (SELECT count(*) FROM transactions), (SELECT max(timestamp) FROM transactions),
                  (SELECT count(*) FROM accounts), (SELECT count(*) FROM parties)""").fetchall()[0])


def peer_months(con: duckdb.DuckDBPyConnection, party_type: str) -> dict[str, tuple[float, float]]:
    """Per month, the median money in and out over the parties of ``party_type`` that moved
    money that month (one pass over the transactions, kept while the data stay the same)."""
    key = (*_data_version(con), party_type)
    with _PEER_LOCK:
        hit = _PEER_CACHE.get(key)
    if hit is not None:
        return hit
    rows = con.execute(
        """WITH acc AS (SELECT a.account_id, a.party_id FROM accounts a JOIN parties p ON p.party_id = a.party_id
                        WHERE p.party_type = ?),
                moves AS (
                  SELECT acc.party_id, t.timestamp, t.amount_base AS inflow, 0 AS outflow
                  FROM transactions t JOIN acc ON acc.account_id = t.to_account
                  UNION ALL
                  SELECT acc.party_id, t.timestamp, 0, t.amount_base
                  FROM transactions t JOIN acc ON acc.account_id = t.from_account),
                per AS (SELECT party_id, strftime(date_trunc('month', timestamp), '%Y-%m') AS month,
                               sum(inflow) AS inflow, sum(outflow) AS outflow FROM moves GROUP BY 1, 2)
           SELECT month, CAST(median(inflow) AS DOUBLE), CAST(median(outflow) AS DOUBLE) FROM per GROUP BY 1""",
        [party_type],
    ).fetchall()
    out = {m: (float(i or 0), float(o or 0)) for m, i, o in rows}
    with _PEER_LOCK:
        if len(_PEER_CACHE) > 64:
            _PEER_CACHE.clear()
        _PEER_CACHE[key] = out
    return out


def counterparties(con: duckdb.DuckDBPyConnection, flows: pl.DataFrame, *,
                   limit: int = COUNTERPARTY_LIMIT) -> list[dict[str, Any]]:
    """The other sides of the party's transfers ranked by value (in + out), all time."""
    sent = flows.filter((pl.col("outflow") > 0) & pl.col("to_account").is_not_null()).select(
        account_id=pl.col("to_account"), name=pl.col("beneficiary_name"), country=pl.col("beneficiary_country"),
        total_in=pl.lit(0.0), total_out=pl.col("outflow"))
    got = flows.filter((pl.col("inflow") > 0) & pl.col("from_account").is_not_null()).select(
        account_id=pl.col("from_account"), name=pl.col("originator_name"), country=pl.col("originator_country"),
        total_in=pl.col("inflow"), total_out=pl.lit(0.0))
    both = pl.concat([sent, got])
    if both.is_empty():
        return []
    top = (both.group_by("account_id")
           .agg(pl.col("name").drop_nulls().max(), pl.col("country").drop_nulls().max(),
                transactions=pl.len(), total_in=pl.col("total_in").sum(), total_out=pl.col("total_out").sum())
           .with_columns(total=pl.col("total_in") + pl.col("total_out"))
           .sort(["total", "account_id"], descending=[True, False]).head(limit))
    owners = {r[0]: r[1:] for r in con.execute(
        "SELECT a.account_id, a.party_id, p.name, a.country FROM accounts a LEFT JOIN parties p ON p.party_id = a.party_id "
        "WHERE list_contains(CAST(? AS VARCHAR[]), a.account_id)", [top["account_id"].to_list()]).fetchall()}
    out = []
    for r in top.to_dicts():
        party_id, party_name, country = owners.get(r["account_id"], (None, None, None))
        out.append({**r, "party_id": party_id, "name": party_name or r["name"], "country": country or r["country"],
                    "transactions": int(r["transactions"])})
    return out


def alerts_of(con: duckdb.DuckDBPyConnection, party_id: str, account_ids: list[str]) -> list[dict[str, Any]]:
    rows = con.execute(
        f"""SELECT {ALERT_SELECT} FROM alerts a
            WHERE (a.subject_type = 'party' AND a.subject_id = ?)
               OR (a.subject_type = 'account' AND list_contains(CAST(? AS VARCHAR[]), a.subject_id))
            ORDER BY a.window_end DESC NULLS LAST, a.alert_id LIMIT 500""",
        [party_id, account_ids],
    ).fetchall()
    return [alert_dict(r) for r in rows]


def cases_of(con: duckdb.DuckDBPyConnection, alert_ids: list[str], party_id: str,
             account_ids: list[str]) -> list[dict[str, Any]]:
    """Cases holding one of the alerts, or whose subject is the party or one of its accounts."""
    return _records(
        con,
        """SELECT c.case_id, c.subject_type, c.subject_id, c.state, c.risk_score, c.alert_count, c.typologies,
                  c.assignee, c.created_at, c.due_at, c.closed_at
           FROM cases c
           WHERE c.case_id IN (SELECT case_id FROM case_alerts WHERE alert_id IN (SELECT unnest(CAST(? AS VARCHAR[]))))
              OR (c.subject_type = 'party' AND c.subject_id = ?)
              OR (c.subject_type = 'account' AND list_contains(CAST(? AS VARCHAR[]), c.subject_id))
           ORDER BY c.created_at DESC, c.case_id""",
        [alert_ids, party_id, account_ids],
    )


def two_hops(con: duckdb.DuckDBPyConnection, party_id: str) -> dict[str, Any] | None:
    """The party's 2-hop neighbourhood with its accounts' parties listed per hop."""
    try:
        nb = graph.neighbourhood(con, party_id, hops=2, max_nodes=NEIGHBOURHOOD_NODES)
    except CtfmonError as exc:
        log.info("no neighbourhood for %s: %s", party_id, exc)
        return None
    parties: dict[str, dict[str, Any]] = {}
    for n in nb["nodes"]:
        pid = n.get("party_id")
        if not pid or pid == party_id:
            continue
        p = parties.setdefault(pid, {"party_id": pid, "name": n.get("party_name"), "hop": n.get("hop"),
                                     "accounts": 0})
        p["accounts"] += 1
        p["hop"] = min(p["hop"], n.get("hop")) if p["hop"] is not None and n.get("hop") is not None else p["hop"]
    nb["parties"] = sorted(parties.values(), key=lambda p: (p["hop"] or 0, p["name"] or "", p["party_id"]))
    return nb
