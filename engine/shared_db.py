"""The serve process's hold on the database: one connection, a cursor per request, one write lock.

DuckDB allows one writing process per file, so the server opens the database once; API
handlers, page jobs and scheduled scans read through cursors of that connection and write
under one lock (:meth:`SharedDatabase.writing`), which serialises every writer while reads
continue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from engine import store


class SharedDatabase:
    """The serve process's hold on the database: one DuckDB connection, a cursor per
    thread/request (``con.cursor()``), and one write lock serialising every writer (API
    handlers and scheduled scans)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.con = store.connect(path)
        self.closed = False
        self.write_lock = threading.RLock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        if self.closed:  # reopened after close(): the app may be started again (tests, reloads)
            with self.write_lock:
                if self.closed:
                    self.con = store.connect(self.path)
                    self.closed = False
        return self.con.cursor()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.write_lock:
            cur = self._cursor()
            try:
                yield cur
            finally:
                cur.close()

    def close(self) -> None:
        """Release the database file (an in-memory database is kept: closing would lose it)."""
        if self.path == ":memory:" or self.closed:
            return
        with self.write_lock:
            self.con.close()
            self.closed = True
