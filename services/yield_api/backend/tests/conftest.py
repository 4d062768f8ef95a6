"""Test fixtures: the app on the repo's committed models."""

import shutil
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

BACKEND_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BACKEND_DIR.parents[2]
SAVED_MODELS = REPO_ROOT / "src" / "models" / "saved_models"
sys.path.insert(0, str(BACKEND_DIR))  # so `import app` works from any working directory

from app import create_app  # noqa: E402
from config import YieldSettings  # noqa: E402


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A writable copy of the committed models."""
    return Path(shutil.copytree(SAVED_MODELS, tmp_path / "models"))


@pytest.fixture
def settings(models_dir: Path) -> YieldSettings:
    """Settings on the model copy, no Redis."""
    return YieldSettings(models_dir=str(models_dir), redis_url=None)


@pytest.fixture
def client(settings: YieldSettings) -> TestClient:
    """In-process client without a queue."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
