"""POST /api/v1/soil-health/index: ratings at every class edge, the index, advisories, rejects."""

import pytest
from app import create_app
from fastapi.testclient import TestClient

URL = "/api/v1/soil-health/index"
# Neutral, non-saline, medium in every fertility parameter: nothing to advise.
HEALTHY = {
    "ph": 7.0,
    "ec_ds_m": 0.3,
    "organic_carbon_pct": 0.6,
    "nitrogen_kg_ha": 400,
    "phosphorus_kg_ha": 15,
    "potassium_kg_ha": 200,
}
MICRONUTRIENTS = ("sulphur_ppm", "zinc_ppm", "iron_ppm", "copper_ppm", "manganese_ppm", "boron_ppm")


@pytest.fixture
def client() -> TestClient:
    """In-process client."""
    with TestClient(create_app()) as test_client:
        yield test_client


def _index(client: TestClient, **values: float | None) -> dict:
    response = client.post(URL, json={**HEALTHY, **values})
    assert response.status_code == 200, response.text
    return response.json()


def _ratings(report: dict) -> dict[str, str]:
    return {r["parameter"]: r["rating"] for r in report["ratings"]}


def _advice(report: dict) -> dict[str, str]:
    return {a["parameter"]: a["advice"] for a in report["advisories"]}


# Written out rather than read from norms.py, so a changed threshold fails here.
EDGES = [
    ("ph", "ph", 0, "strongly_acidic"),
    ("ph", "ph", 5.49, "strongly_acidic"),
    ("ph", "ph", 5.5, "moderately_acidic"),
    ("ph", "ph", 6.49, "moderately_acidic"),
    ("ph", "ph", 6.5, "neutral"),
    ("ph", "ph", 7.5, "neutral"),
    ("ph", "ph", 7.51, "moderately_alkaline"),
    ("ph", "ph", 8.5, "moderately_alkaline"),
    ("ph", "ph", 8.51, "strongly_alkaline"),
    ("ph", "ph", 14, "strongly_alkaline"),
    ("ec_ds_m", "ec", 0, "normal"),
    ("ec_ds_m", "ec", 0.99, "normal"),
    ("ec_ds_m", "ec", 1.0, "critical"),
    ("ec_ds_m", "ec", 3.0, "critical"),
    ("ec_ds_m", "ec", 3.01, "injurious"),
    ("organic_carbon_pct", "organic_carbon", 0.49, "low"),
    ("organic_carbon_pct", "organic_carbon", 0.5, "medium"),
    ("organic_carbon_pct", "organic_carbon", 0.75, "medium"),
    ("organic_carbon_pct", "organic_carbon", 0.76, "high"),
    ("nitrogen_kg_ha", "nitrogen", 279.9, "low"),
    ("nitrogen_kg_ha", "nitrogen", 280, "medium"),
    ("nitrogen_kg_ha", "nitrogen", 560, "medium"),
    ("nitrogen_kg_ha", "nitrogen", 560.1, "high"),
    ("phosphorus_kg_ha", "phosphorus", 9.9, "low"),
    ("phosphorus_kg_ha", "phosphorus", 10, "medium"),
    ("phosphorus_kg_ha", "phosphorus", 25, "medium"),
    ("phosphorus_kg_ha", "phosphorus", 25.1, "high"),
    ("potassium_kg_ha", "potassium", 109.9, "low"),
    ("potassium_kg_ha", "potassium", 110, "medium"),
    ("potassium_kg_ha", "potassium", 280, "medium"),
    ("potassium_kg_ha", "potassium", 280.1, "high"),
    ("sulphur_ppm", "sulphur", 9.9, "deficient"),
    ("sulphur_ppm", "sulphur", 10, "sufficient"),
    ("zinc_ppm", "zinc", 0.59, "deficient"),
    ("zinc_ppm", "zinc", 0.6, "sufficient"),
    ("iron_ppm", "iron", 4.49, "deficient"),
    ("iron_ppm", "iron", 4.5, "sufficient"),
    ("copper_ppm", "copper", 0.19, "deficient"),
    ("copper_ppm", "copper", 0.2, "sufficient"),
    ("manganese_ppm", "manganese", 1.99, "deficient"),
    ("manganese_ppm", "manganese", 2.0, "sufficient"),
    ("boron_ppm", "boron", 0.49, "deficient"),
    ("boron_ppm", "boron", 0.5, "sufficient"),
]


