"""Analyst web pages under ``/ui`` (server-rendered; assets vendored in ``static/``).

``create_app`` includes :data:`router` when this package is importable.
"""

from api.ui.pages import router

__all__ = ["router"]
