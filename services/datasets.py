"""Data sets: generate a synthetic population with planted typologies, verify it against the
typologies' literal readings, and convert public data sets (AMLSim, AMLworld) into contract
files.  The typology folders (planters, readings) come from the registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from engine.errors import CtfmonError
from services.typologies import units


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CtfmonError(f"{option} {value!r}: expected a date YYYY-MM-DD") from None


def generate(out: Path, *, seed: int, transactions: int, parties: int | None, start: str, days: int, fmt: str,
             typologies: str | None, profile: str, inject_errors: float) -> dict[str, Any]:
    """Write the data set to ``out``; returns its manifest."""
    from datagen.generate import make_config, write

    start_d = _date(start, "--start")
    folders = units()
    cfg = make_config(folders, seed=seed, transactions=transactions, parties=parties, start=start_d, days=days,
                      fmt=fmt, typologies=typologies, profile=profile, inject_errors=inject_errors)
    return write(out, cfg, folders)


def verify(data: Path) -> dict[str, dict[str, Any]]:
    """Per typology: planted positives and look-alikes meeting its literal reading."""
    from datagen.verify import verify as check

    if not (data / "manifest.json").is_file():
        raise CtfmonError(f"{data}: no manifest.json; expected a directory written by `ctfmon generate`")
    return check(data, {tid: u.reading for tid, u in units().items() if u.reading is not None})


def import_amlsim(src: Path, out: Path, *, start_date: str, country: str) -> dict[str, Any]:
    from datagen.importers.amlsim import import_amlsim as convert

    return convert(src, out, start_date=_date(start_date, "--start-date"), country=country.upper())


def import_amlworld(trans_csv: Path, out: Path, *, patterns: Path | None, country: str) -> dict[str, Any]:
    from datagen.importers.amlworld import import_amlworld as convert

    return convert(trans_csv, out, patterns=patterns, country=country.upper())
