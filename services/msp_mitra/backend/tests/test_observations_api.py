"""Observations: a write stored in the database and read back."""

from pathlib import Path

import pytest
from app import create_app
from config import Settings
from fastapi.testclient import TestClient

OBS = {
    "commodity": "wheat",
    "marketing_year": "2025-26",
    "market": "Khanna",
    "rs_per_quintal": 2300,
    "observed_on": "2025-04-15",
}


def test_round_trip(client: TestClient) -> None:
    created = client.post("/api/v1/observations", json=OBS)
    assert created.status_code == 201
    body = created.json()
    assert body["comparison"]["position"] == "below"
    assert body["comparison"]["difference_rs"] == -125
    fetched = client.get(f"/api/v1/observations/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body
    listed = client.get("/api/v1/observations", params={"commodity": "wheat"}).json()
    assert [o["id"] for o in listed] == [body["id"]]


def test_rejects_unknown_commodity_and_bad_input(client: TestClient) -> None:
    assert client.post("/api/v1/observations", json={**OBS, "commodity": "x"}).status_code == 404
    response = client.post("/api/v1/observations", json={**OBS, "marketing_year": "2025"})
    assert response.status_code == 422
    assert "2024-25" in response.text
    assert client.post("/api/v1/observations", json={**OBS, "rs_per_quintal": 0}).status_code == 422
    assert client.get("/api/v1/observations/999999").status_code == 404


def test_seed_is_idempotent_and_data_persists(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"sqlite_url": f"sqlite:///{tmp_path / 'msp.db'}"})
    with TestClient(create_app(settings)) as client:
        first = client.get("/api/v1/msp/wheat").json()["prices"]
        obs_id = client.post("/api/v1/observations", json=OBS).json()["id"]
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/msp/wheat").json()["prices"] == first
        assert client.get(f"/api/v1/observations/{obs_id}").status_code == 200


def test_inputs_the_contract_forbids_are_422_not_stored_or_500(client: TestClient) -> None:
    # Each was accepted or crashed before the contract tests (schemathesis) found it.
    assert client.post("/api/v1/observations", json={**OBS, "observed_on": 0}).status_code == 422
    assert client.post("/api/v1/observations", json={**OBS, "market": "a\x00b"}).status_code == 422
    assert client.post(
        "/api/v1/observations", json={**OBS, "rs_per_quintal": True}
    ).status_code == (422)
    assert client.get("/api/v1/observations", params={"commodity": "P\x00!"}).status_code == 422
    assert client.get("/api/v1/msp/WHEAT%00").status_code == 422


def test_an_id_beyond_the_database_integer_is_422(client: TestClient) -> None:
    assert client.get("/api/v1/observations/11396319178349240").status_code == 422


def test_a_non_finite_price_is_422_not_500(client: TestClient) -> None:
    # Python's JSON parser reads NaN; the shared 422 handler echoes it as a string.
    body = '{"commodity": "wheat", "marketing_year": "2025-26", "market": "Khanna", ' \
        '"rs_per_quintal": NaN, "observed_on": "2025-04-15"}'  # fmt: skip
    response = client.post(
        "/api/v1/observations", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "observed_on", ["2025-04-15T00:00:00", "20250415", "2025-04-31", "15-04-2025"]
)
def test_observed_on_is_a_yyyy_mm_dd_date_and_nothing_else(
    client: TestClient, observed_on: str
) -> None:
    # 0.1.0 read 2025-04-15T00:00:00 as a date; every service now means the same by one.
    response = client.post("/api/v1/observations", json={**OBS, "observed_on": observed_on})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "observed_on"]


def test_a_field_the_body_does_not_define_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/observations", json={**OBS, "variety": "HD-2967"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
