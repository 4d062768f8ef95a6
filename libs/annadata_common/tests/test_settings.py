"""Settings come from the environment with documented defaults."""

import pytest

from annadata_common.settings import ServiceSettings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODELS_DIR", "DATA_DIR", "ALLOW_PICKLE_MODELS", "GIT_SHA", "DATABASE_URL",
                 "DEV_MODE", "MAX_BODY_BYTES"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings()
    assert settings.models_dir == "/app/src/models/saved_models"
    assert settings.data_dir == "/app/data/processed"
    assert settings.allow_pickle_models is False
    assert settings.pickle_models_allowed is False
    assert settings.max_body_bytes == 2 << 20
    assert settings.git_sha == "unknown"
    assert settings.database_url is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_MODE", "true")
    monkeypatch.setenv("ALLOW_PICKLE_MODELS", "true")
    monkeypatch.setenv("GIT_SHA", "abc123")
    monkeypatch.setenv("SERVICE_NAME", "x")
    settings = ServiceSettings()
    assert settings.allow_pickle_models is True
    assert settings.pickle_models_allowed is True
    assert (settings.git_sha, settings.service_name) == ("abc123", "x")


def test_pickle_cannot_be_allowed_outside_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # A production env file that copied ALLOW_PICKLE_MODELS=true refuses to start.
    monkeypatch.delenv("DEV_MODE", raising=False)
    monkeypatch.setenv("ALLOW_PICKLE_MODELS", "true")
    with pytest.raises(ValueError, match="ALLOW_PICKLE_MODELS=true needs DEV_MODE=true"):
        ServiceSettings()
    monkeypatch.setenv("DEV_MODE", "true")
    monkeypatch.setenv("ALLOW_PICKLE_MODELS", "false")
    assert ServiceSettings().pickle_models_allowed is False
