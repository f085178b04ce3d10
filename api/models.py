"""Request and response models: the JSON shapes of the API (they are also its docs).

Timestamps in responses are UTC in ISO 8601 with the zone (``2026-05-24T14:30:00Z``); a
timestamp sent without a zone is read as UTC.  Money is in the base currency (``*_base``)
unless a record shows its own ``currency``.  Errors are ``{"detail": "..."}`` (request
validation: a list with one item per field); every route documents the 4xx it may answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from engine.auth import ROLES
from engine.cases import CASE_SORTS, STATES
from services import window

T = TypeVar("T")


def _utc(value: datetime) -> datetime:
    """The database stores naive UTC: responses say so (``...Z``)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: A response timestamp: timezone-aware UTC, serialised as ISO 8601 with ``Z``.
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class ErrorOut(BaseModel):
    """Every 4xx answer."""

    detail: str | list[dict[str, Any]] = Field(
        description="what is wrong, in words; for request validation one item per field (loc, msg, type)"
    )


#: The 4xx answers every router documents (``APIRouter(responses=ERROR_RESPONSES)``).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad input: the message names the field or file and what is expected"},
    401: {"model": ErrorOut, "description": "no token, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "the token's role may not do this"},
    404: {"model": ErrorOut, "description": "no such object"},
    409: {"model": ErrorOut, "description": "not allowed in the object's current state (the message says why)"},
    413: {"model": ErrorOut, "description": "request body larger than CTFMON_UPLOAD_MAX_MB"},
    422: {"model": ErrorOut, "description": "request validation failed, or a value was refused"},
}

