"""Prediction and model listing endpoints."""

from pathlib import Path

from app import create_app
from config import Settings
from fastapi.testclient import TestClient

from annadata_common.model_registry import sha256_of
from annadata_common.schemas import untyped_operations

GOOD = {
    "rainfall_mm": 900,
    "avg_temp_c": 26,
    "fertilizer_kg_ha": 120,
    "irrigated_fraction": 0.5,
    "soil_ph": 6.8,
}
WEATHER = {
    "day_of_year": 140,
    "latitude": 22.0,
    "elevation_m": 100.0,
    "relative_humidity_pct": 40.0,
}


def test_models_listed_with_path_and_sha256(client: TestClient, models_dir: Path) -> None:
    body = client.get("/api/v1/models").json()
    assert body["errors"] == {}
    models = {m["name"]: m for m in body["models"]}
    assert set(models) == {"crop_yield", "weather_max_temp"}
    path = models_dir / "crop_yield.onnx"
    assert models["crop_yield"]["path"] == str(path)
    assert models["crop_yield"]["sha256"] == sha256_of(path)


def test_predict_yield(client: TestClient) -> None:
    response = client.post("/api/v1/predict/yield", json=GOOD)
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "crop_yield"
    assert 2.0 < body["yield_t_ha"] < 8.0
    poor = client.post(
        "/api/v1/predict/yield", json={**GOOD, "irrigated_fraction": 0, "fertilizer_kg_ha": 0}
    ).json()
    assert poor["yield_t_ha"] < body["yield_t_ha"]


def test_predict_weather_is_hotter_in_dry_lowland_summer(client: TestClient) -> None:
    summer = client.post("/api/v1/predict/weather", json=WEATHER).json()["max_temp_c"]
    winter = client.post("/api/v1/predict/weather", json={**WEATHER, "day_of_year": 10}).json()[
        "max_temp_c"
    ]
    assert summer > winter + 3


def test_out_of_range_input_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/predict/yield", json={**GOOD, "soil_ph": 14})
    assert response.status_code == 422
    assert "soil_ph" in response.text
    assert client.post("/api/v1/predict/yield", json={"soil_ph": 7}).status_code == 422


def test_tampered_model_is_not_served_and_health_is_503(models_dir: Path) -> None:
    (models_dir / "crop_yield.onnx").write_bytes(b"tampered")
    settings = Settings(models_dir=str(models_dir), redis_url=None)
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 503
        assert "sha256 mismatch" in health.json()["checks"][0]["detail"]
        response = client.post("/api/v1/predict/yield", json=GOOD)
        assert response.status_code == 503
        assert "crop_yield.onnx" in response.json()["detail"]
        assert client.post("/api/v1/predict/weather", json=WEATHER).status_code == 200


def test_health_and_version(client: TestClient) -> None:
    health = client.get("/health")
    assert health.status_code == 200
    assert [c["name"] for c in health.json()["checks"]] == ["models"]
    assert client.get("/version").json()["service"] == "yield_api"


def test_jobs_without_redis_are_503(client: TestClient) -> None:
    response = client.post("/api/v1/jobs", json={"model": "crop_yield", "records": [GOOD]})
    assert response.status_code == 503
    assert "REDIS_URL" in response.json()["detail"]


def test_a_boolean_is_not_a_number(client: TestClient) -> None:
    # Lax validation read `false` as 0.0; schemathesis caught it (negative_data_rejection).
    response = client.post("/api/v1/predict/yield", json={**GOOD, "irrigated_fraction": False})
    assert response.status_code == 422


def test_a_field_the_body_does_not_define_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/predict/yield", json={**GOOD, "variety": "HD-2967"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


def test_every_body_and_response_has_a_schema_that_can_fail(client: TestClient) -> None:
    assert untyped_operations(client.get("/openapi.json").json()) == []
