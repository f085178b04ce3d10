"""Small helpers shared by detectors: number formatting for explanations, score shaping."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def money(x: float | int | Any, currency: str = "USD") -> str:
    """``38600.0`` -> ``'38,600 USD'`` (cents shown only when the amount has them)."""
    v = float(x)
    text = f"{v:,.0f}" if abs(v - round(v)) < 0.005 else f"{v:,.2f}"
    return f"{text} {currency}" if currency else text


def num(x: float | int | Any) -> str:
    """Thousands separators, no currency: ``9400.0`` -> ``'9,400'``."""
    return money(x, "")


def pct(x: float) -> str:
    """``0.913`` -> ``'91%'``."""
    return f"{100 * float(x):.0f}%"


def days_between(a: datetime, b: datetime) -> float:
    return abs((b - a).total_seconds()) / 86400.0


def clamp01(x: float) -> float:
    return max(0.0, min(1.0, float(x)))


def ramp(value: float, start: float, full: float) -> float:
    """0 at ``start``, 1 at ``full`` (either direction), linear in between, clamped."""
    if full == start:
        return 1.0 if value >= full else 0.0
    return clamp01((value - start) / (full - start))


def combine(base: float, *boosts: float) -> float:
    """A base score raised towards 1 by each boost in 0..1 (noisy-or), clamped to 0..1."""
    s = clamp01(base)
    for b in boosts:
        s = 1.0 - (1.0 - s) * (1.0 - clamp01(b))
    return clamp01(s)
