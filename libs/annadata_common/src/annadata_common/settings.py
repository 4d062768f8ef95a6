"""Environment-driven settings shared by every service."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings read from the environment; services subclass this to add their own fields."""

    # Field names map to upper-case environment variables (SERVICE_NAME, LOG_LEVEL, ...).
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: str = "annadata-service"
    log_level: str = "INFO"
    database_url: str | None = None
    redis_url: str | None = None
    models_dir: str = "/app/src/models/saved_models"
    data_dir: str = "/app/data/processed"
    allow_pickle_models: bool = False
    git_sha: str = "unknown"
