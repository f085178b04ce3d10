"""The shape of a typology's per-transaction reading and of a verdict.

A typology that can decide on one transaction plus the party's recent state has a
``realtime.py`` in its folder (``typologies/<id>/realtime.py``) with a ``Reader`` class:

- ``Reader(con, params, directory)`` builds the reader's state from the data on file;
- ``evaluate(item, directory) -> list[Hit]`` reads one validated record (it does not change
  the state);
- ``add(item, directory)`` adds the record to the state (running totals, relationships).

Readers get their parameters from the live typology parameters (``typology_params``), the
same values the batch scan uses.

Verdict (:func:`verdict`): ``block`` when a hit says so (a payment to or from a designated
name must be frozen; a travel document reported lost or stolen), else ``review`` when any hit
fired or the party's risk tier is one of ``review_tiers``, else ``allow``.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from engine.realtime.directory import Directory

VERDICTS = ("allow", "review", "block")


@dataclass
class Hit:
    typology_id: str
    action: str  # review | block
    subject_type: str
    subject_id: str
    score: float
    reason: str
    evidence: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"typology_id": self.typology_id, "action": self.action, "subject_type": self.subject_type,
                "subject_id": self.subject_id, "score": round(self.score, 4), "reason": self.reason,
                "evidence": self.evidence, "details": self.details}


class Reader(Protocol):
    typology_id: str

    def evaluate(self, item: dict[str, Any], directory: Directory) -> list[Hit]: ...

    def add(self, item: dict[str, Any], directory: Directory) -> None: ...


class Running:
    """Per-subject time-ordered events (timestamp, id, amount) for sliding-window totals.

    An id counts once per subject: a record scored live and later loaded from file is the same event."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], list[tuple[datetime, str, float]]] = {}
        self.ids: set[tuple[tuple[str, str], str]] = set()

    def add(self, subject: tuple[str, str], ts: datetime, event_id: str, amount: float) -> None:
        if (subject, event_id) in self.ids:
            return
        self.ids.add((subject, event_id))
        insort(self.events.setdefault(subject, []), (ts, event_id, amount))

    def window(self, subject: tuple[str, str], start: datetime, end: datetime) -> list[tuple[datetime, str, float]]:
        """Events of ``subject`` with ``start <= ts <= end``."""
        ev = self.events.get(subject)
        if not ev:
            return []
        i = bisect_left(ev, (start, "", float("-inf")))
        out = []
        for e in ev[i:]:
            if e[0] > end:
                break
            out.append(e)
        return out


def window_with(events: list[tuple[datetime, str, float]], item: tuple[datetime, str, float]
                ) -> list[tuple[datetime, str, float]]:
    """``events`` plus ``item`` unless already there, in order."""
    if any(e[1] == item[1] for e in events):
        return events
    return sorted([*events, item])


def days(n: int) -> timedelta:
    return timedelta(days=n)


def verdict(hits: list[Hit], tiers: list[tuple[str, str]], review_tiers: tuple[str, ...]) -> tuple[str, list[str]]:
    """(verdict, reasons): see the module docstring.  ``tiers``: (party_id, tier) of the parties involved."""
    reasons = [h.reason for h in hits]
    tier_reasons = [f"party {pid} is rated {tier} risk" for pid, tier in tiers if tier in review_tiers]
    if any(h.action == "block" for h in hits):
        return "block", reasons + tier_reasons
    if hits or tier_reasons:
        return "review", reasons + tier_reasons
    return "allow", []
