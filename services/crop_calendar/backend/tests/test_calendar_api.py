"""GET /api/v1/states and /api/v1/crop-calendar/{state}: filters, wrap-around, errors."""

import pytest
from app import create_app
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client() -> TestClient:
    """In-process client, shared: the app is read-only."""
    with TestClient(create_app()) as test_client:
        yield test_client


def _crops(client: TestClient, state: str, **params: object) -> dict[str, dict]:
    response = client.get(f"/api/v1/crop-calendar/{state}", params=params)
    assert response.status_code == 200, response.text
    return {c["crop"]: c for c in response.json()["crops"]}


def test_states_list_names_and_seasons(client: TestClient) -> None:
    states = {s["state"]: s for s in client.get("/api/v1/states").json()}
    assert {"punjab", "west_bengal", "tamil_nadu", "madhya_pradesh"} <= set(states)
    assert list(states) == sorted(states)
    assert states["uttar_pradesh"]["name"] == "Uttar Pradesh"
    assert states["punjab"]["seasons"] == ["kharif", "rabi", "zaid"]


def test_whole_calendar_of_a_state(client: TestClient) -> None:
    body = client.get("/api/v1/crop-calendar/punjab").json()
    assert (body["state"], body["name"], body["season"], body["month"]) == (
        "punjab",
        "Punjab",
        None,
        None,
    )
    seasons = [c["season"] for c in body["crops"]]
    assert set(seasons) == {"kharif", "rabi", "zaid"}
    # Grouped kharif, rabi, zaid: the order of the agricultural year.
    assert seasons == sorted(seasons, key=["kharif", "rabi", "zaid"].index)
    wheat = next(c for c in body["crops"] if c["crop"] == "Wheat")
    assert wheat["sowing"] == {"start": 10, "end": 11, "months": [10, 11]}
    assert wheat["harvest"] == {"start": 4, "end": 5, "months": [4, 5]}
    assert wheat["note"]
    assert next(c for c in body["crops"] if c["crop"] == "Maize")["note"] is None


def test_season_filter(client: TestClient) -> None:
    rabi = _crops(client, "punjab", season="rabi")
    assert "Wheat" in rabi
    assert "Rice (paddy)" not in rabi
    assert {c["season"] for c in rabi.values()} == {"rabi"}
    body = client.get("/api/v1/crop-calendar/punjab", params={"season": "rabi"}).json()
    assert body["season"] == "rabi"


def test_month_filter_matches_sowing_or_harvest(client: TestClient) -> None:
    # Punjab wheat: sown Oct-Nov, harvested Apr-May; nothing of it happens in February.
    assert "Wheat" in _crops(client, "punjab", month=11)
    assert "Wheat" in _crops(client, "punjab", month=4)
    assert "Wheat" not in _crops(client, "punjab", month=2)
    assert "Wheat" not in _crops(client, "punjab", month=1)
    for crop in _crops(client, "punjab", month=7).values():
        active = crop["sowing"]["months"] + crop["harvest"]["months"]
        assert 7 in active, crop


def test_window_wrapping_the_year_end(client: TestClient) -> None:
    # Tamil Nadu navarai rice is sown December to January, harvested March to April.
    navarai = _crops(client, "tamil_nadu", season="zaid")["Rice (navarai)"]
    assert navarai["sowing"] == {"start": 12, "end": 1, "months": [12, 1]}
    for month in (12, 1, 3, 4):
        assert "Rice (navarai)" in _crops(client, "tamil_nadu", season="zaid", month=month)
    for month in (2, 5, 11):
        assert "Rice (navarai)" not in _crops(client, "tamil_nadu", season="zaid", month=month)
    # Maharashtra cotton is harvested October to January: January is in, February is not.
    assert _crops(client, "maharashtra", season="kharif")["Cotton"]["harvest"]["months"] == [
        10,
        11,
        12,
        1,
    ]
    assert "Cotton" in _crops(client, "maharashtra", month=1)
    assert "Cotton" not in _crops(client, "maharashtra", month=2)


def test_season_and_month_together(client: TestClient) -> None:
    # West Bengal in January: boro rice is being sown (rabi), aman rice is long harvested.
    january_rabi = _crops(client, "west_bengal", season="rabi", month=1)
    assert "Rice (boro)" in january_rabi
    assert {c["season"] for c in january_rabi.values()} == {"rabi"}
    assert _crops(client, "west_bengal", season="kharif", month=1) == {}


def test_unknown_state_is_404_naming_known_states(client: TestClient) -> None:
    response = client.get("/api/v1/crop-calendar/kerala")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail.startswith("unknown state 'kerala'; known states: ")
    assert "haryana, karnataka" in detail
    assert "west_bengal" in detail


@pytest.mark.parametrize(
    "params",
    [
        {"season": "monsoon"},
        {"season": "Kharif"},
        {"month": 0},
        {"month": 13},
        {"month": "x"},
        {"month": "1.5"},
        {"month": ""},
    ],
)
def test_bad_season_or_month_is_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/api/v1/crop-calendar/punjab", params=params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


@pytest.mark.parametrize(
    "state", ["Punjab", "uttar-pradesh", "west__bengal", "_punjab", "a" * 41, "punjab%00"]
)
def test_malformed_state_is_422(client: TestClient, state: str) -> None:
    assert client.get(f"/api/v1/crop-calendar/{state}").status_code == 422
