"""The service answers /health and /version, and documents its one endpoint."""

import pytest
from app import create_app
from config import SERVICE_NAME
from fastapi.testclient import TestClient


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


def test_example_route_is_gone(client: TestClient) -> None:
    assert client.get("/api/v1/hello").status_code == 404


def test_openapi_documents_the_index(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/soil-health/index"]["post"]
    assert set(operation["responses"]) == {"200", "400", "404", "413", "422"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/SoilHealthReport"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SoilTest"}
