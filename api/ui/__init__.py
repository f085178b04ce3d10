"""Analyst web pages under ``/ui`` (server-rendered; assets vendored in ``static/``),
plus the site root ``/``, which opens them.

``create_app`` includes :data:`router` when this package is importable.
"""

from fastapi import APIRouter

from api.ui.lists_page import router as lists_router
from api.ui.ops_pages import router as ops_router
from api.ui.pages import root_router
from api.ui.pages import router as pages_router
from api.ui.screening import router as screening_router

router = APIRouter()
router.include_router(pages_router)
router.include_router(ops_router)
router.include_router(screening_router)
router.include_router(lists_router)
router.include_router(root_router)

__all__ = ["router"]
