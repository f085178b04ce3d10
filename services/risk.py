"""Rate every party on request (after editing the weights file, say); scans rate them themselves.

Each run on request writes one ``risk.rate`` audit entry naming the weights version and the
tier counts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from engine import audit, risk


def rate(con: duckdb.DuckDBPyConnection, *, actor: str, triggered_by: str,
         weights_file: str | Path | None = None) -> risk.RatingRun:
    """Rate all parties with ``weights_file`` (default: the weights in force), validated first."""
    weights = risk.load_weights(weights_file)
    run = risk.rate_parties(con, weights, triggered_by=triggered_by)
    audit.record(con, audit.AuditEvent(
        actor, "risk.rate", "party_risk_run", run.run_id, None,
        {"weights_version": run.weights_version, "weights_file": str(weights_file or risk.weights_path()),
         "parties": run.parties, "changed": run.changed, "tiers": run.tiers},
    ))
    return run
