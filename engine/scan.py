"""Scans: run selected typologies over an as-of window, store the scan and its alerts.

Tables: ``scans`` (one row per scan run) and ``alerts`` (the contract's alert shape, one
row per distinct alert id; re-running a scan adds nothing new).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from engine import reference

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS scans (
  scan_id VARCHAR PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  as_of TIMESTAMP NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  typologies VARCHAR[] NOT NULL,
  params JSON NOT NULL,
  status VARCHAR NOT NULL,
  counts JSON,
  timings JSON,
  errors JSON,
  triggered_by VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS alerts (
  alert_id VARCHAR PRIMARY KEY,
  typology_id VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,
  subject_id VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  evidence VARCHAR[] NOT NULL,
  explanation VARCHAR NOT NULL,
  details JSON,
  scan_id VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)""",
]


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
    jr = reference.jurisdiction_risk().select("country", "category", "weight")
    mcc = reference.mcc_groups().select("mcc_from", "mcc_to", "mcc_group")
    con.register("_ref_jr", jr.to_arrow())
    con.register("_ref_mcc", mcc.to_arrow())
    con.execute("CREATE OR REPLACE TEMP TABLE ref_jurisdiction_risk AS SELECT * FROM _ref_jr")
    con.execute("CREATE OR REPLACE TEMP TABLE ref_mcc_groups AS SELECT * FROM _ref_mcc")
    con.unregister("_ref_jr")
    con.unregister("_ref_mcc")