@pytest.mark.parametrize(("field", "parameter", "value", "rating"), EDGES)
def test_rating_at_class_edges(
    client: TestClient, field: str, parameter: str, value: float, rating: str
) -> None:
    assert _ratings(_index(client, **{field: value}))[parameter] == rating


def test_healthy_soil_report(client: TestClient) -> None:
    report = _index(client)
    # Only measured parameters are rated, in the card's order.
    assert [r["parameter"] for r in report["ratings"]] == [
        "ph", "ec", "organic_carbon", "nitrogen", "phosphorus", "potassium",
    ]  # fmt: skip
    assert set(_ratings(report).values()) == {"neutral", "normal", "medium"}
    assert report["advisories"] == []
    assert report["nutrient_index"] == {
        "value": 2.0,
        "rating": "medium",
        "formula": "(1*nLow + 2*nMedium + 3*nHigh) / n",
        "parameters": ["organic_carbon", "nitrogen", "phosphorus", "potassium"],
        "bands": [
            {"rating": "low", "lower": None, "lower_inclusive": False, "upper": 1.67,
             "upper_inclusive": False},
            {"rating": "medium", "lower": 1.67, "lower_inclusive": True, "upper": 2.33,
             "upper_inclusive": True},
            {"rating": "high", "lower": 2.33, "lower_inclusive": False, "upper": None,
             "upper_inclusive": False},
        ],
    }  # fmt: skip
    assert "Soil Health Card" in report["source"]


def test_rating_reports_value_unit_and_bands(client: TestClient) -> None:
    nitrogen = next(r for r in _index(client)["ratings"] if r["parameter"] == "nitrogen")
    assert (nitrogen["value"], nitrogen["unit"]) == (400, "kg N/ha")
    assert [(b["rating"], b["lower"], b["upper"]) for b in nitrogen["bands"]] == [
        ("low", None, 280),
        ("medium", 280, 560),
        ("high", 560, None),
    ]
    assert [(b["lower_inclusive"], b["upper_inclusive"]) for b in nitrogen["bands"]] == [
        (False, False),
        (True, True),
        (False, False),
    ]


@pytest.mark.parametrize(
    ("values", "index", "rating"),
    [
        ({"organic_carbon_pct": 0.3, "nitrogen_kg_ha": 200, "phosphorus_kg_ha": 5,
          "potassium_kg_ha": 90}, 1.0, "low"),
        ({"organic_carbon_pct": 0.3, "nitrogen_kg_ha": 200}, 1.5, "low"),
        ({"organic_carbon_pct": 0.3}, 1.75, "medium"),
        ({"organic_carbon_pct": 0.3, "potassium_kg_ha": 300}, 2.0, "medium"),
        ({"potassium_kg_ha": 300}, 2.25, "medium"),
        ({"potassium_kg_ha": 300, "phosphorus_kg_ha": 30}, 2.5, "high"),
        ({"organic_carbon_pct": 1.2, "nitrogen_kg_ha": 600, "phosphorus_kg_ha": 30,
          "potassium_kg_ha": 300}, 3.0, "high"),
    ],
)  # fmt: skip
def test_nutrient_index(client: TestClient, values: dict, index: float, rating: str) -> None:
    result = _index(client, **values)["nutrient_index"]
    assert (result["value"], result["rating"]) == (index, rating)


def test_micronutrients_are_rated_but_not_indexed(client: TestClient) -> None:
    report = _index(client, zinc_ppm=0.1, boron_ppm=None)
    assert _ratings(report)["zinc"] == "deficient"
    assert "boron" not in _ratings(report)
    assert report["nutrient_index"]["value"] == 2.0


