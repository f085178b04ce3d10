"""Writing export files safely, and CSV cells a spreadsheet will not run.

Every file the command line writes for people (alerts, quarantine, graphs, goAML reports,
evaluation figures) goes through :func:`output_file`:

- never over the database file or its companions (its WAL, its audit key);
- never over an existing file unless ``--force``;
- never into a directory that does not exist (it is not created silently);
- written to a temporary file beside the target and renamed into place, so a failed
  export leaves nothing half-written and an existing file untouched.

CSV written for people passes through :func:`neutralise_formulas`: a text cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (what spreadsheets read as a
formula) gets a leading apostrophe, which spreadsheets show as text (the OWASP
recommendation against CSV injection).  Strip one leading apostrophe to get the stored value.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from engine.errors import CtfmonError

log = logging.getLogger(__name__)

#: First characters a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def protected_files(db: Path | None) -> list[Path]:
    """The database file and the files that belong to it."""
    if db is None or str(db) == ":memory:":
        return []
    return [db, db.with_name(db.name + ".wal"), db.with_name(db.name + ".audit-key")]


def check_target(path: Path, *, force: bool = False, db: Path | None = None, option: str = "--out") -> Path:
    """Refuse an export target that would destroy something; returns the path to write.
    ``option`` names the command-line option in the messages."""
    target = Path(path)
    for p in protected_files(db):
        if target.resolve() == p.resolve() or _same_file(target, p):
            raise CtfmonError(f"{option} {target}: that is the database file {db} or one of its files; "
                              "choose another file name")
    if target.is_dir():
        raise CtfmonError(f"{option} {target} is a directory; give a file name")
    if target.exists() and not force:
        raise CtfmonError(f"{option} {target} exists: use --force to overwrite it")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise CtfmonError(f"{option} {target}: the directory {parent} does not exist; create it first")
    return target


@contextmanager
def output_file(path: Path, *, force: bool = False, db: Path | None = None,
                option: str = "--out") -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``path`` (see the module).

    Without ``force`` an existing ``path`` is refused, also one created while writing."""
    target = check_target(path, force=force, db=db, option=option)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        yield tmp
        if not tmp.exists():
            raise CtfmonError(f"nothing was written for {target}")
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails when the target appeared meanwhile: never clobbers
            except FileExistsError:
                raise CtfmonError(f"{option} {target} exists: use --force to overwrite it") from None
            except OSError:  # a filesystem without hard links
                if target.exists():
                    raise CtfmonError(f"{option} {target} exists: use --force to overwrite it") from None
                os.replace(tmp, target)
    except OSError as exc:
        raise CtfmonError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    log.info("wrote %s", target)


def write_bytes(path: Path, data: bytes, *, force: bool = False, db: Path | None = None,
                option: str = "--out") -> None:
    """Write ``data`` to ``path`` through :func:`output_file`."""
    with output_file(path, force=force, db=db, option=option) as tmp:
        tmp.write_bytes(data)


def neutralise_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would read as a formula, prefixed with an apostrophe."""
    exprs = [
        pl.when(pl.col(c).str.contains(_FORMULA_RE)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in df.schema.items() if dtype == pl.String
    ]
    return df.with_columns(exprs) if exprs else df


def write_csv_for_people(df: pl.DataFrame, path: Path) -> None:
    """CSV with formula-like cells neutralised (see the module docstring)."""
    neutralise_formulas(df).write_csv(path)
