"""The one exception type for errors a user can cause."""

from __future__ import annotations


class CtfmonError(Exception):
    """A user-caused error: bad file, bad parameter, unknown id, database in use.

    The message names what is wrong and where (file, row, field) and what is expected.
    The CLI prints it without a traceback and exits with ``exit_code``; the API answers
    with ``http_status``.
    """

    def __init__(self, message: str, *, exit_code: int = 2, http_status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.http_status = http_status

    def __str__(self) -> str:
        return self.message


class NotFound(CtfmonError):
    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2, http_status=404)


class Conflict(CtfmonError):
    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2, http_status=409)


class DatabaseBusy(CtfmonError):
    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2, http_status=503)
