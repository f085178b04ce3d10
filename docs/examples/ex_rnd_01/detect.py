"""EX-RND-01 Round-amount cash deposits.

The first window of ``window_days`` in which a party (or an account whose owner is not on
file) receives at least ``min_deposits`` cash deposits of at least ``min_amount`` that are
multiples of ``unit`` in the base currency.  Everything else is in ``detect.sql``: it
computes the alert's subject, window, evidence, score, explanation and details itself, so
the class only names its parameters and turns ``window_days`` into the interval the SQL
binds as ``$window``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import Params, ScanContext
from engine.detect.typology import Typology


class RoundDepositParams(Params):
    min_deposits: int = Field(3, ge=2, description="round cash deposits needed within the window")
    min_amount: float = Field(5_000, gt=0, description="smallest deposit counted (base currency)")
    unit: float = Field(1_000, gt=0, description="a deposit is round when it is a multiple of this amount")
    window_days: int = Field(7, ge=1, description="length of the window in days")


class RoundAmountDeposits(Typology[RoundDepositParams]):
    Params = RoundDepositParams

    def bind(self, ctx: ScanContext[RoundDepositParams]) -> dict[str, Any]:
        return {**super().bind(ctx), "window": timedelta(days=ctx.params.window_days)}
