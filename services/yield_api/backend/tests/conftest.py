"""Test fixtures: the app on the repo's committed models."""

import shutil
from pathlib import Path

import pytest
from app import create_app
from config import Settings
from fastapi.testclient import TestClient

SAVED_MODELS = Path(__file__).resolve().parents[4] / "src" / "models" / "saved_models"


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A writable copy of the committed models."""
    return Path(shutil.copytree(SAVED_MODELS, tmp_path / "models"))


@pytest.fixture
def settings(models_dir: Path) -> Settings:
    """Settings on the model copy, no Redis."""
    return Settings(models_dir=str(models_dir), redis_url=None)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """In-process client without a queue."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
