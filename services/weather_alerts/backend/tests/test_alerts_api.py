"""POST /api/v1/weather-alerts/check: thresholds, stages and input validation."""

import datetime as dt

import pytest
from app import create_app
from fastapi.testclient import TestClient
from thresholds import THRESHOLDS

CHECK = "/api/v1/weather-alerts/check"
START = dt.date(2025, 2, 20)
# Mild, dry, calm weather: no rule of any crop stage fires on it.
CALM = {"tmax_c": 28.0, "tmin_c": 18.0, "rainfall_mm": 0.0, "rh_pct": 60.0, "wind_kmh": 10.0}


@pytest.fixture(scope="module")
def client() -> TestClient:
    """In-process client."""
    with TestClient(create_app()) as test_client:
        yield test_client


def forecast(*days: dict[str, float]) -> list[dict[str, object]]:
    """Consecutive days from START, each CALM with the given overrides."""
    return [
        {"date": (START + dt.timedelta(days=i)).isoformat(), **CALM, **day}
        for i, day in enumerate(days)
    ]


def check(client: TestClient, crop: str, stage: str, days: list[dict[str, object]]) -> dict:
    response = client.post(CHECK, json={"crop": crop, "stage": stage, "forecast": days})
    assert response.status_code == 200, response.text
    return response.json()


def alerts_of(body: dict, kind: str, day: int = 0) -> list[dict]:
    return [a for a in body["days"][day]["alerts"] if a["kind"] == kind]


# (crop, stage, kind, weather at the moderate threshold, just short of it, at the severe one)
THRESHOLD_CASES = [
    ("wheat", "flowering", "heat_stress", {"tmax_c": 35.0}, {"tmax_c": 34.9}, {"tmax_c": 38.0}),
    ("rice", "flowering", "cold_injury", {"tmin_c": 15.0}, {"tmin_c": 15.1}, {"tmin_c": 12.0}),
    ("mustard", "flowering", "frost", {"tmin_c": 4.0}, {"tmin_c": 4.1}, {"tmin_c": 2.0}),
    (
        "wheat",
        "vegetative",
        "heavy_rain",
        {"rainfall_mm": 64.5},
        {"rainfall_mm": 64.4},
        {"rainfall_mm": 115.6},
    ),
    (
        "potato",
        "vegetative",
        "disease_risk_humid",
        {"rh_pct": 90.0, "tmin_c": 10.0, "tmax_c": 25.0},
        {"rh_pct": 89.9, "tmin_c": 10.0, "tmax_c": 25.0},
        {"rh_pct": 95.0, "tmin_c": 10.0, "tmax_c": 25.0},
    ),
    ("wheat", "maturity", "lodging_wind", {"wind_kmh": 40.0}, {"wind_kmh": 39.9}, {"wind_kmh": 60}),
]


@pytest.mark.parametrize(
    ("crop", "stage", "kind", "at", "short", "severe"),
    THRESHOLD_CASES,
    ids=[case[2] for case in THRESHOLD_CASES],
)
def test_alert_fires_at_threshold_not_short_of_it(
    client: TestClient, crop: str, stage: str, kind: str, at: dict, short: dict, severe: dict
) -> None:
    body = check(client, crop, stage, forecast(at, short, severe))
    (moderate_alert,) = alerts_of(body, kind, 0)
    variable = moderate_alert["variable"]
    assert moderate_alert["severity"] == "moderate"
    assert moderate_alert["threshold"] == moderate_alert["observed"] == at[variable]
    assert alerts_of(body, kind, 1) == []
    (severe_alert,) = alerts_of(body, kind, 2)
    assert severe_alert["severity"] == "severe"
    assert severe_alert["threshold"] == severe_alert["observed"] == severe[variable]
    assert moderate_alert["advice"]


def test_very_heavy_rain_starts_at_imd_115_6_mm(client: TestClient) -> None:
    body = check(client, "rice", "vegetative", forecast({"rainfall_mm": 115.5}))
    (alert,) = alerts_of(body, "heavy_rain")
    assert (alert["severity"], alert["threshold"]) == ("moderate", 64.5)


