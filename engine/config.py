"""Settings: environment variables with prefix ``CTFMON_`` and an optional ``ctfmon.toml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
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
    fx_defaults_file: Path | None = Field(
        None, description="CSV replacing the shipped default FX rates (same columns)"
    )
    progress_min_rows: int = Field(1_000_000, description="show a progress bar from this many rows")

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
