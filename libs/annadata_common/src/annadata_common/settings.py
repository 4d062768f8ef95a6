"""Environment-driven settings shared by every service."""

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The request body limit when MAX_BODY_BYTES is not set: 2 MiB. The largest legitimate body, a
# batch job of 10,000 records (yield_api's limit), is about 1.1 MB of JSON.
DEFAULT_MAX_BODY_BYTES = 2 << 20


class ServiceSettings(BaseSettings):
    """Settings read from the environment; services subclass this to add their own fields."""

    # Field names map to upper-case environment variables (SERVICE_NAME, LOG_LEVEL, ...).
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: str = "annadata-service"
    log_level: str = "INFO"
    database_url: str | None = None
    redis_url: str | None = None
    # Kept out of REDIS_URL so the password needs no URL quoting and never shows in a URL.
    redis_password: SecretStr | None = None
    models_dir: str = "/app/src/models/saved_models"
    data_dir: str = "/app/data/processed"
    # Development mode: the only mode in which ALLOW_PICKLE_MODELS may be set at all.
    dev_mode: bool = False
    allow_pickle_models: bool = False
    # Bodies over this many bytes are answered 413 before they are parsed (app_factory).
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    git_sha: str = "unknown"

    @model_validator(mode="after")
    def _pickle_only_in_dev_mode(self) -> "ServiceSettings":
        # A production setting file that copies ALLOW_PICKLE_MODELS=true must not start at all.
        if self.allow_pickle_models and not self.dev_mode:
            raise ValueError(
                "ALLOW_PICKLE_MODELS=true needs DEV_MODE=true: unpickling a model file runs "
                "its code; remove ALLOW_PICKLE_MODELS, or set DEV_MODE=true on a dev machine"
            )
        return self

    @property
    def pickle_models_allowed(self) -> bool:
        """Whether pickle model files may be loaded: DEV_MODE and ALLOW_PICKLE_MODELS both set."""
        return self.dev_mode and self.allow_pickle_models
