"""Crop trait endpoints: listing, filtering, ranking, unknown names."""

from fastapi.testclient import TestClient


def test_list_crops(client: TestClient) -> None:
    crops = client.get("/api/v1/crops").json()
    assert {"rice", "wheat", "soybean"} <= {c["crop"] for c in crops}


def test_recommend_filters_and_ranks(client: TestClient) -> None:
    response = client.get(
        "/api/v1/crops/recommend",
        params={
            "season": "rabi",
            "min": "grain_protein_pct:15",
            "max": "water_need_mm_max:500",
            "rank_by": "grain_protein_pct",
        },
    )
    assert response.status_code == 200
    crops = response.json()["crops"]
    assert [c["crop"] for c in crops] == ["lentil", "black_gram", "mustard", "chickpea"]
    assert all("rabi" in c["seasons"] and c["water_need_mm_max"] <= 500 for c in crops)


def test_recommend_ascending_with_limit(client: TestClient) -> None:
    params = {"rank_by": "maturity_days_min", "order": "asc", "limit": 2}
    crops = client.get("/api/v1/crops/recommend", params=params).json()["crops"]
    assert [c["crop"] for c in crops] == ["green_gram", "black_gram"]


def test_recommend_unknown_trait_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/crops/recommend", params={"rank_by": "sweetness"})
    assert response.status_code == 422
    assert "unknown trait 'sweetness'" in response.json()["detail"]
    response = client.get("/api/v1/crops/recommend", params={"min": "colour:3"})
    assert response.status_code == 422


def test_recommend_bad_bound_and_season_are_422(client: TestClient) -> None:
    assert client.get("/api/v1/crops/recommend", params={"min": "x"}).status_code == 422
    response = client.get("/api/v1/crops/recommend", params={"season": "winter"})
    assert response.status_code == 422
    assert "unknown season" in response.json()["detail"]


def test_ranking_unknown_trait_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/crops/ranking/sweetness").status_code == 404
    ranked = client.get("/api/v1/crops/ranking/grain_protein_pct").json()
    assert ranked[0]["crop"] == "soybean"
    # The ranked trait's value sits under the trait's name, as before the response was typed.
    assert {tuple(sorted(r)) for r in ranked} == {("crop", "grain_protein_pct", "name")}


def test_unknown_crop_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/crops/quinoa").status_code == 404
    assert client.get("/api/v1/crops/wheat").json()["seasons"] == ["rabi"]
