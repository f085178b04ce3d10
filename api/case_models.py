"""Request and response shapes of network cases: subjects, related cases, merge and split."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.models import CaseDetail, CaseSummary, Strict, UtcDatetime


class CaseSubject(BaseModel):
    """One subject of a case: a party (or an account whose owner is not on file)."""

    subject_type: str
    subject_id: str
    name: str | None
    party_type: str | None
    is_pep: bool
    alert_count: int
    typologies: list[str]
    primary: bool = Field(description="the case's primary subject (that of its strongest alert)")
    accounts: list[str]


class RelatedCase(BaseModel):
    """Another case sharing a party or a counterparty with this one."""

    case_id: str
    state: str
    subject_type: str
    subject_id: str
    subject_name: str | None
    risk_score: float
    typologies: list[str]
    reasons: list[str] = Field(description="e.g. 'same party P1', 'shared counterparty ACC'")


class Lineage(BaseModel):
    """A merge or split that touched the case."""

    lineage_id: int
    kind: Literal["regroup", "merge", "split"] = Field(
        description="regroup/merge: other_case_id merged into case_id (by the grouping / an analyst); "
        "split: other_case_id split out of case_id")
    case_id: str
    other_case_id: str
    alert_ids: list[str]
    actor: str
    moved_at: UtcDatetime
    reason: str


class NetworkCaseDetail(CaseDetail):
    """A case with everything an analyst needs to decide it, its subjects and related cases."""

    subjects: list[CaseSubject] = Field(description="every subject of the case's alerts, primary first")
    related_cases: list[RelatedCase]
    lineage: list[Lineage]


class MergeIn(Strict):
    cases: list[str] = Field(min_length=1, max_length=100, description="ids of the cases to merge into this one")
    reason: str = Field(max_length=8000, description="why these cases are one scheme (required)")


class SplitIn(Strict):
    subjects: list[str] = Field([], max_length=1000, description="party or account ids: all their alerts move")
    alerts: list[str] = Field([], max_length=10000, description="alert ids to move")
    reason: str = Field(max_length=8000, description="why these do not belong to the scheme (required)")


class SplitOut(BaseModel):
    case: CaseSummary = Field(description="the case split, with what stayed")
    new_case: CaseSummary = Field(description="the new case holding what moved")


