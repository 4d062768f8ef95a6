"""Test fixtures: the app on an in-memory SQLite database seeded from the repo's msp.csv."""

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

BACKEND_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BACKEND_DIR.parents[2]
sys.path.insert(0, str(BACKEND_DIR))  # so `import app` works from any working directory

from app import create_app  # noqa: E402
from config import MspSettings  # noqa: E402

DATA_DIR = REPO_ROOT / "data" / "processed"


@pytest.fixture
def settings() -> MspSettings:
    """SQLite in memory, data from the repo."""
    return MspSettings(database_url=None, data_dir=str(DATA_DIR))


@pytest.fixture
def client(settings: MspSettings) -> TestClient:
    """In-process client; entering it runs the startup seeding."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
