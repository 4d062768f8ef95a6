"""Test fixtures: the app built against the repo's data directory."""

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

BACKEND_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BACKEND_DIR.parents[2]
sys.path.insert(0, str(BACKEND_DIR))  # so `import app` works from any working directory

from app import create_app  # noqa: E402
from config import ProteinSettings  # noqa: E402


@pytest.fixture
def settings() -> ProteinSettings:
    """Settings pointing at the committed data, with a small sequence limit."""
    return ProteinSettings(data_dir=str(REPO_ROOT / "data" / "processed"), max_sequence_length=50)


@pytest.fixture
def client(settings: ProteinSettings) -> TestClient:
    """In-process client."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
