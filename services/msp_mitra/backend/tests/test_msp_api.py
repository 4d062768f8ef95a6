"""MSP lookups, year-over-year changes and price comparison against published figures."""

import pytest
from fastapi.testclient import TestClient


def test_commodities_listed_with_years(client: TestClient) -> None:
    commodities = {c["commodity"]: c for c in client.get("/api/v1/commodities").json()}
    assert commodities["wheat"]["season"] == "rabi"
    assert "2025-26" in commodities["paddy-common"]["years"]


def test_msp_for_year(client: TestClient) -> None:
    body = client.get("/api/v1/msp/paddy-common/2025-26").json()
    assert body["rs_per_quintal"] == 2369
    assert client.get("/api/v1/msp/wheat/2025-26").json()["rs_per_quintal"] == 2425


def test_history_sorted(client: TestClient) -> None:
    prices = client.get("/api/v1/msp/wheat").json()["prices"]
    years = [p["marketing_year"] for p in prices]
    assert years == sorted(years)


def test_year_over_year(client: TestClient) -> None:
    changes = client.get("/api/v1/msp/paddy-common/changes").json()["changes"]
    last = changes[-1]
    assert (last["from_year"], last["to_year"]) == ("2024-25", "2025-26")
    assert last["change_rs"] == 69
    assert last["change_pct"] == pytest.approx(3.0, abs=0.01)


@pytest.mark.parametrize(
    ("price", "position", "difference"),
    [(2200, "below", -225), (2425, "at", 0), (2600, "above", 175)],
)
def test_compare_market_price(
    client: TestClient, price: int, position: str, difference: int
) -> None:
    body = client.get("/api/v1/msp/wheat/2025-26/compare", params={"market_price": price}).json()
    assert body["position"] == position
    assert body["difference_rs"] == difference
    assert body["difference_pct"] == round(difference / 2425 * 100, 2)


def test_unknown_commodity_and_year_are_404(client: TestClient) -> None:
    response = client.get("/api/v1/msp/quinoa/2024-25")
    assert response.status_code == 404
    assert "unknown commodity 'quinoa'" in response.json()["detail"]
    response = client.get("/api/v1/msp/wheat/2001-02")
    assert response.status_code == 404
    assert "no MSP" in response.json()["detail"]


def test_bad_year_and_price_are_422(client: TestClient) -> None:
    response = client.get("/api/v1/msp/wheat/2024-26")
    assert response.status_code == 422
    assert "consecutive" in response.json()["detail"]
    response = client.get("/api/v1/msp/wheat/2025-26/compare", params={"market_price": -5})
    assert response.status_code == 422
    assert client.get("/api/v1/msp/wheat/2025-26/compare").status_code == 422
