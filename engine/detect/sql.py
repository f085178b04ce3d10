"""Detection SQL files: read once, ``$name`` parameters found and bound, results as frames.

A typology's SQL lives in files beside its code (``detect.sql`` and any others its
``detect()`` runs).  Values reach the SQL only as DuckDB prepared-statement parameters
(``$threshold``, ``$window``, ``$channels``), never by pasting text into it: a list binds
as a SQL list (``list_contains($channels, t.channel)``), a :class:`datetime.timedelta` as
an INTERVAL (``t.timestamp <= s.ts + $window``).  The parameters a file uses are found with
the SQL tokenizer (so a ``$`` inside a string literal, such as a JSON path, is not one), and
only those are bound: a missing value is an error naming the file and the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.tokens import TokenType

from engine.errors import CtfmonError


@dataclass(frozen=True)
class SqlFile:
    """One SQL file: its text and the names of its ``$`` parameters, in order of first use."""

    path: Path
    text: str
    names: tuple[str, ...]

    def bind(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values of this file's parameters (lists for tuples); refuses a missing one."""
        missing = [n for n in self.names if n not in values]
        if missing:
            raise CtfmonError(f"{self.path}: no value for parameter ${missing[0]} "
                              f"(given: {', '.join(sorted(values)) or 'none'})")
        return {n: _sql_value(values[n]) for n in self.names}


def placeholders(text: str) -> tuple[str, ...]:
    """The ``$name`` parameters of DuckDB SQL ``text``, each once, in order of first use."""
    tokens = DuckDB().tokenize(text)
    names: list[str] = []
    for tok, nxt in zip(tokens, tokens[1:], strict=False):
        if tok.token_type == TokenType.PARAMETER and tok.text == "$" and nxt.text not in names:
            names.append(nxt.text)
    return tuple(names)


@lru_cache(maxsize=512)
def read_sql(path: Path) -> SqlFile:
    """The SQL file at ``path`` (read and tokenised once per process)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CtfmonError(f"cannot read SQL file {path}: {exc.strerror or exc}") from None
    return SqlFile(path, text, placeholders(text))


def query(con: duckdb.DuckDBPyConnection, path: Path, values: Mapping[str, Any]) -> pl.DataFrame:
    """Run the query in ``path`` with its parameters bound from ``values``; a polars frame."""
    f = read_sql(path)
    return con.sql(f.text, params=f.bind(values) or None).pl()


def execute(con: duckdb.DuckDBPyConnection, path: Path, values: Mapping[str, Any]) -> None:
    """Run the statement in ``path`` (e.g. ``CREATE TEMP TABLE ... AS``) with its parameters bound."""
    f = read_sql(path)
    con.execute(f.text, f.bind(values) or None)


def _sql_value(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_sql_value(x) for x in v]
    return v