@pytest.mark.parametrize(
    ("values", "parameter", "words"),
    [
        ({"ph": 4.8}, "ph", "lime"),
        ({"ph": 6.0}, "ph", "ammonium sulphate"),
        ({"ph": 8.0}, "ph", "zinc"),
        ({"ph": 9.2}, "ph", "gypsum"),
        ({"ec_ds_m": 2.0}, "ec", "germination"),
        ({"ec_ds_m": 5.0}, "ec", "leach"),
        ({"organic_carbon_pct": 0.3}, "organic_carbon", "farmyard manure"),
        ({"nitrogen_kg_ha": 150}, "nitrogen", "25 % more"),
        ({"nitrogen_kg_ha": 700}, "nitrogen", "25 % less"),
        ({"phosphorus_kg_ha": 5}, "phosphorus", "25 % more than the recommended dose of P2O5"),
        ({"potassium_kg_ha": 400}, "potassium", "25 % less than the recommended dose of K2O"),
        ({"sulphur_ppm": 5}, "sulphur", "gypsum"),
        ({"zinc_ppm": 0.3}, "zinc", "zinc sulphate"),
        ({"iron_ppm": 2}, "iron", "ferrous sulphate"),
        ({"copper_ppm": 0.1}, "copper", "copper sulphate"),
        ({"manganese_ppm": 1}, "manganese", "manganese sulphate"),
        ({"boron_ppm": 0.2}, "boron", "borax"),
    ],
)
def test_advisory(client: TestClient, values: dict, parameter: str, words: str) -> None:
    advice = _advice(_index(client, **values))
    assert list(advice) == [parameter]
    assert words in advice[parameter]


def test_advisories_follow_the_card_order_and_name_the_rating(client: TestClient) -> None:
    report = _index(client, ph=9.0, organic_carbon_pct=0.2, zinc_ppm=0.2, iron_ppm=10)
    assert [(a["parameter"], a["rating"]) for a in report["advisories"]] == [
        ("ph", "strongly_alkaline"),
        ("organic_carbon", "low"),
        ("zinc", "deficient"),
    ]


def test_sufficient_or_high_values_need_no_advice(client: TestClient) -> None:
    values = {name: 50 for name in MICRONUTRIENTS}
    assert _index(client, organic_carbon_pct=2.0, **values)["advisories"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ph", -0.01),
        ("ph", 14.01),
        ("ec_ds_m", -1),
        ("ec_ds_m", 20.5),
        ("organic_carbon_pct", 61),
        ("nitrogen_kg_ha", 3001),
        ("phosphorus_kg_ha", -5),
        ("potassium_kg_ha", 5001),
        ("zinc_ppm", -0.1),
        ("boron_ppm", 101),
        ("ph", "6.5"),  # strict: a numeric string is not a number
        ("ph", True),
        ("ph", None),
        ("nitrogen_kg_ha", [300]),
        ("sulphur_ppm", "high"),
    ],
)
def test_bad_values_are_422(client: TestClient, field: str, value: object) -> None:
    response = client.post(URL, json={**HEALTHY, field: value})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_extra_field_is_422(client: TestClient) -> None:
    response = client.post(URL, json={**HEALTHY, "calcium_ppm": 5})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("missing", list(HEALTHY))
def test_missing_required_value_is_422(client: TestClient, missing: str) -> None:
    body = {k: v for k, v in HEALTHY.items() if k != missing}
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", missing]


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"", 422),
        (b"null", 422),
        (b"[]", 422),
        (b"6.5", 422),
        (b'"ph"', 422),
        (b"{not json", 422),
        # Longer than Python's int-parsing limit: Starlette's "error parsing the body".
        (b"1" * 5000, 400),
    ],
)
def test_body_that_is_not_an_object_is_rejected(
    client: TestClient, content: bytes, status: int
) -> None:
    response = client.post(URL, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert "detail" in response.json()


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_numbers_are_422_not_500(client: TestClient, literal: bytes) -> None:
    # Python's JSON parser reads these; echoing them back in the 422 must not crash.
    content = b'{"ph": ' + literal + b', "ec_ds_m": 0.3}'
    response = client.post(URL, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    issue = response.json()["detail"][0]
    assert issue["loc"] == ["body", "ph"]
    assert issue["input"] in ("nan", "inf", "-inf")
