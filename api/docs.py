"""``/docs`` served from the vendored Swagger UI, so the API reference works offline.

FastAPI's default pages load Swagger UI and ReDoc from a CDN; here the docs page takes the
script and stylesheet from ``/ui/static/vendor/swagger-ui-<version>/`` (see
``api/ui/static/LICENSES.md``) and ReDoc is not offered.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_UI = "/ui/static/vendor/swagger-ui-5.32.0"


def add_offline_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (the app must be built with ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        )
