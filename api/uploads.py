"""File uploads: a size limit on every request body, and errors that never show server paths.

- :class:`BodySizeLimit` (ASGI middleware) answers 413 to any request whose body is larger
  than ``CTFMON_UPLOAD_MAX_MB`` (default 50): at once when ``Content-Length`` says so,
  otherwise as soon as the streamed body passes the limit.
- :func:`saved_upload` stores an upload in a private temporary directory under a safe name
  and, for any :class:`~engine.errors.CtfmonError` raised while it is processed, replaces
  the temporary path in the message with the name the client uploaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.config import get_settings
from engine.errors import CtfmonError

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
CHUNK = 1 << 20


def max_upload_bytes() -> int:
    return int(get_settings().upload_max_mb * 1024 * 1024)


def too_large_message(limit: int) -> str:
    return (f"the upload is larger than the server accepts ({get_settings().upload_max_mb:g} MB, setting "
            "CTFMON_UPLOAD_MAX_MB); load larger files on the server with `ctfmon ingest`")


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over :func:`max_upload_bytes` with 413 (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_upload_bytes()
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_413(send, limit)
            return
        seen = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # whatever the app answers to a body cut short, the client gets the 413
                return
            started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _send_413(send, limit)


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large_message(limit)}).encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def scrub(message: str, replacements: dict[str, str]) -> str:
    """``message`` with every key of ``replacements`` (server paths) replaced by its value."""
    for old in sorted(replacements, key=len, reverse=True):
        if old:
            message = message.replace(old, replacements[old])
    return message


@contextmanager
def saved_upload(file: UploadFile, *, suffixes: tuple[str, ...], expected: str) -> Iterator[tuple[Path, str]]:
    """The upload saved as a file: yields (path, the client's file name).  A name without one
    of ``suffixes`` is refused (422, ``expected`` says what is); errors raised inside the block
    name the upload, never the temporary path."""
    name = Path(file.filename or "").name
    safe = _SAFE.sub("_", name).lstrip(".")
    if not safe or Path(safe).suffix.lower() not in suffixes:
        raise CtfmonError(f"upload {name!r}: expected {expected}", http_status=422)
    limit = max_upload_bytes()
    with tempfile.TemporaryDirectory(prefix="ctfmon-upload-") as tmp:
        path = Path(tmp) / safe
        written = 0
        with path.open("wb") as out:
            while chunk := file.file.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise CtfmonError(f"upload {name!r}: {too_large_message(limit)}", http_status=413)
                out.write(chunk)
        hide: dict[str, Any] = {str(path): name, os.path.realpath(path): name,
                                tmp: "(upload)", os.path.realpath(tmp): "(upload)"}
        try:
            yield path, name
        except CtfmonError as exc:
            exc.message = scrub(exc.message, hide)
            exc.args = (exc.message,)
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