def test_waterlogging_sums_rain_over_three_forecast_days(client: TestClient) -> None:
    # Maize is waterlogging-sensitive: 50 mm over three days is the moderate threshold.
    wet = forecast({"rainfall_mm": 20.0}, {"rainfall_mm": 20.0}, {"rainfall_mm": 10.0})
    body = check(client, "maize", "vegetative", wet)
    assert alerts_of(body, "waterlogging", 0) == alerts_of(body, "waterlogging", 1) == []
    (alert,) = alerts_of(body, "waterlogging", 2)
    assert (alert["variable"], alert["observed"], alert["threshold"]) == (
        "rainfall_3day_mm",
        50.0,
        50.0,
    )
    drier = forecast({"rainfall_mm": 20.0}, {"rainfall_mm": 20.0}, {"rainfall_mm": 9.9})
    assert alerts_of(check(client, "maize", "vegetative", drier), "waterlogging", 2) == []


def test_waterlogging_forgets_rain_older_than_three_days(client: TestClient) -> None:
    days = forecast({"rainfall_mm": 40.0}, {}, {"rainfall_mm": 5.0}, {"rainfall_mm": 5.0})
    body = check(client, "maize", "vegetative", days)
    assert all(alerts_of(body, "waterlogging", i) == [] for i in range(4))
    # The same 50 mm within three days does raise it.
    days = forecast({}, {"rainfall_mm": 40.0}, {"rainfall_mm": 5.0}, {"rainfall_mm": 5.0})
    assert alerts_of(check(client, "maize", "vegetative", days), "waterlogging", 3) != []


def test_waterlogging_sum_is_not_fooled_by_float_rounding(client: TestClient) -> None:
    # 24.4 + 39.8 + 0.8 adds up to 64.99999999999999 in floating point; wheat's threshold is 65.
    days = forecast({"rainfall_mm": 24.4}, {"rainfall_mm": 39.8}, {"rainfall_mm": 0.8})
    (alert,) = alerts_of(check(client, "wheat", "vegetative", days), "waterlogging", 2)
    assert alert["observed"] == 65.0


@pytest.mark.parametrize(
    "weather",
    [
        {"rh_pct": 96.0, "tmin_c": 9.9, "tmax_c": 20.0},
        {"rh_pct": 96.0, "tmin_c": 12.0, "tmax_c": 25.1},
    ],
    ids=["too-cold", "too-warm"],
)
def test_humid_disease_needs_the_temperature_window(client: TestClient, weather: dict) -> None:
    body = check(client, "potato", "tuber_bulking", forecast(weather))
    assert alerts_of(body, "disease_risk_humid") == []


def test_same_weather_different_stage_different_alerts(client: TestClient) -> None:
    hot_windy = forecast({"tmax_c": 36.0, "wind_kmh": 45.0})

    def kinds(stage: str) -> set[str]:
        return {a["kind"] for a in check(client, "wheat", stage, hot_windy)["days"][0]["alerts"]}

    assert kinds("vegetative") == set()
    assert kinds("flowering") == {"heat_stress"}
    assert kinds("grain_filling") == {"heat_stress", "lodging_wind"}
    assert kinds("maturity") == {"lodging_wind"}


def test_same_weather_different_crop_different_threshold(client: TestClient) -> None:
    # 31 °C is heat stress for mustard in flower, not for chickpea (35 °C).
    warm = forecast({"tmax_c": 31.0})
    assert alerts_of(check(client, "mustard", "flowering", warm), "heat_stress") != []
    assert alerts_of(check(client, "chickpea", "flowering", warm), "heat_stress") == []


@pytest.mark.parametrize(
    ("crop", "stage"),
    [(crop, stage) for crop, info in THRESHOLDS.items() for stage in info.stages],
)
def test_calm_weather_raises_nothing(client: TestClient, crop: str, stage: str) -> None:
    body = check(client, crop, stage, forecast({}, {}))
    assert body["summary"]["total"] == 0
    assert [day["alerts"] for day in body["days"]] == [[], []]


def test_response_echoes_dates_and_counts_alerts(client: TestClient) -> None:
    days = forecast({"tmax_c": 38.5, "rainfall_mm": 70.0}, {}, {"tmax_c": 35.5})
    body = check(client, "wheat", "flowering", days)
    assert (body["crop"], body["stage"]) == ("wheat", "flowering")
    assert [d["date"] for d in body["days"]] == ["2025-02-20", "2025-02-21", "2025-02-22"]
    assert body["summary"] == {
        "total": 3,
        "moderate": 2,
        "severe": 1,
        "days_with_alerts": 2,
        "by_kind": {"heat_stress": 2, "heavy_rain": 1},
    }
    assert "indicative" in body["note"].lower()


