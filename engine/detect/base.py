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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, get_origin

import duckdb
from pydantic import BaseModel, ConfigDict, model_validator


class Params(BaseModel):
    """Base for typology parameters: unknown names are refused, values are validated.

    A list parameter also takes a JSON list or one comma-separated string (``--param
    TF-PASS-01.excluded_account_types=correspondent,money_service``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)

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
      ``account_type``, ``account_country``, ``party_id``, ``party_type``, ``party_name``,
      ``party_country``, ``subject_type``, ``subject_id``;
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
