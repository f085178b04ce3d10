"""TF-NPO-01 NPO funds diverted outside its declared operations.

Definition (catalogue): an NPO sends >= 20% of its outflows, and >= 10,000, in 90 days to
countries outside ``npo_operating_countries``, to individuals rather than organisations,
or in cash withdrawals; regular staff salaries and other recurring payments to the same
individuals are operations, not diversion; high-risk destinations raise the score.

Reading of the data:

- The NPO is a party of type ``npo``; its outflows are all debits from its accounts in the
  scan window (transfers, cash, cards), except moves between its own accounts.
- Within any 90-day window the diverted part of the NPO's outflows is >= 10,000
  (``min_diverted_amount``) and >= 20% of them.
- A debit is diverted when any of these holds:
  * outside operations: its destination country (beneficiary country, else the credited
    account's country, else the transaction's location country) is known, is not the
    NPO's own country of registration, and is not in ``npo_operating_countries`` (an NPO
    that declares none has no declared operations abroad);
  * to an individual: the credited party is on file as ``individual``, or it is not on
    file and the beneficiary name is given and does not look like an organisation;
    unless (``excuse_recurring_individuals``) the NPO's account and the credited account
    transact in ``recurring_min_months`` (3) or more distinct calendar months over the data
    on file: staff salaries and other recurring payments to the same people are operations
    (scan view ``scan_relationships``);
  * cash: a ``cash_withdrawal`` or ``atm_withdrawal``.
- Overlapping qualifying windows merge into one alert per NPO and burst.

Score: ``0.3 + 0.4 * ramp(diverted share, 20%, 80%) + 0.3 * h`` where ``h`` is the
amount-weighted jurisdiction weight of the diverted debits (0 for destinations not in
``ref_jurisdiction_risk``), so high-risk destinations raise it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import ScanContext
from engine.detect.everyday import RecurringParams
from engine.detect.typology import Row, Typology
from typologies._common import (
    ORG_NAME_PATTERN,
    as_list,
    base_currency,
    clamp01,
    country_names,
    join_words,
    money,
    pct,
    plural,
    ramp,
    whole_days,
)


class Npo01Params(RecurringParams):
    min_diverted_share: float = Field(
        0.2, gt=0, le=1, description="share of the NPO's outflows in the window that is diverted"
    )
    min_diverted_amount: float = Field(10_000, gt=0, description="diverted outflows within window_days (base currency)")
    excuse_recurring_individuals: bool = Field(
        True, description="payments to individuals in a recurring relationship with the NPO (see "
        "recurring_min_months: staff salaries, stipends) are operations, not diversion"
    )
    window_days: int = Field(90, ge=1, le=366, description="length of the sliding window in days")


Ctx = ScanContext[Npo01Params]


class NpoFundsDiverted(Typology[Npo01Params]):
    Params = Npo01Params

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        return {**super().bind(ctx), "window": timedelta(days=int(ctx.params.window_days)),
                "org_name_pattern": ORG_NAME_PATTERN}

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        total, diverted = float(row["total"]), float(row["diverted"])
        return {
            "outflow_amount": round(total, 2),
            "diverted_amount": round(diverted, 2),
            "diverted_share": round(clamp01(diverted / total) if total else 0.0, 4),
            "diverted_count": int(row["n_div"]),
            "outside_operations_amount": round(float(row["outside_amt"]), 2),
            "to_individuals_amount": round(float(row["individual_amt"]), 2),
            "cash_amount": round(float(row["cash_amt"]), 2),
            "high_risk_amount": round(float(row["hr_amt"]), 2),
            "high_risk_weight": round(float(row["weighted"]) / diverted if diverted else 0.0, 3),
            "outside_countries": sorted(c for c in as_list(row["outside_countries"]) if c),
            "high_risk_countries": sorted(c for c in as_list(row["hr_countries"]) if c),
            "days": whole_days(row["window_start"], row["window_end"]),
            "currency": base_currency(),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        total, diverted = float(row["total"]), float(row["diverted"])
        share = clamp01(diverted / total) if total else 0.0
        h = float(row["weighted"]) / diverted if diverted else 0.0
        return round(clamp01(0.3 + 0.4 * ramp(share, float(ctx.params.min_diverted_share), 0.8) + 0.3 * h), 4)

    def explanation(self, row: Row, d: dict[str, Any], ctx: Ctx) -> str:
        ccy = d["currency"]
        parts = []
        if d["outside_operations_amount"]:
            parts.append(
                f"{money(d['outside_operations_amount'], ccy)} to countries outside its declared operations "
                f"({country_names(d['outside_countries'])})"
            )
        if d["to_individuals_amount"]:
            parts.append(f"{money(d['to_individuals_amount'], ccy)} to individuals")
        if d["cash_amount"]:
            parts.append(f"{money(d['cash_amount'], ccy)} in cash withdrawals")
        text = (
            f"The NPO diverted {money(d['diverted_amount'], ccy)} ({pct(d['diverted_share'])} of its "
            f"{money(d['outflow_amount'], ccy)} outflows) in {plural(d['diverted_count'], 'payment')} "
            f"over {plural(d['days'], 'day')}: {join_words(parts)}"
        )
        if d["high_risk_amount"]:
            text += (
                f"; {money(d['high_risk_amount'], ccy)} went to high-risk jurisdictions "
                f"({country_names(d['high_risk_countries'])})"
            )
        return text + "."
