"""Test fixtures: the app on an in-memory SQLite database seeded from the repo's msp.csv."""

from pathlib import Path

import pytest
from app import create_app
from config import Settings
from fastapi.testclient import TestClient

DATA_DIR = Path(__file__).resolve().parents[4] / "data" / "processed"


@pytest.fixture
def settings() -> Settings:
    """SQLite in memory, data from the repo."""
    return Settings(database_url=None, data_dir=str(DATA_DIR))


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """In-process client; entering it runs the startup seeding."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
