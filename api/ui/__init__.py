"""Analyst web pages under ``/ui`` (server-rendered; assets vendored in ``static/``),
plus the site root ``/``, which opens them.

``create_app`` includes :data:`router` when this package is importable.
"""

from fastapi import APIRouter

from api.ui.audit_pages import router as audit_router
from api.ui.case_regroup import router as regroup_router
from api.ui.lists_page import router as lists_router
from api.ui.ops_pages import router as ops_router
from api.ui.pages import root_router
from api.ui.pages import router as pages_router
from api.ui.party_pages import router as party_router
from api.ui.queue_page import router as queue_router
from api.ui.screening import router as screening_router
from api.ui.tuning_pages import router as tuning_router

router = APIRouter()
router.include_router(queue_router)  # before the case pages: /ui/cases/bulk is not a case id
router.include_router(pages_router)
router.include_router(regroup_router)
router.include_router(ops_router)
router.include_router(audit_router)
router.include_router(party_router)
router.include_router(screening_router)
router.include_router(tuning_router)
router.include_router(lists_router)
router.include_router(root_router)

__all__ = ["router"]
