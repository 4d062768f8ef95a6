"""The service answers /health and /version, and lists its states first under /api/."""

import pytest
from app import create_app
from config import SERVICE_NAME
from fastapi.testclient import TestClient

from annadata_common.schemas import untyped_operations


@pytest.fixture
def client() -> TestClient:
    """In-process client."""
    with TestClient(create_app()) as test_client:
        yield test_client


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_version(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_SHA", "abc1234")
    with TestClient(create_app()) as fresh:
        assert fresh.get("/version").json() == {"service": SERVICE_NAME, "git_sha": "abc1234"}


def test_states_is_the_first_parameterless_api_get(client: TestClient) -> None:
    # The smoke test calls the first parameterless GET under /api/ in the spec.
    paths = client.get("/openapi.json").json()["paths"]
    first = next(
        path
        for path, operations in paths.items()
        if path.startswith("/api/")
        and "get" in operations
        and not operations["get"].get("parameters")
    )
    assert first == "/api/v1/states"
    assert client.get(first).status_code == 200


def test_every_body_and_response_has_a_schema_that_can_fail(client: TestClient) -> None:
    assert untyped_operations(client.get("/openapi.json").json()) == []
