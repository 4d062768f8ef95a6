"""Test fixtures: the app built against the repo's data directory."""

from pathlib import Path

import pytest
from app import create_app
from config import Settings
from fastapi.testclient import TestClient

DATA_DIR = Path(__file__).resolve().parents[4] / "data" / "processed"


@pytest.fixture
def settings() -> Settings:
    """Settings pointing at the committed data, with a small sequence limit."""
    return Settings(data_dir=str(DATA_DIR), max_sequence_length=50)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """In-process client."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
