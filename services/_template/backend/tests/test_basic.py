"""The scaffolded service answers /health, /version and its example route, all typed."""

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


def test_example_route(client: TestClient) -> None:
    assert client.get("/api/v1/hello", params={"name": "kisan"}).json() == {
        "message": "hello, kisan", "service": SERVICE_NAME
    }  # fmt: skip


def test_every_body_and_response_has_a_schema_that_can_fail(client: TestClient) -> None:
    # A schema that takes any object gives the contract checks nothing to hold the app to.
    assert untyped_operations(client.get("/openapi.json").json()) == []
