"""Settings: environment variables with prefix ``CTFMON_`` and an optional ``ctfmon.toml``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CTFMON_", toml_file="ctfmon.toml", extra="ignore")

    db: Path = Field(Path("ctfmon.duckdb"), description="DuckDB database file")
    base_currency: str = Field("USD", description="currency of the *_base money twins")
    jurisdiction_risk_file: Path | None = Field(
        None, description="CSV replacing the shipped jurisdiction risk list (same columns)"
    )
    risk_weights_file: Path | None = Field(
        None, description="YAML replacing the shipped party risk weights (engine/reference/risk_weights.yaml)"
    )
    fx_defaults_file: Path | None = Field(
        None, description="CSV replacing the shipped default FX rates (same columns)"
    )
    strategic_goods_file: Path | None = Field(
        None, description="CSV replacing the shipped strategic-goods HS watch list (same columns)"
    )
    progress_min_rows: int = Field(1_000_000, description="show a progress bar from this many rows")
    # ---- ingest: plausible ranges (values outside are quarantined, naming the range)
    ingest_earliest_timestamp: datetime = Field(
        datetime(1970, 1, 1), description="earliest accepted transaction/declaration timestamp (UTC)"
    )
    ingest_earliest_date: date = Field(
        date(1800, 1, 1), description="earliest accepted date (opened_on, registered_on, date_of_birth, trade and FX dates)"
    )
    ingest_max_days_ahead: int = Field(
        366, ge=0, description="latest accepted date or timestamp: today (UTC) plus this many days; "
        "date_of_birth may not be after today"
    )
    # ---- cases, API and scheduled scans
    # SLA (engine.sla): a case is due by the tightest of its priority's days and its typologies' rules
    case_priority_high: float = Field(0.8, ge=0, le=1, description="case risk from which a case is high priority")
    case_priority_medium: float = Field(0.5, ge=0, le=1, description="case risk from which a case is medium priority")
    case_sla_days_by_priority: dict[str, int] = Field(
        {"high": 5, "medium": 15, "low": 30},
        description="calendar days from a case's creation to its due date, per priority (high, medium, low)")
    case_sla_business_days_by_typology: dict[str, int] = Field(
        {"SAN-*": 1},
        description="business days (Mon-Fri) from the first alert of a typology joining a case to its due date; "
        "'SAN-*' matches every id starting 'SAN-'")
    case_link_transfer_days: int = Field(
        0, ge=0, le=366, description="network cases: a direct transfer between two alerted subjects links their alerts "
        "when it falls inside both alerts' windows, each widened by this many days on each side"
    )
    case_link_recurring_min_months: int = Field(
        3, ge=2, le=120, description="network cases: accounts transacting in this many distinct months on file "
        "are an established relationship, not a link"
    )
    case_link_collector_min_counterparties: int = Field(
        100, ge=2, description="network cases: an account dealing with this many distinct accounts on file is a "
        "collector or distributor (biller, employer, processor) and links nobody"
    )
    token_secret: str = Field(
        "", description="HMAC key for API token hashes (empty: plain SHA-256 of the random token)"
    )
    schedule_misfire_grace_seconds: int = Field(
        3600, ge=1, description="a scheduled scan missed by at most this many seconds still runs (once)"
    )
    # ---- scans, exports, audit and access
    plausible_from: date = Field(
        date(1900, 1, 1), description="earliest plausible timestamp: a scan window ignores data before it"
    )
    plausible_to: date = Field(
        date(2200, 12, 31), description="latest plausible timestamp: a scan window ignores data after it"
    )
    audit_key: str = Field(
        "", description="HMAC key of the audit chain (empty: read from audit_key_file, created when missing)"
    )
    audit_key_file: Path | None = Field(
        None, description="file holding the audit HMAC key (default: DATABASE.audit-key beside the database)"
    )
    list_max_drop_share: float = Field(
        0.2, ge=0, le=1, description="a list load dropping more than this share of the active entries needs confirm"
    )
    upload_max_mb: float = Field(50, gt=0, description="largest request body (file upload) the API accepts, in MB")
    session_hours: float = Field(12, gt=0, le=24 * 30, description="lifetime of a signed-in page session")
    url: str = Field(
        "http://127.0.0.1:8000", description="the ctfmon server read commands use while it holds the database"
    )
    token: str = Field("", description="API token read commands use to reach the server (CTFMON_TOKEN)")
    # ---- goAML reporting entity (STR export)
    # rentity id, institution name and code have no default: an export without them is refused
    goaml_rentity_id: int | None = Field(
        None, ge=1, description="goAML reporting entity id assigned by the FIU (required to export)")
    goaml_rentity_branch: str | None = Field(None, description="reporting entity branch")
    goaml_institution_name: str | None = Field(None, description="our institution's name (required to export)")
    goaml_institution_code: str | None = Field(
        None, description="our institution code, for accounts we hold (required to export)")
    goaml_currency_code_local: str | None = Field(
        None, description="goAML local currency (default: base_currency; amounts are the *_base twins)"
    )
    goaml_reporting_person_first_name: str | None = Field(None, description="MLRO first name")
    goaml_reporting_person_last_name: str | None = Field(None, description="MLRO last name")
    goaml_reporting_person_occupation: str | None = Field(None, description="MLRO occupation/title")
    goaml_reporting_person_email: str | None = Field(None, description="MLRO e-mail")
    goaml_location_address: str | None = Field(None, description="reporting entity street address")
    goaml_location_city: str | None = Field(None, description="reporting entity city")
    goaml_location_country: str | None = Field(None, description="reporting entity country (ISO alpha-2)")
    goaml_location_state: str | None = Field(None, description="reporting entity state/province")

    @field_validator("case_sla_days_by_priority")
    @classmethod
    def _priorities(cls, v: dict[str, int]) -> dict[str, int]:
        if set(v) != {"high", "medium", "low"} or any(int(d) < 1 for d in v.values()):
            raise ValueError(f"needs whole days >= 1 for exactly high, medium and low; got {v}")
        return v

    @field_validator("case_sla_business_days_by_typology")
    @classmethod
    def _typology_days(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: d for k, d in v.items() if int(d) < 1 or not k.strip()}
        if bad:
            raise ValueError(f"business days must be >= 1 per typology id or 'PREFIX*'; got {bad}")
        return v

    @field_validator("ingest_earliest_timestamp")
    @classmethod
    def _naive_utc(cls, v: datetime) -> datetime:
        return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
