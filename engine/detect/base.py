"""What a detector receives and produces: its parameters, the scan context, its alerts.

:class:`Params` is the base of every typology's pydantic parameter model (the catalogue
defaults), :class:`ScanContext` what a detector sees during a scan, :class:`Alert` what it
returns.  The detector base class itself is :class:`engine.detect.typology.Typology`.

Detection is set-based SQL over the scan's views (see :class:`ScanContext`), written in
the portable core of SQL (CTEs, joins, window functions, CASE), so that the same query can
be transpiled for another engine.  Python only post-processes the small candidate result.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, get_origin

import duckdb
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from engine import schema


class Params(BaseModel):
    """Base for typology parameters: unknown names are refused, values are validated.

    A list parameter also takes a JSON list or one comma-separated string (``--param
    TF-PASS-01.excluded_account_types=correspondent,money_service``).

    Rules every typology's parameters follow, so that no stored value can switch detection
    off (a scan would otherwise record the typology as failed on every run):

    - numbers are finite (no ``inf``, ``nan``, ``1e309``) and at most :data:`MAX_NUMBER`
      in size; whole numbers (counts, steps) at most :data:`MAX_COUNT`;
    - a period named ``*_days`` is at most :data:`MAX_DAYS` (a decay ``half_life_days`` is
      not a period), ``*_hours`` at most ``MAX_DAYS * 24``, ``*_share`` within 0..1;
    - text and list items are codes (letters, digits, ``_``; at most 64 characters); a list
      named ``channels`` holds transaction channels, ``*account_types`` account types,
      ``*party_types`` / ``*counterparty_types`` party types of the data contract;
    - a list whose default is not empty (the channels or party types that count) must not
      be empty; exclusion lists (``excluded_*``, ``excused_*``) may be.

    A typology adds tighter bounds on its own fields (``Field(le=...)``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            info = cls.model_fields.get(name)
            if isinstance(value, str) and info is not None and get_origin(info.annotation) in (tuple, list):
                text = value.strip()
                if text.startswith("["):
                    try:
                        out[name] = json.loads(text)
                        continue
                    except json.JSONDecodeError:
                        pass
                out[name] = tuple(v.strip() for v in text.split(",") if v.strip())
        return out

    @field_validator("*", mode="after")
    @classmethod
    def _sensible(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return _check_number(name, value)
        if isinstance(value, str):
            _check_code(name, value)
            return value
        if isinstance(value, tuple | list):
            for item in value:
                if not isinstance(item, str):
                    raise ValueError(f"expected a list of codes, got the item {item!r}")
                _check_code(name, item)
            vocab = _vocabulary(name)
            if vocab is not None:
                unknown = [v for v in value if v not in vocab]
                if unknown:
                    raise ValueError(f"{unknown[0]!r} is not one of {', '.join(vocab)}")
            field = cls.model_fields.get(name)
            exclusion = name.startswith(("excluded_", "excused_"))
            if not value and field is not None and field.default and not exclusion:
                raise ValueError("must not be empty: an empty list would switch the detection off")
        return value


#: Largest number a parameter may hold (amounts: DECIMAL(18,2) holds less than 1e16).
MAX_NUMBER = 1e15
#: Largest whole number (a count of transactions, parties, search steps or graph nodes).
MAX_COUNT = 10_000_000
#: Longest period in days (``*_days``), about ten years.
MAX_DAYS = 3660
_CODE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def _check_number(name: str, value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if name.endswith("_days") and not name.startswith("half_life") and value > MAX_DAYS:
        raise ValueError(f"{value:g} days is longer than {MAX_DAYS:,} days (about ten years)")
    if name.endswith("_hours") and value > MAX_DAYS * 24:
        raise ValueError(f"{value:g} hours is longer than {MAX_DAYS * 24:,} hours (about ten years)")
    if name.endswith("_share") and not 0 <= value <= 1:
        raise ValueError(f"{value:g} is not a share between 0 and 1")
    if abs(value) > MAX_NUMBER:
        raise ValueError(f"{value:g} is too large (at most {MAX_NUMBER:g})")
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        raise ValueError(f"{value:,} is too large for a count (at most {MAX_COUNT:,})")
    return value


def _check_code(name: str, value: str) -> None:
    if not _CODE.match(value):
        raise ValueError(f"{value!r} is not a code (letters, digits and _, at most 64 characters)")


def _vocabulary(name: str) -> tuple[str, ...] | None:
    """The codes a list parameter may hold, by its name (None: any code)."""
    if name == "channels":
        return schema.CHANNELS
    if name.endswith("account_types"):
        return schema.ACCOUNT_TYPES
    if name.endswith("party_types") or name.endswith("counterparty_types"):
        return schema.PARTY_TYPES
    return None


@dataclass
class Alert:
    """One alert as a detector produces it (the scan adds ids, typology and scan id).

    ``subject_type`` is ``party`` or ``account``; an account subject whose owner is on
    file is re-attributed to the owning party by the scan.  ``details`` holds the measured
    figures (and for graph typologies ``nodes``/``edges``); ``explanation`` is one plain
    sentence built from them.
    """

    subject_type: str
    subject_id: str
    score: float
    window_start: datetime
    window_end: datetime
    evidence: list[str]
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)

    def details_json(self) -> str:
        return json.dumps(self.details, default=str, sort_keys=True)


P = TypeVar("P", bound=Params)


@dataclass
class ScanContext(Generic[P]):
    """What a detector sees; ``params`` is its typology's own parameter model.

    Views available on ``con`` for the duration of the scan (all timestamps naive UTC,
    money in the base currency in ``*_base`` columns):

    - ``scan_transactions``, ``scan_cash_declarations``, ``scan_trade_documents``: the
      contract tables restricted to ``[window_start, window_end]``;
    - the full tables ``transactions``, ``accounts``, ``parties``, ... for history
      (e.g. dormancy needs activity before the window);
    - ``scan_accounts``: every account on file with its owner and its alert subject (the
      owning party when it is on file, else the account itself): ``account_id``,
      ``account_type``, ``account_country``, ``opened_on``, ``closed_on``, ``party_id``,
      ``party_type``, ``party_name``, ``party_country``, ``party_occupation``, ``subject_type``,
      ``subject_id``;
    - ``scan_transfers``: ``scan_transactions`` with both sides resolved through
      ``scan_accounts``: ``txn_id``, ``ts``, ``channel``, ``amt`` (base currency, DOUBLE), the
      accounts, names, countries and reference of the row, and for the debited (``f_``) and
      credited (``t_``) side ``on_file``, ``party``, ``ptype``, ``acct_country``, ``acct_type``,
      ``stype``/``sid`` (the subject); ``dest_country`` (beneficiary country, else the
      credited account's), ``orig_country`` (originator country, else the debited
      account's) and ``self_transfer`` (both sides have the same subject);
    - ``scan_edges(txn_id, ts, src, dst, amount)``: the window's money-flow edges (a
      transaction between two different accounts, not a card payment; see
      :mod:`engine.graph`), ``amount`` in the base currency as DOUBLE;
    - the everyday-activity facts (:mod:`engine.detect.everyday`), computed once per scan from
      the transactions on file up to ``window_end``: ``scan_relationships(acc_a, acc_b, months,
      transactions, first_ts, last_ts)`` (pairs of accounts with the distinct calendar months
      they transacted in, ``acc_a < acc_b``), ``scan_account_counterparties(account_id,
      counterparties)`` and ``scan_coverage(coverage_start, coverage_end)`` (the first and last
      transaction on file);
    - ``ref_jurisdiction_risk(country, category, weight)``: the high-risk jurisdictions;
    - ``ref_mcc_groups(mcc_from, mcc_to, mcc_group)``: merchant category groups;
    - ``ref_trade_prices(hs_code, unit, price)``: reference unit prices the user supplied in a
      table ``trade_reference_prices`` (empty when there is none).
    """

    con: duckdb.DuckDBPyConnection
    scan_id: str
    window_start: datetime
    window_end: datetime
    params: P
