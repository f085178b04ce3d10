"""Request and response bodies of parameter changes, tuning, review batches and challengers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParamsIn(_Strict):
    values: dict[str, Any] = Field(description="name -> value; null removes an override")
    reason: str | None = Field(None, max_length=2000, description="why (required): the change goes live when a "
                               "second person approves it")


class ChangeOut(BaseModel):
    change_id: str
    typology_id: str
    requested: dict[str, Any]
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: str = Field(description="pending, approved, rejected or withdrawn")
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    version: int | None = Field(None, description="the parameter version its approval created")


class VersionOut(BaseModel):
    version: int
    typology_id: str
    kind: str = Field(description="change or rollback")
    overrides: dict[str, Any]
    previous: dict[str, Any]
    change_id: str | None = None
    proposed_by: str
    approved_by: str | None = None
    reason: str
    created_at: datetime


class DecisionIn(_Strict):
    note: str | None = Field(None, max_length=2000)


class RollbackIn(_Strict):
    reason: str | None = Field(None, max_length=2000)
    to_version: int | None = Field(None, ge=0, description="restore this version's values (0: defaults); "
                                   "default: those before the latest version")


class TuneIn(_Strict):
    typology_id: str
    param: str
    values: list[Any] = Field(min_length=1, max_length=50)
    labels_path: str | None = Field(None, max_length=1000, description="labels file or directory on the server "
                                    "(default: analysts' dispositions)")
    target_recall: float | None = Field(None, gt=0, le=1)
    alert_budget: int | None = Field(None, ge=0)
    as_of: datetime | None = None
    lookback_days: int | None = Field(None, ge=1, le=3650)
    below_the_line: Any = Field(None, description="a stricter swept value, or 'recommended'")
    sample: int = Field(20, ge=1, le=1000)
    seed: int = 17


class BatchIn(_Strict):
    value: Any
    sample: int = Field(20, ge=1, le=1000)
    seed: int = 17


class ItemDecisionIn(_Strict):
    decision: str = Field(description="worth_case or not_worth_case")
    note: str | None = Field(None, max_length=2000)


class ChallengerIn(_Strict):
    typology_id: str
    values: dict[str, Any] = Field(description="parameter values proposed, over the live ones")
    reason: str = Field(min_length=1, max_length=2000)
    starts_at: datetime
    ends_at: datetime
