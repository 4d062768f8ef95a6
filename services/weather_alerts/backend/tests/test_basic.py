"""/health, /version and the crop catalogue."""

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


def test_example_route_is_gone(client: TestClient) -> None:
    assert client.get("/api/v1/hello").status_code == 404


def test_every_body_and_response_has_a_schema_that_can_fail(client: TestClient) -> None:
    assert untyped_operations(client.get("/openapi.json").json()) == []


def test_crops_lists_stages_in_growth_order_with_thresholds(client: TestClient) -> None:
    response = client.get("/api/v1/weather-alerts/crops")
    assert response.status_code == 200
    body = response.json()
    assert "indicative" in body["note"].lower()
    crops = {c["crop"]: c for c in body["crops"]}
    assert set(crops) == {"wheat", "rice", "maize", "cotton", "mustard", "potato", "chickpea"}
    wheat_stages = [s["stage"] for s in crops["wheat"]["stages"]]
    assert wheat_stages == ["sowing", "vegetative", "flowering", "grain_filling", "maturity"]
    assert "flowering" not in [s["stage"] for s in crops["potato"]["stages"]]
    flowering = next(s for s in crops["wheat"]["stages"] if s["stage"] == "flowering")
    heat = next(r for r in flowering["rules"] if r["kind"] == "heat_stress")
    assert (heat["variable"], heat["comparison"], heat["moderate"]) == ("tmax_c", ">=", 35.0)
    potato = {s["stage"]: s for s in crops["potato"]["stages"]}
    blight = next(r for r in potato["vegetative"]["rules"] if r["kind"] == "disease_risk_humid")
    assert blight["temperature_window_c"] == [10.0, 25.0]
