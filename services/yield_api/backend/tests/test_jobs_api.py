"""Batch jobs: enqueue through the API, run a real RQ worker on fakeredis, read the result."""

import fakeredis
import pytest
from app import create_app
from config import Settings
from fastapi.testclient import TestClient
from rq import Queue, SimpleWorker
from test_predict_api import GOOD

from annadata_common.jobs import QUEUE_NAME


@pytest.fixture
def redis_conn() -> fakeredis.FakeStrictRedis:
    """An in-process Redis."""
    return fakeredis.FakeStrictRedis()


@pytest.fixture
def jobs_client(
    settings: Settings, redis_conn: fakeredis.FakeStrictRedis, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    """Client with a queue; the in-process worker reads MODELS_DIR from the environment."""
    monkeypatch.setenv("MODELS_DIR", settings.models_dir)
    with TestClient(create_app(settings, redis_connection=redis_conn)) as client:
        yield client


def _work(redis_conn: fakeredis.FakeStrictRedis) -> None:
    SimpleWorker([Queue(QUEUE_NAME, connection=redis_conn)], connection=redis_conn).work(burst=True)


def test_job_round_trip(jobs_client: TestClient, redis_conn: fakeredis.FakeStrictRedis) -> None:
    records = [GOOD, {**GOOD, "irrigated_fraction": 0.0}]
    submitted = jobs_client.post("/api/v1/jobs", json={"model": "crop_yield", "records": records})
    assert submitted.status_code == 202
    job_id = submitted.json()["job_id"]
    assert jobs_client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "queued"
    _work(redis_conn)
    body = jobs_client.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "finished"
    assert body["result"]["count"] == 2
    single = jobs_client.post("/api/v1/predict/yield", json=GOOD).json()["yield_t_ha"]
    assert body["result"]["predictions"][0] == single


def test_unknown_job_is_404(jobs_client: TestClient) -> None:
    response = jobs_client.get("/api/v1/jobs/does-not-exist")
    assert response.status_code == 404


def test_bad_batch_is_422_before_enqueue(
    jobs_client: TestClient, redis_conn: fakeredis.FakeStrictRedis
) -> None:
    response = jobs_client.post(
        "/api/v1/jobs", json={"model": "crop_yield", "records": [{"soil_ph": 7}]}
    )
    assert response.status_code == 422
    assert "record 0: missing feature" in response.json()["detail"]
    assert Queue(QUEUE_NAME, connection=redis_conn).count == 0
    unknown = jobs_client.post("/api/v1/jobs", json={"model": "nope", "records": [GOOD]})
    assert unknown.status_code == 404
    assert "not in registry" in unknown.json()["detail"]


def test_health_includes_redis(jobs_client: TestClient) -> None:
    checks = {c["name"]: c for c in jobs_client.get("/health").json()["checks"]}
    assert checks["redis"]["status"] == "ok"


def test_a_job_id_that_is_not_an_rq_id_is_422(jobs_client: TestClient) -> None:
    # Found by schemathesis: non-ASCII ids reached Redis and came back as a 500.
    assert jobs_client.get("/api/v1/jobs/%F2%A1%89%87%F0%A5%BA%80").status_code == 422
