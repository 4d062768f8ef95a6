"""/health, /version and the contract's typing."""

from pathlib import Path

from app import create_app
from config import Settings
from fastapi.testclient import TestClient

from annadata_common.schemas import untyped_operations


def test_health_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["checks"][0]["name"] == "crop_traits_data"


def test_health_503_without_data(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=str(tmp_path)))) as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert client.get("/api/v1/crops").status_code == 503


def test_version_reports_git_sha(monkeypatch) -> None:
    monkeypatch.setenv("GIT_SHA", "deadbeef")
    with TestClient(create_app(Settings())) as client:
        assert client.get("/version").json() == {
            "service": "protein_engineering",
            "git_sha": "deadbeef",
        }


def test_every_body_and_response_has_a_schema_that_can_fail(client: TestClient) -> None:
    assert untyped_operations(client.get("/openapi.json").json()) == []
