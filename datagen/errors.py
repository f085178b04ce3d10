"""``--inject-errors RATE``: malformed rows of known kinds, for testing ingest's quarantine.

For each contract table about ``RATE x rows`` bad rows are *added* (never changing a good
row, so every label's evidence stays intact), spread evenly over the table's error kinds.
Each bad row is a copy of a random unlabelled good row with one defect and a fresh id,
except ``conflicting_duplicate``, which repeats an existing id with different content
(placed after the original).  A table that receives bad rows is written with text columns
(lists stay lists in Parquet/JSON), as a careless upstream system would send it.
The counts per table and kind go to ``manifest.json`` under ``injected_errors``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from datagen.writer import as_text
from engine.schema import TABLES

Row = dict[str, object]


def _txn_channel_rule(r: Row, rng: np.random.Generator) -> None:
    variant = int(rng.integers(3))
    if variant == 0:  # cash deposit that names a debited account
        r["channel"] = "cash_deposit"
        r["from_account"] = r.get("to_account") or r.get("from_account")
        r["to_account"] = r["to_account"] or "EXT-CASH-0001"
        if r["from_account"] == r["to_account"]:
            r["from_account"] = "EXT-CASH-0002"
    elif variant == 1:  # wire with no credited account
        r["channel"] = "wire"
        r["from_account"] = r.get("from_account") or "EXT-WIRE-0001"
        r["to_account"] = None
    else:  # transfer to the same account
        r["channel"] = "domestic_transfer"
        acct = r.get("from_account") or r.get("to_account")
        r["from_account"] = acct
        r["to_account"] = acct


def _set(col: str, value: object) -> Callable[[Row, np.random.Generator], None]:
    def f(r: Row, rng: np.random.Generator) -> None:
        r[col] = value
    return f


def _pick(col: str, values: tuple[str, ...]) -> Callable[[Row, np.random.Generator], None]:
    def f(r: Row, rng: np.random.Generator) -> None:
        r[col] = values[int(rng.integers(len(values)))]
    return f


def _mcc(r: Row, rng: np.random.Generator) -> None:
    r["channel"] = "card_payment"
    r["to_account"] = None
    if not r.get("from_account"):
        r["from_account"] = "EXT-CARD-0001"
    r["merchant_category"] = ("45A1", "541", "54111", "MCC5411")[int(rng.integers(4))]


def _closed_before(r: Row, rng: np.random.Generator) -> None:
    r["opened_on"] = "2024-06-15"
    r["closed_on"] = "2023-11-02"


#: table -> kind -> how to break a copied row
KINDS: dict[str, dict[str, Callable[[Row, np.random.Generator], None]]] = {
    "transactions": {
        "missing_required": _set("amount", None),
        "unknown_enum": _pick("channel", ("wire_transfer", "ATM", "crypto", "zelle")),
        "bad_currency": _pick("currency", ("US$", "RMB", "EURO", "XXY")),
        "bad_country": _pick("originator_country", ("UK", "XX", "USA", "Sg")),
        "bad_amount_not_positive": _pick("amount", ("0", "-250.00", "-1")),
        "bad_amount_decimals": _pick("amount", ("125.505", "99.999", "10.125")),
        "bad_amount_unparseable": _pick("amount", ("12,50O", "ten", "1.2.3")),
        "bad_timestamp": _pick("timestamp", ("2026-02-30T10:00:00", "2026-13-01T00:00:00", "yesterday", "31/12/2026 10:00")),
        "channel_rule": _txn_channel_rule,
        "bad_mcc": _mcc,
    },
    "parties": {
        "missing_required": _set("name", None),
        "unknown_enum": _pick("party_type", ("person", "company", "charity")),
        "bad_country": _pick("country", ("UK", "XX", "KOR")),
        "bad_date": _pick("date_of_birth", ("1985-02-30", "12/05/1990", "1990-13-01")),
    },
    "accounts": {
        "missing_required": _set("institution_id", None),
        "unknown_enum": _pick("account_type", ("checking", "credit_card", "brokerage")),
        "bad_currency": _pick("currency", ("RMB", "NTD", "US$")),
        "closed_before_opened": _closed_before,
    },
    "cash_declarations": {
        "missing_required": _set("traveller_name", None),
        "unknown_enum": _pick("direction", ("in", "out", "transit")),
        "bad_amount_not_positive": _pick("amount", ("0", "-5000")),
        "bad_timestamp": _pick("timestamp", ("2026-04-31T08:00:00", "not a time")),
    },
    "trade_documents": {
        "missing_required": _set("hs_code", None),
        "bad_hs_code": _pick("hs_code", ("8517.12", "85171", "ABCDEF", "8517120")),
        "unknown_enum": _pick("unit", ("pcs", "tonnes", "boxes")),
        "bad_amount_not_positive": _pick("invoice_value", ("0", "-1200.00")),
        "bad_date": _pick("date", ("2026/03/04", "2026-02-29", "04-03-2026")),
    },
}
_CONFLICT = "conflicting_duplicate"
#: column changed to make a conflicting duplicate
_CONFLICT_COL = {
    "transactions": "amount", "parties": "name", "accounts": "institution_id",
    "cash_declarations": "amount", "trade_documents": "quantity",
}


def inject(tables: dict[str, pl.DataFrame], rate: float, rng: np.random.Generator, labels: pl.DataFrame
           ) -> tuple[dict[str, pl.DataFrame], dict[str, dict[str, int]]]:
    """Add malformed rows to each contract table; return the tables and the counts per kind."""
    labelled = set(labels["entity_id"].to_list())
    counts: dict[str, dict[str, int]] = {}
    out = dict(tables)
    for table, kinds in KINDS.items():
        df = tables[table]
        if df.height == 0:
            continue
        id_col = TABLES[table].id_column
        assert id_col is not None
        kind_names = [*kinds, _CONFLICT]
        total = max(len(kind_names), int(round(rate * df.height)))
        per = {k: total // len(kind_names) + (1 if i < total % len(kind_names) else 0) for i, k in enumerate(kind_names)}
        text = as_text(df)
        ids = text[id_col].to_numpy()
        candidates = np.nonzero(~np.isin(ids, list(labelled)))[0]
        picks = rng.choice(candidates, size=min(total, len(candidates)), replace=len(candidates) < total)
        src_rows = text[picks].to_dicts()
        bad: list[Row] = []
        j = 0
        for kind in kind_names:
            for i in range(per[kind]):
                r = dict(src_rows[j % len(src_rows)])
                j += 1
                if kind == _CONFLICT:
                    col = _CONFLICT_COL[table]
                    if col in ("amount", "quantity"):
                        r[col] = f"{float(str(r[col])) * 1.5 + 1:.2f}"
                    else:
                        r[col] = f"{r[col]} (amended)"
                else:
                    r[id_col] = f"{ids[0][:2]}ERR-{kind.upper()}-{i + 1:05d}"
                    kinds[kind](r, rng)
                bad.append(r)
        counts[table] = {k: v for k, v in per.items() if v}
        bad_df = pl.DataFrame(bad, schema=text.schema)
        out[table] = pl.concat([text, bad_df])
    return out, counts
