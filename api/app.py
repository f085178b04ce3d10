"""The FastAPI application factory.

``create_app(db_path)`` opens the database (the serving process owns it), takes the
typology catalogue from the registry (``app.state.catalogue``: every scan of the API, the
pages and the scheduler runs it, through ``services.scans``), wires the routers (including the sanctions screening
router and the analyst pages of ``api.ui``) and starts the scan scheduler with the app's
lifespan.

Errors: :class:`engine.errors.CtfmonError` answers its ``http_status`` with
``{"detail": message}``; request validation answers 422; missing/invalid token 401;
a role without the permission 403.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api import ui
from api.deps import TokenCache
from api.docs import add_offline_docs
from api.models import Health
from api.routers import (
    alerts,
    audit,
    case_bulk,
    cases,
    ingest,
    mi,
    parties,
    reports,
    scans,
    schedules,
    score,
    screening,
    search,
    tuning,
    typologies,
    users,
)
from api.uploads import BodySizeLimit
from engine import auth, scan
from engine.errors import CtfmonError
from engine.schedule import ScheduleService, SharedDatabase
from services import scans as scan_service
from services import typologies as typology_service
from services.realtime import Scorer

log = logging.getLogger(__name__)

DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("demo-analyst", "analyst"),
    ("demo-supervisor", "supervisor"),
    ("demo-admin", "admin"),
    ("demo-auditor", "auditor"),
)


def _version() -> str:
    try:
        return version("ctfmon")
    except PackageNotFoundError:
        return "0"


def create_demo_users(db: SharedDatabase) -> dict[str, str]:
    """One user per role (created when missing) with a fresh token each: {name: token}."""
    tokens: dict[str, str] = {}
    with db.writing() as con:
        existing = {u["name"] for u in auth.list_users(con)}
        for name, role in DEMO_USERS:
            if name not in existing:
                auth.add_user(con, name, role, actor="demo")
            tokens[name] = auth.issue_token(con, name, actor="demo")[1]
    return tokens


def create_app(
    db_path: str | Path, demo: bool = False, *, scheduler: bool = True
) -> FastAPI:
    """The API over the database at ``db_path`` (``":memory:"`` for tests).

    ``demo`` creates one user per role and keeps their tokens in ``app.state.demo_tokens``.
    ``scheduler=False`` leaves scheduled scans off (they still can be managed and run by hand).
    """
    db = SharedDatabase(db_path)
    with db.writing() as con:  # scans left running by a server that was killed
        scan.mark_interrupted(con, actor="server start")
    catalogue = typology_service.catalogue()
    svc = ScheduleService(db, catalogue, scan_service.run_scheduled)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scheduler:
            svc.start()
        try:
            yield
        finally:
            app.state.scorer.stop()
            svc.shutdown()
            db.close()

    app = FastAPI(
        title="ctfmon",
        version=_version(),
        description=(
            "Counter-terrorism financing and AML transaction monitoring: alerts, cases, scans, "
            "typologies, schedules, goAML reports and the audit log. Authenticate with "
            "`Authorization: Bearer <token>` (`ctfmon users token NAME`)."
        ),
        lifespan=lifespan,
        docs_url=None,  # served from vendored assets by add_offline_docs
        redoc_url=None,
    )
    add_offline_docs(app)
    app.add_middleware(BodySizeLimit)
    app.state.db = db
    app.state.catalogue = catalogue
    app.state.scheduler = svc
    app.state.scorer = Scorer(db, catalogue)
    app.state.token_cache = TokenCache()
    app.state.demo_tokens = create_demo_users(db) if demo else {}

    @app.exception_handler(CtfmonError)
    async def _ctfmon_error(_request: Request, exc: CtfmonError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content={"detail": exc.message})

    @app.get("/health", response_model=Health, tags=["health"], summary="Liveness (no token needed)")
    def health() -> Health:
        return Health(status="ok", version=_version(), database=Path(db.path).name)

    # score first: a payment waiting for its decision should not wait for the matching of other routes
    for mod in (score, alerts, case_bulk, cases, parties, search, scans, ingest, typologies, tuning, schedules,
                reports, audit, users, screening, mi, ui):
        app.include_router(mod.router)
    return app
