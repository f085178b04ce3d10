"""Scans started from the pages run in a background thread so the page can poll them.

A job runs exactly what ``POST /scans`` runs (:func:`services.scans.run_scan`: scan, case
sync, audit entry) under the shared write lock.  Its scan row is found by a ``triggered_by`` tag unique to the job, so
the page can show the scan (status ``running`` and the alerts stored so far) while it runs.
Jobs live in memory: after a restart the scan itself is still in the scans list.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.auth import User
from engine.detect.catalogue import Catalogue
from engine.errors import CtfmonError
from engine.schedule import SharedDatabase
from engine.store import now_utc
from services import scans

log = logging.getLogger(__name__)

MAX_JOBS = 200


@dataclass
class ScanJob:
    job_id: str
    user: str
    tag: str
    started_at: datetime
    status: str = "queued"  # queued, running, done, failed
    scan_id: str | None = None
    result: dict[str, Any] | None = None
    cases: dict[str, int] | None = None
    error: str | None = None
    finished_at: datetime | None = None
    thread: threading.Thread | None = field(default=None, repr=False)


class ScanJobs:
    def __init__(self, db: SharedDatabase, catalogue: Catalogue) -> None:
        self.db = db
        self.catalogue = catalogue
        self._jobs: dict[str, ScanJob] = {}
        self._guard = threading.Lock()

    def get(self, job_id: str) -> ScanJob | None:
        with self._guard:
            return self._jobs.get(job_id)

    def start(self, user: User, *, as_of: datetime | None, lookback_days: int | None,
              typology_ids: list[str] | None, sandbox: bool = False) -> ScanJob:
        job_id = secrets.token_hex(6)
        job = ScanJob(job_id=job_id, user=user.name, tag=f"ui:{user.name}:{job_id}", started_at=now_utc())
        with self._guard:
            if len(self._jobs) >= MAX_JOBS:
                oldest = sorted((j for j in self._jobs.values() if j.status in ("done", "failed")),
                                key=lambda j: j.started_at)
                for j in oldest[: len(self._jobs) - MAX_JOBS + 1]:
                    del self._jobs[j.job_id]
            self._jobs[job_id] = job
        job.thread = threading.Thread(
            target=self._run, args=(job, user, as_of, lookback_days, typology_ids, sandbox),
            name=f"ui-scan-{job_id}", daemon=True,
        )
        job.thread.start()
        return job

    def _run(self, job: ScanJob, user: User, as_of: datetime | None, lookback_days: int | None,
             typology_ids: list[str] | None, sandbox: bool = False) -> None:
        try:
            with self.db.writing() as con:
                job.status = "running"
                out = scans.run_scan(con, self.catalogue, actor=user.name, triggered_by=job.tag,
                                     case_actor=f"ui:{user.name}", as_of=as_of, lookback_days=lookback_days,
                                     typology_ids=typology_ids, sandbox=sandbox)
                job.scan_id = out.result.scan_id
            job.result = out.result.to_dict()
            job.cases = out.cases_dict()
            job.status = "done"
        except CtfmonError as exc:
            job.error = exc.message
            job.status = "failed"
        except Exception as exc:  # the page must say the scan failed rather than spin forever
            log.exception("scan job %s failed", job.job_id)
            job.error = f"the scan failed unexpectedly ({type(exc).__name__}: {exc}); see the server log"
            job.status = "failed"
        finally:
            job.finished_at = now_utc()
