"""create_service_app: the error handling every service shares."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from annadata_common.app_factory import create_service_app
from annadata_common.exceptions import InvalidInputError, NotFoundError
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


class UnknownPlotError(NotFoundError):
    """A service's own 404."""


def test_domain_exceptions_answer_their_status_with_the_documented_sentence():
    app = create_service_app(ServiceSettings(service_name="t"), [], title="t")

    @app.get("/plots/{plot}")
    def plot(plot: str) -> dict[str, str]:
        if plot == "bad":
            raise InvalidInputError("plot 'bad' is not surveyed yet")
        raise UnknownPlotError(f"no plot {plot!r}")

    client = TestClient(app, raise_server_exceptions=False)
    missing, refused = client.get("/plots/x"), client.get("/plots/bad")
    assert (missing.status_code, missing.json()) == (404, {"detail": "no plot 'x'"})
    assert refused.status_code == 422
    assert refused.json() == {"detail": "plot 'bad' is not surveyed yet"}
    documented = app.openapi()["paths"]["/plots/{plot}"]["get"]["responses"]
    assert documented["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }


def test_version_is_typed_and_is_the_contracts_version():
    app = create_service_app(ServiceSettings(service_name="t", git_sha="abc"), [], "t", "2.1.0")
    assert TestClient(app).get("/version").json() == {"service": "t", "git_sha": "abc"}
    spec = app.openapi()
    assert spec["info"]["version"] == "2.1.0"
    schema = spec["paths"]["/version"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"] == {"$ref": "#/components/schemas/VersionReport"}
    assert spec["components"]["schemas"]["VersionReport"]["required"] == ["service", "git_sha"]
