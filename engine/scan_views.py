"""The temporary views and reference tables a scan's detectors read (see
:class:`engine.detect.base.ScanContext`): the window's rows, the one account-to-subject mapping,
transfers with both sides resolved, money-flow edges and reference data."""

from __future__ import annotations

from datetime import datetime

import duckdb

from engine import reference
from engine.detect import everyday
from engine.graph import EDGE_CONDITION


def prepare_scan_views(
    con: duckdb.DuckDBPyConnection, window_start: datetime, window_end: datetime
) -> None:
    """Create the temporary views and reference tables a detector reads (see ScanContext)."""
    ws = window_start.isoformat(sep=" ")
    we = window_end.isoformat(sep=" ")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_transactions AS SELECT * FROM transactions "
        f"WHERE timestamp >= TIMESTAMP '{ws}' AND timestamp <= TIMESTAMP '{we}'"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_cash_declarations AS SELECT * FROM cash_declarations "
        f"WHERE timestamp >= TIMESTAMP '{ws}' AND timestamp <= TIMESTAMP '{we}'"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_trade_documents AS SELECT * FROM trade_documents "
        f"WHERE date >= CAST(TIMESTAMP '{ws}' AS DATE) AND date <= CAST(TIMESTAMP '{we}' AS DATE)"
    )
    # the one account -> subject mapping: the owning party when it is on file, else the account
    con.execute(
        """CREATE OR REPLACE TEMP VIEW scan_accounts AS
SELECT a.account_id, a.account_type, a.country AS account_country, a.opened_on, a.closed_on,
       p.party_id, p.party_type, p.name AS party_name, p.country AS party_country,
       p.occupation AS party_occupation,
       CASE WHEN p.party_id IS NULL THEN 'account' ELSE 'party' END AS subject_type,
       COALESCE(p.party_id, a.account_id) AS subject_id
FROM accounts a LEFT JOIN parties p ON p.party_id = a.party_id"""
    )
    # the scan window's transactions with both sides resolved through scan_accounts
    con.execute(
        """CREATE OR REPLACE TEMP VIEW scan_transfers AS
SELECT t.txn_id, t.timestamp AS ts, t.channel, CAST(t.amount_base AS DOUBLE) AS amt,
       t.from_account, t.to_account, t.originator_name, t.beneficiary_name, t.originator_country,
       t.beneficiary_country, t.reference, t.location_country,
       (fo.account_id IS NOT NULL) AS f_on_file, fo.party_id AS f_party, fo.party_type AS f_ptype,
       fo.account_country AS f_acct_country, fo.account_type AS f_acct_type,
       COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
       (tt.account_id IS NOT NULL) AS t_on_file, tt.party_id AS t_party, tt.party_type AS t_ptype,
       tt.account_country AS t_acct_country, tt.account_type AS t_acct_type,
       COALESCE(tt.subject_type, 'account') AS t_stype, COALESCE(tt.subject_id, t.to_account) AS t_sid,
       COALESCE(t.beneficiary_country, tt.account_country) AS dest_country,
       COALESCE(t.originator_country, fo.account_country) AS orig_country,
       (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
        AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account)) AS self_transfer
FROM scan_transactions t
LEFT JOIN scan_accounts fo ON fo.account_id = t.from_account
LEFT JOIN scan_accounts tt ON tt.account_id = t.to_account"""
    )
    # money-flow edges of the window (engine.graph): the candidate rows of the graph typologies
    con.execute(
        "CREATE OR REPLACE TEMP VIEW scan_edges AS SELECT t.txn_id, t.timestamp AS ts, t.from_account AS src, "
        f"t.to_account AS dst, CAST(t.amount_base AS DOUBLE) AS amount FROM scan_transactions t WHERE {EDGE_CONDITION}"
    )
    # supplied reference prices per HS code and unit (TF-TBML-01), when a table
    # trade_reference_prices(hs_code, unit, price) is loaded; else empty
    supplied = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'trade_reference_prices'"
    ).fetchall()} >= {"hs_code", "unit", "price"}
    con.execute(
        "CREATE OR REPLACE TEMP VIEW ref_trade_prices AS "
        + ("SELECT hs_code, unit, CAST(price AS DOUBLE) AS price FROM trade_reference_prices WHERE price > 0"
           if supplied else
           "SELECT CAST(NULL AS VARCHAR) AS hs_code, CAST(NULL AS VARCHAR) AS unit, CAST(NULL AS DOUBLE) AS price "
           "WHERE FALSE")
    )
    # the everyday-activity facts (recurring relationships, counterparty counts, data coverage)
    everyday.prepare(con, window_end)
    jr = reference.jurisdiction_risk().select("country", "category", "weight")
    mcc = reference.mcc_groups().select("mcc_from", "mcc_to", "mcc_group")
    con.register("_ref_jr", jr.to_arrow())
    con.register("_ref_mcc", mcc.to_arrow())
    con.execute("CREATE OR REPLACE TEMP TABLE ref_jurisdiction_risk AS SELECT * FROM _ref_jr")
    con.execute("CREATE OR REPLACE TEMP TABLE ref_mcc_groups AS SELECT * FROM _ref_mcc")
    con.unregister("_ref_jr")
    con.unregister("_ref_mcc")
    con.execute("CREATE OR REPLACE TEMP TABLE scan_views_window AS SELECT ?::TIMESTAMP AS ws, ?::TIMESTAMP AS we",
                [window_start, window_end])


def views_window(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime] | None:
    """The window the scan views on this connection were prepared for (``None``: none yet)."""
    try:
        rows = con.execute("SELECT ws, we FROM temp.main.scan_views_window").fetchall()
    except duckdb.CatalogException:
        return None
    return (rows[0][0], rows[0][1]) if rows else None