# --- invalid input ---------------------------------------------------------------------------


def post(client: TestClient, body: object) -> dict:
    response = client.post(CHECK, json=body)
    assert response.status_code == 422, response.text
    return response.json()


def test_stage_not_of_the_crop_is_a_422_sentence(client: TestClient) -> None:
    detail = post(client, {"crop": "potato", "stage": "flowering", "forecast": forecast({})})[
        "detail"
    ]
    assert isinstance(detail, str)
    assert detail.startswith("stage 'flowering' does not apply to potato")
    assert "tuber_bulking" in detail
    assert (
        "pod_filling"
        in post(client, {"crop": "wheat", "stage": "pod_filling", "forecast": forecast({})})[
            "detail"
        ]
    )


def test_unknown_crop_or_stage_is_422(client: TestClient) -> None:
    post(client, {"crop": "quinoa", "stage": "sowing", "forecast": forecast({})})
    post(client, {"crop": "wheat", "stage": "Flowering", "forecast": forecast({})})


def test_tmin_above_tmax_is_422(client: TestClient) -> None:
    body = {"crop": "wheat", "stage": "flowering", "forecast": forecast({}, {"tmin_c": 29.0})}
    (issue,) = post(client, body)["detail"]
    assert issue["loc"] == ["body", "forecast", 1]
    assert "tmin_c 29 is above tmax_c 28" in issue["msg"]


@pytest.mark.parametrize(
    "body",
    [
        {"crop": "wheat", "stage": "flowering", "forecast": forecast({}), "district": "Karnal"},
        {"crop": "wheat", "stage": "flowering", "forecast": forecast({"soil_moisture": 0.3})},
    ],
    ids=["top-level", "in-a-day"],
)
def test_extra_fields_are_422(client: TestClient, body: dict) -> None:
    (issue,) = post(client, body)["detail"]
    assert issue["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    "dates",
    [["2025-02-20", "2025-02-22"], ["2025-02-20", "2025-02-20"], ["2025-02-21", "2025-02-20"]],
    ids=["gap", "repeat", "backwards"],
)
def test_dates_must_be_consecutive(client: TestClient, dates: list[str]) -> None:
    days = [{**day, "date": d} for day, d in zip(forecast({}, {}), dates, strict=True)]
    (issue,) = post(client, {"crop": "wheat", "stage": "flowering", "forecast": days})["detail"]
    assert "consecutive" in issue["msg"]


@pytest.mark.parametrize("count", [0, 17])
def test_forecast_length_is_bounded(client: TestClient, count: int) -> None:
    days = forecast(*[{}] * count)
    post(client, {"crop": "wheat", "stage": "flowering", "forecast": days})


def test_sixteen_days_are_accepted(client: TestClient) -> None:
    assert len(check(client, "wheat", "flowering", forecast(*[{}] * 16))["days"]) == 16


@pytest.mark.parametrize(
    "day",
    [
        {"tmax_c": "36"},
        {"tmax_c": True},
        {"tmax_c": None},
        {"rh_pct": 100.5},
        {"rainfall_mm": -1.0},
        {"wind_kmh": 10**30},
        {"date": "2025-02-20T00:00:00"},
        {"date": 1740009600},
        {"date": "2025-02-30"},
    ],
)
def test_bad_day_values_are_422(client: TestClient, day: dict) -> None:
    post(client, {"crop": "wheat", "stage": "flowering", "forecast": [{**forecast({})[0], **day}]})


@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e400"])
def test_non_finite_numbers_are_422_not_500(client: TestClient, number: str) -> None:
    raw = (
        '{"crop": "wheat", "stage": "flowering", "forecast": [{"date": "2025-02-20", '
        f'"tmax_c": {number}, "tmin_c": 10, "rainfall_mm": 0, "rh_pct": 50, "wind_kmh": 5}}]}}'
    )
    response = client.post(CHECK, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "forecast", 0, "tmax_c"]


def test_body_that_is_not_an_object_is_422(client: TestClient) -> None:
    assert client.post(CHECK, json=[]).status_code == 422
    assert client.post(CHECK).status_code == 422
