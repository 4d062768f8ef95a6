"""The body limit: 413 by Content-Length and by the streamed size, documented in the spec."""

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient

from annadata_common.app_factory import create_service_app
from annadata_common.schemas import RequestModel
from annadata_common.settings import ServiceSettings

LIMIT = 1000


class Note(RequestModel):
    text: str


def _app(limit: int = LIMIT) -> FastAPI:
    app = create_service_app(ServiceSettings(service_name="t", max_body_bytes=limit), [], "t")

    @app.post("/notes")
    def post(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    return app


def test_a_body_within_the_limit_is_served() -> None:
    client = TestClient(_app())
    assert client.post("/notes", json={"text": "x" * 900}).json() == {"length": 900}


def test_a_declared_length_over_the_limit_is_413_with_the_documented_body() -> None:
    response = TestClient(_app()).post("/notes", json={"text": "x" * 2000})
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"the request body is larger than this service accepts ({LIMIT} bytes, "
        "MAX_BODY_BYTES)"
    }


def test_a_streamed_body_without_a_length_is_cut_at_the_limit() -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(100):  # 10 kB in all: past the limit after about a tenth of it
            sent.append(1)
            yield b"x" * 100
        yield b'"}'

    response = TestClient(_app()).post(
        "/notes", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "MAX_BODY_BYTES" in response.json()["detail"]


def test_the_413_is_in_every_operations_spec() -> None:
    spec = _app().openapi()
    documented = spec["paths"]["/notes"]["post"]["responses"]["413"]
    assert documented["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    assert "MAX_BODY_BYTES" in documented["description"]


def test_a_validation_error_echoes_only_a_short_prefix() -> None:
    app = _app(limit=1 << 20)
    big = "y" * 100_000
    response = TestClient(app).post("/notes", json={"text": 5, "extra": big})
    assert response.status_code == 422
    assert len(response.content) < 1000
    inputs = [issue["input"] for issue in response.json()["detail"]]
    assert inputs[0] == 5
    assert inputs[1] == "y" * 64 + "..."
    nested = TestClient(app).post("/notes", json=[{"text": "y" * 1000}] * 500)
    assert nested.status_code == 422
    assert len(nested.content) < 1000
