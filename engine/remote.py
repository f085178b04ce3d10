"""Reading through a running server's API while it holds the database.

DuckDB lets one process write a database file and keeps others out while it does, so while
``ctfmon serve`` runs, other ``ctfmon`` commands cannot open the file.  Read commands then
ask the server instead, with the API token in ``CTFMON_TOKEN`` at ``CTFMON_URL`` (default
``http://127.0.0.1:8000``).  Standard library only: no HTTP client dependency for a CLI
fallback.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from engine.config import get_settings
from engine.errors import CtfmonError, DatabaseBusy

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 300.0


class ApiClient:
    """A small JSON client for the ctfmon API (bearer token)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def _request(self, method: str, path: str, params: dict[str, Any] | None = None,
                 body: Any = None) -> tuple[bytes, str]:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        target = self.url + path + (("?" + urllib.parse.urlencode(query)) if query else "")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(target, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310 (http(s) URL from settings)
                return resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            detail = _detail(exc.read())
            if exc.code == 401:
                raise CtfmonError(f"the server at {self.url} refused CTFMON_TOKEN: {detail}") from None
            raise CtfmonError(f"the server at {self.url} answered {exc.code}: {detail}",
                              http_status=exc.code) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CtfmonError(f"no ctfmon server answers at {self.url} (CTFMON_URL): {reason}") from None

    def get(self, path: str, **params: Any) -> Any:
        return json.loads(self._request("GET", path, params)[0])

    def post(self, path: str, body: Any) -> Any:
        return json.loads(self._request("POST", path, body=body)[0])

    def get_bytes(self, path: str, **params: Any) -> bytes:
        return self._request("GET", path, params)[0]


def _detail(raw: bytes) -> str:
    try:
        detail = json.loads(raw).get("detail")
    except (ValueError, AttributeError):
        return raw.decode("utf-8", "replace")[:300]
    if isinstance(detail, list):  # request validation errors
        return "; ".join(str(d.get("msg", d)) for d in detail)
    return str(detail)


def client_for(path: Path, busy: DatabaseBusy) -> ApiClient:
    """The API client to use because ``path`` is held by another process (``busy``); without
    ``CTFMON_TOKEN`` the refusal says how to get one."""
    s = get_settings()
    if not s.token:
        raise CtfmonError(
            f"{busy.message}. While `ctfmon serve` holds it, read commands go through its API: set "
            f"CTFMON_TOKEN to an API token (`ctfmon users token NAME` before starting the server, or "
            f"POST /users/NAME/tokens) and CTFMON_URL if the server is not at {s.url}"
        )
    log.info("database %s is held by another process: reading through %s", path, s.url)
    return ApiClient(s.url, s.token)