CaseState = Literal["new", "in_review", "escalated", "str_filed", "closed_false_positive", "closed_no_action"]
Role = Literal["analyst", "supervisor", "admin", "auditor"]
assert tuple(CaseState.__args__) == STATES  # type: ignore[attr-defined]
CaseSort = Literal["risk", "age", "newest", "typology", "due", "party_risk"]
assert set(CaseSort.__args__) == set(CASE_SORTS)  # type: ignore[attr-defined]
RiskTier = Literal["low", "medium", "high"]
assert tuple(Role.__args__) == ROLES  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` and the ``total`` matching the filters."""

    items: list[T]
    total: int = Field(description="rows matching the filters, over all pages")
    limit: int
    offset: int


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str


class AlertOut(BaseModel):
    """An alert (DATA_CONTRACT.md alerts shape) with the case it belongs to."""

    alert_id: str
    typology_id: str
    subject_type: str
    subject_id: str
    score: float
    window_start: UtcDatetime | None
    window_end: UtcDatetime | None
    evidence: list[str] = Field(description="ids of the transactions / declarations / trade documents")
    explanation: str
    details: dict[str, Any] = Field(description="measured figures; graph typologies: nodes and edges")
    scan_id: str
    created_at: UtcDatetime
    case_id: str | None = None
    case_state: str | None = None


class CaseSummary(BaseModel):
    """A case in the queue."""

    case_id: str
    subject_type: str
    subject_id: str
    state: CaseState
    risk_score: float = Field(description="noisy-or over typologies of weight x strongest alert score")
    alert_count: int
    typologies: list[str]
    assignee: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    due_at: UtcDatetime
    closed_at: UtcDatetime | None
    party_risk_tier: RiskTier | None = Field(None, description="the riskiest subject party's latest risk tier (unrated: null)")
    party_risk_score: float | None = Field(None, description="the riskiest subject party's latest risk score, 0-100")


class RiskContribution(BaseModel):
    """One factor of a party risk rating."""

    factor: str
    observed: str = Field(description="what was measured, in words (e.g. '42.0% of turnover')")
    value: float = Field(description="the factor's level, 0-1")
    weight: float = Field(description="the factor's weight in the weights file")
    points: float = Field(description="level x weight x 100 / sum of weights: its share of the score")


class PartyRating(BaseModel):
    """A party risk rating: score 0-100, tier and the contribution of every factor."""

    party_id: str
    rated_at: UtcDatetime
    score: float
    tier: RiskTier
    weights_version: str
    tier_reason: str = Field(description="why this tier: the score against a cut-off, or the override that applied")
    run_id: str
    contributions: list[RiskContribution] = Field(description="largest points first")


class PartyRisk(BaseModel):
    """A party's current risk rating and its history (a row whenever the rating changed)."""

    party_id: str
    name: str
    party_type: str
    current: PartyRating | None = Field(description="null until the party has been rated")
    history: list[PartyRating] = Field(description="newest first")


class Note(BaseModel):
    note_id: int
    author: str
    created_at: UtcDatetime
    text: str


class Disposition(BaseModel):
    disposition_id: int
    from_state: str
    to_state: str
    reason: str
    proposed_by: str
    proposed_at: UtcDatetime
    status: Literal["pending", "approved", "rejected", "superseded"]
    decided_by: str | None
    decided_at: UtcDatetime | None
    decision_reason: str | None


class CaseDetail(CaseSummary):
    """A case with everything an analyst needs to decide it."""

    alerts: list[AlertOut]
    notes: list[Note]
    dispositions: list[Disposition]
    allowed_transitions: dict[str, dict[str, list[str]]] = Field(
        description="target state -> roles that may make it directly / only propose it"
    )
    evidence: dict[str, list[dict[str, Any]]] = Field(
        description="transactions, cash_declarations, trade_documents named by the alerts"
    )
    subject: dict[str, Any] = Field(description="party (or null) and its accounts")
    counterparties: list[dict[str, Any]] = Field(
        description="per counterparty account and direction: name, country, count, total_base, first/last"
    )
    graph: dict[str, Any] | None = Field(
        description="nodes/edges; source: alerts (subgraphs, each txn once), courier (declarations), neighbourhood"
    )
    subject_risk: PartyRating | None = Field(None, description="the subject party's latest risk rating")


class AssignIn(Strict):
    assignee: str = Field(min_length=1, max_length=64, description="user name of an analyst or supervisor")


class TransitionIn(Strict):
    to: CaseState
    reason: str = Field("", max_length=8000, description="required for dispositions and reopening")


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=8000)


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=20000)


class TransitionOut(BaseModel):
    outcome: Literal["moved", "proposed"] = Field(
        description="moved: the state changed; proposed: a disposition awaits a supervisor"
    )
    case: CaseSummary


class ScanIn(Strict):
    as_of: datetime | None = Field(
        None, description="window end: a date YYYY-MM-DD means the end of that day (23:59:59.999999), "
        "a timestamp itself (default: latest loaded timestamp)")
    lookback_days: int | None = Field(None, ge=1, le=3650, description="window length (default: all data)")
    typology_ids: list[str] | None = Field(None, max_length=100, description="default: all")
    params: dict[str, dict[str, Any]] | None = Field(
        None, description="what-if parameter values {typology_id: {name: value}}: the scan runs as a sandbox")
    sandbox: bool | None = Field(None, description="alerts apart, no case (default: with params only)")

    @field_validator("as_of", mode="before")
    @classmethod
    def _whole_day(cls, v: Any) -> Any:
        """A date alone ends the window at the end of that day, as everywhere (services.window)."""
        if isinstance(v, str) and len(v.strip()) == 10:
            try:
                return window.as_of_value(v)
            except ValueError:
                return v
        return v

    @field_validator("as_of")
    @classmethod
    def _plausible(cls, v: datetime | None) -> datetime | None:
        if v is not None and not (1900 <= v.year <= 2200):
            raise ValueError("as_of must be a date between the years 1900 and 2200")
        return v


class CaseSync(BaseModel):
    alerts_added: int
    cases_created: int
    cases_joined: int


class ScanOut(BaseModel):
    scan_id: str
    status: str
    window_start: UtcDatetime
    window_end: UtcDatetime
    counts: dict[str, int]
    timings: dict[str, float]
    errors: dict[str, str]
    new_alerts: dict[str, int]
    total_alerts: int
    total_new: int
    warnings: list[str] = Field(default_factory=list, description="data left out of the window, and why")
    cases: CaseSync
    mode: str = Field("live", description="live, sandbox or shadow")
    param_version: int | None = Field(None, description="the parameter version the scan used")


class ScanRow(BaseModel):
    scan_id: str
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    as_of: UtcDatetime
    window_start: UtcDatetime
    window_end: UtcDatetime
    typologies: list[str]
    status: str
    counts: Any = None
    timings: Any = None
    errors: Any = None
    warnings: Any = None
    triggered_by: str
    mode: str | None = "live"
    param_version: int | None = None


class TypologyOut(BaseModel):
    id: str
    name: str
    description: str
    references: list[str]
    params: dict[str, dict[str, Any]] = Field(description="name -> default, type, description")
    effective: dict[str, Any] = Field(description="values in force: defaults overlaid by stored overrides")


class ScheduleIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    trigger: Literal["cron", "interval"]
    cron: str | None = Field(None, max_length=100, description="5-field crontab, UTC, e.g. '0 2 * * *'")
    interval_seconds: int | None = Field(None, ge=1, le=31_622_400)
    typology_ids: list[str] | None = Field(None, max_length=100, description="default: all")
    lookback_days: int | None = Field(None, ge=1, le=3650)
    enabled: bool = True


class SchedulePatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    trigger: Literal["cron", "interval"] | None = None
    cron: str | None = Field(None, max_length=100)
    interval_seconds: int | None = Field(None, ge=1, le=31_622_400)
    typology_ids: list[str] | None = Field(None, max_length=100)
    lookback_days: int | None = Field(None, ge=1, le=3650)
    enabled: bool | None = None


class ScheduleOut(BaseModel):
    schedule_id: str
    name: str
    trigger: str
    cron: str | None
    interval_seconds: int | None
    typology_ids: list[str] | None
    lookback_days: int | None
    enabled: bool
    created_by: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    last_run_at: UtcDatetime | None
    last_scan_id: str | None
    last_status: str | None
    last_error: str | None
    next_run_at: str | None = Field(None, description="next fire time (UTC) while the server runs")


class ScheduleRunOut(BaseModel):
    schedule_id: str
    status: str | None
    scan_id: str | None
    error: str | None
    skipped: bool = Field(False, description="true when a previous run was still going")


class UserIn(Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    role: Role


class UserOut(BaseModel):
    name: str
    role: str
    created_at: UtcDatetime
    active: bool
    active_tokens: int = 0


class TokenOut(BaseModel):
    user: str
    token_id: str
    token: str = Field(description="shown once; store it now")


class AuditEntry(BaseModel):
    audit_id: int
    at: UtcDatetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    entry_hash: str = Field(description="HMAC-SHA-256 seal of the entry under the audit key")
    seq: int | None = Field(None, description="position in the chain (1, 2, 3 ... without gaps)")


class ChainCheck(BaseModel):
    """The audit chain check: every seal, link, sequence number and the checkpoint."""

    intact: bool
    entries: int
    head_seq: int | None = Field(description="seq of the last entry; record it elsewhere to anchor the log")
    head: str | None = Field(description="seal of the last entry")
    key_id: str = Field(description="fingerprint of the audit key in use")
    problems: list[str] = Field(description="what is wrong, in words (empty when intact)")
    first_bad_audit_id: int | None


class AuditPage(Page[AuditEntry]):
    chain_intact: bool | None = Field(None, description="chain check result (when verify=true)")
    chain: ChainCheck | None = Field(None, description="the chain check in full (when verify=true)")


class IngestOut(BaseModel):
    file: str
    table: str
    batch_id: int | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    rows_replaced: int
    already_loaded: bool
