"""The party risk rating's weights file: factors with their weights and levels, tier cut-offs and
override rules, one versioned YAML file validated completely before use (a bad file is refused
naming the field); see :mod:`engine.risk`."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.config import get_settings
from engine.errors import CtfmonError
from engine.schema import PARTY_TYPES, RISK_RATINGS

WEIGHTS_FILE = Path(__file__).parent / "reference" / "risk_weights.yaml"


TIERS: tuple[str, ...] = ("low", "medium", "high")


CASE_STATES: tuple[str, ...] = (
    "new", "in_review", "escalated", "str_filed", "closed_false_positive", "closed_no_action",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_TYPOLOGY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Factor(_Strict):
    weight: float = Field(ge=0, le=1000, description="relative weight; 0 turns the factor off")


def _levels_check(levels: dict[str, float], allowed: tuple[str, ...]) -> dict[str, float]:
    unknown = [k for k in levels if k not in allowed]
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; expected {', '.join(allowed)}")
    missing = [k for k in allowed if k not in levels]
    if missing:
        raise ValueError(f"missing level for {', '.join(missing)}")
    bad = [k for k, v in levels.items() if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"level of {bad[0]!r} must be between 0 and 1, not {levels[bad[0]]}")
    return levels


class PartyTypeFactor(Factor):
    levels: dict[str, float]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return _levels_check(v, PARTY_TYPES)


class RatingFactor(Factor):
    levels: dict[str, float]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return _levels_check(v, RISK_RATINGS)


class CaseFactor(Factor):
    levels: dict[str, float]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return _levels_check(v, CASE_STATES)


class ShareFactor(Factor):
    saturate_at: float = Field(gt=0, le=1, description="the share of turnover that gives level 1")


def _typology_ids(v: list[str]) -> list[str]:
    bad = [t for t in v if not _TYPOLOGY_ID.match(t)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a typology id")
    return v


class PassThroughFactor(ShareFactor):
    window_hours: float = Field(72, gt=0, le=24 * 31, description="money out within about this many hours of coming in")
    min_inflow: float = Field(5000, ge=0, description="inflows (base currency) below this over the period give level 0")


class AlertFactor(Factor):
    exclude_typologies: list[str] = Field(default_factory=list)

    @field_validator("exclude_typologies")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        return _typology_ids(v)


class TypologyFactor(Factor):
    typologies: list[str] = Field(min_length=1)

    @field_validator("typologies")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        return _typology_ids(v)


class Factors(_Strict):
    party_type: PartyTypeFactor
    npo_operations: Factor
    residence: Factor
    nationality: Factor
    pep: Factor
    entity_rating: RatingFactor
    cash_intensity: ShareFactor
    prepaid_cards: ShareFactor
    cross_border: ShareFactor
    high_risk_corridors: ShareFactor
    pass_through: PassThroughFactor
    alert_history: AlertFactor
    case_history: CaseFactor
    network_exposure: TypologyFactor
    sanctions_match: TypologyFactor


FACTORS: tuple[str, ...] = tuple(Factors.model_fields)


FactorName = Literal[
    "party_type", "npo_operations", "residence", "nationality", "pep", "entity_rating",
    "cash_intensity", "prepaid_cards", "cross_border", "high_risk_corridors", "pass_through", "alert_history",
    "case_history", "network_exposure", "sanctions_match",
]


class TierCutoffs(_Strict):
    medium: float = Field(gt=0, le=100)
    high: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> TierCutoffs:
        if self.medium >= self.high:
            raise ValueError(f"medium cut-off ({self.medium:g}) must be below high ({self.high:g})")
        return self


class Override(_Strict):
    factor: FactorName
    at_least: float = Field(ge=0, le=1)
    tier: Literal["medium", "high"]


class RiskWeights(_Strict):
    version: str = Field(min_length=1, max_length=64)
    as_of: date
    source: str = ""
    activity_days: int = Field(365, ge=1, le=36_500)
    tiers: TierCutoffs
    overrides: list[Override] = Field(default_factory=list)
    factors: Factors

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _some_weight(self) -> RiskWeights:
        if self.total_weight <= 0:
            raise ValueError("every factor weight is 0: at least one must be positive")
        return self

    @property
    def total_weight(self) -> float:
        return sum(getattr(self.factors, f).weight for f in FACTORS)

    def factor(self, name: str) -> Factor:
        return getattr(self.factors, name)  # type: ignore[no-any-return]


def _format_errors(source: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ())) or "(top level)"
        kind = err.get("type")
        if kind == "extra_forbidden":
            parts.append(f"{loc}: unknown field")
        elif kind == "missing":
            parts.append(f"{loc}: missing")
        else:
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg} (got {err.get('input')!r})")
    return f"risk weights file {source}: " + "; ".join(parts)


def parse_weights(data: Any, source: str = "(given)") -> RiskWeights:
    """Validate a mapping read from a weights file; errors name the file and the field."""
    if not isinstance(data, dict):
        raise CtfmonError(f"risk weights file {source}: expected a mapping of fields at the top level")
    try:
        return RiskWeights.model_validate(data)
    except ValidationError as exc:
        raise CtfmonError(_format_errors(source, exc)) from None


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> RiskWeights:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CtfmonError(f"cannot read risk weights file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise CtfmonError(f"risk weights file {path}: not valid YAML{at}") from None
    return parse_weights(data, str(path))


def weights_path() -> Path:
    override = get_settings().risk_weights_file
    return Path(override) if override else WEIGHTS_FILE


def load_weights(path: str | Path | None = None) -> RiskWeights:
    """The weights in force (``CTFMON_RISK_WEIGHTS_FILE`` or the shipped file), validated."""
    p = Path(path) if path is not None else weights_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise CtfmonError(f"cannot read risk weights file {p}: {exc.strerror or exc}") from None
    return _load(p, mtime)
