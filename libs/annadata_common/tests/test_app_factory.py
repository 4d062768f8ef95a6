"""create_service_app: the error handling every service shares."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from annadata_common.app_factory import create_service_app
from annadata_common.settings import ServiceSettings


class Reading(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    value: float


def _with_route(app: FastAPI) -> TestClient:
    @app.post("/readings")
    def post(reading: Reading) -> dict[str, float]:
        return {"value": reading.value}

    return TestClient(app, raise_server_exceptions=False)


def _post(client: TestClient, literal: str):
    return client.post(
        "/readings", content=f'{{"value": {literal}}}', headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize(
    ("literal", "echoed"), [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf"),
                            ("1e400", "inf")],
)  # fmt: skip
def test_a_non_finite_number_is_a_422_that_echoes_it_as_a_string(literal: str, echoed: str):
    client = _with_route(create_service_app(ServiceSettings(service_name="t"), [], title="t"))
    response = _post(client, literal)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["input"] == echoed


def test_fastapi_alone_answers_500_to_it():
    # Why the handler exists: when this starts passing 422, FastAPI fixed it upstream.
    assert _post(_with_route(FastAPI()), "NaN").status_code == 500


def test_ordinary_validation_errors_keep_fastapis_body():
    client = _with_route(create_service_app(ServiceSettings(service_name="t"), [], title="t"))
    detail = _post(client, '"high"').json()["detail"]
    assert detail == [{"type": "float_parsing", "loc": ["body", "value"],
                       "msg": "Input should be a valid number, unable to parse string as a number",
                       "input": "high"}]  # fmt: skip
