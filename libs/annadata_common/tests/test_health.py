"""The /health router: status codes, per-check reports, timeouts."""

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from annadata_common.health import HealthCheck, HealthReport, build_health_router, database_check


def _client(*checks: HealthCheck) -> TestClient:
    app = FastAPI()
    app.include_router(build_health_router("svc", checks))
    return TestClient(app)


def _down() -> str:
    raise ConnectionError("connection refused")


def test_all_ok_is_200() -> None:
    response = _client(HealthCheck("a", lambda: "fine")).get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    check = body["checks"][0]
    assert check["name"] == "a"
    assert check["status"] == "ok"
    assert check["detail"] == "fine"
    assert check["required"] is True
    assert check["latency_ms"] >= 0


def test_required_down_is_503_with_reason() -> None:
    response = _client(HealthCheck("ok", lambda: None), HealthCheck("db", _down)).get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    db = next(c for c in body["checks"] if c["name"] == "db")
    assert db["status"] == "down"
    assert "connection refused" in db["detail"]


def test_optional_down_is_200_degraded() -> None:
    response = _client(HealthCheck("cache", _down, required=False)).get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"


def test_slow_check_times_out() -> None:
    check = HealthCheck("slow", lambda: time.sleep(2), timeout_s=0.1)
    start = time.perf_counter()
    response = _client(check).get("/health")
    assert time.perf_counter() - start < 1.5
    assert response.status_code == 503
    assert response.json()["checks"][0]["detail"] == "timed out after 0.1s"


def test_database_check_runs_select_1() -> None:
    engine = create_engine("sqlite://")
    response = _client(database_check(engine)).get("/health")
    assert response.status_code == 200
    assert "sqlite" in response.json()["checks"][0]["detail"]


def test_every_answer_is_a_health_report() -> None:
    for checks in [(HealthCheck("a", lambda: "fine"),), (HealthCheck("db", _down),), ()]:
        HealthReport.model_validate(_client(*checks).get("/health").json())


def test_the_spec_documents_the_report_on_200_and_503() -> None:
    app = FastAPI()
    app.include_router(build_health_router("svc", []))
    responses = app.openapi()["paths"]["/health"]["get"]["responses"]
    for status in ("200", "503"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/HealthReport"}
    report = app.openapi()["components"]["schemas"]["HealthReport"]
    assert report["additionalProperties"] is False
    assert report["properties"]["status"]["enum"] == ["ok", "degraded", "down"]
