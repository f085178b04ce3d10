"""Discovers typology modules in this package: one module per typology id."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import typologies
from engine.errors import CtfmonError, NotFound
from typologies.base import Typology

_NOT_TYPOLOGIES = {"base", "registry"}


@lru_cache(maxsize=1)
def all_typologies() -> dict[str, type[Typology]]:
    """Every typology class by id, in id order."""
    found: dict[str, type[Typology]] = {}
    for info in pkgutil.iter_modules(typologies.__path__):
        if info.name in _NOT_TYPOLOGIES or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"typologies.{info.name}")
        for obj in vars(mod).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Typology)
                and obj is not Typology
                and obj.__module__ == mod.__name__
                and getattr(obj, "id", None)
            ):
                if obj.id in found:
                    raise CtfmonError(f"typology id {obj.id} is defined twice ({mod.__name__})")
                found[obj.id] = obj
    return dict(sorted(found.items()))


def get(typology_id: str) -> type[Typology]:
    try:
        return all_typologies()[typology_id]
    except KeyError:
        known = ", ".join(all_typologies()) or "none"
        raise NotFound(f"unknown typology {typology_id!r}; known: {known}") from None


def select(ids: list[str] | None) -> list[type[Typology]]:
    """The typologies named by ``ids`` (all when None/empty); unknown ids are refused."""
    if not ids:
        return list(all_typologies().values())
    return [get(i.strip()) for i in ids if i.strip()]
