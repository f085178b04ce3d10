"""Scheduled scans (APScheduler), persisted so they survive a restart."""

from __future__ import annotations

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS schedules (
  schedule_id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  trigger VARCHAR NOT NULL,
  cron VARCHAR,
  interval_seconds BIGINT,
  typology_ids VARCHAR[],
  lookback_days INTEGER,
  enabled BOOLEAN NOT NULL,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  last_run_at TIMESTAMP,
  last_scan_id VARCHAR,
  last_status VARCHAR,
  last_error VARCHAR
)""",
]
