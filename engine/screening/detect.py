"""Bulk screening of the database for the SAN-01 / SAN-02 detectors.

:func:`screen_parties` screens every party name and alternative name (with birth date,
nationality and id number as qualifiers); :func:`screen_transaction_names` screens the
distinct originator and beneficiary names of a set of transactions and attributes each
hit to the account owner on our side (the counterparty of the listed name).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import duckdb
import polars as pl

from engine.screening.index import ListIndex, get_index, screen_frame

log = logging.getLogger(__name__)

PARTY_KIND = "CASE WHEN party_type = 'individual' THEN 'person' ELSE 'entity' END"


def has_active_list(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT count(*) FROM screening_list_versions WHERE active "
                       "AND source_format <> 'documents-csv'").fetchall()
    return bool(rows and rows[0][0])


def party_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per party name or alternative name: qid (party id), name, kind, qualifiers."""
    return con.sql(
        f"""
        WITH p AS (
          SELECT party_id, name, alt_names, {PARTY_KIND} AS kind,
                 CAST(date_of_birth AS VARCHAR) AS birth_date, nationality, id_number AS document_number
          FROM parties
        )
        SELECT party_id AS qid, name, kind, birth_date, nationality, document_number FROM p
        UNION ALL
        SELECT p.party_id AS qid, u.alt AS name, p.kind, p.birth_date, p.nationality, p.document_number
        FROM p CROSS JOIN UNNEST(p.alt_names) AS u(alt)
        """
    ).pl()


def screen_parties(
    con: duckdb.DuckDBPyConnection, threshold: float, index: ListIndex | None = None
) -> pl.DataFrame:
    """Best match per (party, list entry) at or above ``threshold``.

    Columns: party_id, party_name, list_name, reference, entry_type, matched_name,
    query_name, score, name_score, name_rarity, name_only_common_tokens, features (JSON),
    explanation.
    """
    idx = index or get_index(con)
    names = party_names(con)
    hits = screen_frame(idx, names, threshold=threshold)
    if hits.height == 0:
        return hits.rename({"qid": "party_id", "name": "query_name"}).with_columns(
            party_name=pl.lit(None, pl.String)
        )
    best = (
        hits.sort(["score", "name"], descending=[True, False])
        .unique(subset=["qid", "list_name", "reference"], keep="first", maintain_order=True)
        .rename({"qid": "party_id", "name": "query_name"})
    )
    primary = names.group_by("qid").agg(pl.col("name").first().alias("party_name"))
    return best.join(primary.rename({"qid": "party_id"}), on="party_id", how="left")


def screen_transaction_names(
    con: duckdb.DuckDBPyConnection,
    threshold: float,
    source: str = "scan_transactions",
    index: ListIndex | None = None,
) -> pl.DataFrame:
    """Hits on originator/beneficiary names of ``source`` attributed to our-side owners
    (their subject in the scan view ``scan_accounts``: run inside a scan).

    Columns: subject_type, subject_id, account_id, side (originator|beneficiary),
    txn_id, timestamp, amount_base, currency, query_name, list_name, reference,
    entry_type, matched_name, score, name_score, name_rarity, name_only_common_tokens
    (only common name tokens agree and no qualifier does: the catalogue's "Common names"
    rule), features, explanation.
    """
    idx = index or get_index(con)
    names = con.sql(
        f"""
        SELECT DISTINCT n AS qid, n AS name, 'unknown' AS kind FROM (
          SELECT originator_name AS n FROM {source} WHERE originator_name IS NOT NULL
          UNION
          SELECT beneficiary_name AS n FROM {source} WHERE beneficiary_name IS NOT NULL
        ) x
        """
    ).pl()
    hits = screen_frame(idx, names, threshold=threshold)
    if hits.height == 0:
        return pl.DataFrame()
    best = hits.sort("score", descending=True).unique(
        subset=["qid", "list_name", "reference"], keep="first", maintain_order=True
    )
    con.register("_san_hits", best.select("qid", "list_name", "reference").to_arrow())
    try:
        rows = con.sql(
            f"""
            WITH sides AS (
              SELECT t.txn_id, t.timestamp, CAST(t.amount_base AS DOUBLE) AS amount_base, t.currency,
                     t.originator_name AS query_name, 'originator' AS side, t.to_account AS account_id
              FROM {source} t
              UNION ALL
              SELECT t.txn_id, t.timestamp, CAST(t.amount_base AS DOUBLE), t.currency,
                     t.beneficiary_name, 'beneficiary', t.from_account
              FROM {source} t
            )
            SELECT COALESCE(a.subject_type, 'account') AS subject_type,
                   COALESCE(a.subject_id, s.account_id) AS subject_id,
                   s.account_id, s.side, s.txn_id, s.timestamp, s.amount_base, s.currency, s.query_name,
                   h.list_name, h.reference
            FROM sides s
            JOIN _san_hits h ON h.qid = s.query_name
            LEFT JOIN scan_accounts a ON a.account_id = s.account_id
            WHERE s.account_id IS NOT NULL AND s.account_id <> ''
            """
        ).pl()
    finally:
        con.unregister("_san_hits")
    detail = best.select(
        pl.col("qid").alias("query_name"), "list_name", "reference", "entry_type", "matched_name", "score",
        "name_score", "name_rarity", "name_only_common_tokens", "features", "explanation",
    )
    return rows.join(detail, on=["query_name", "list_name", "reference"], how="inner")


def features_of(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}
