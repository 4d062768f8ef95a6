"""Protein analysis endpoint."""

import pytest
from fastapi.testclient import TestClient

URL = "/api/v1/protein/analyze"


def test_analysis_values(client: TestClient) -> None:
    response = client.post(URL, json={"sequence": "MKTAYIAKQRQISFVKSHFSRQ"})
    assert response.status_code == 200
    body = response.json()
    assert body["length"] == 22
    assert body["molecular_weight_da"] == pytest.approx(2655.085, abs=0.01)
    assert body["isoelectric_point"] == pytest.approx(11.17, abs=0.01)
    assert body["gravy"] == pytest.approx(-0.659, abs=0.001)
    assert body["is_stable"] is False
    assert sum(body["amino_acid_percent"].values()) == pytest.approx(100.0, abs=0.01)
    assert body["amino_acid_percent"]["K"] == pytest.approx(13.6364, abs=0.001)


def test_fasta_header_whitespace_and_case_are_ignored(client: TestClient) -> None:
    plain = client.post(URL, json={"sequence": "MKTAYIAKQR"}).json()
    fasta = client.post(URL, json={"sequence": ">sp|X\nmkta yiak\nqr\n"}).json()
    assert fasta == plain


def test_invalid_residues_named_with_positions(client: TestClient) -> None:
    response = client.post(URL, json={"sequence": "MKTBAYZ1"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "'1BZ'" in detail
    assert "'B' at 4" in detail
    assert "'Z' at 7" in detail
    assert "'1' at 8" in detail


def test_oversized_sequence_names_limit(client: TestClient) -> None:
    response = client.post(URL, json={"sequence": "A" * 51})
    assert response.status_code == 422
    assert "the limit is 50" in response.json()["detail"]


def test_empty_sequence_rejected(client: TestClient) -> None:
    response = client.post(URL, json={"sequence": "  \n"})
    assert response.status_code == 422
    assert response.json()["detail"] == "sequence is empty"


def test_unknown_fields_and_non_strings_are_refused(client: TestClient) -> None:
    response = client.post(URL, json={"sequence": "MKT", "organism": "wheat"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert client.post(URL, json={"sequence": 42}).status_code == 422
