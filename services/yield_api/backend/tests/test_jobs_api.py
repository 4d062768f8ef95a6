"""Batch jobs: enqueue through the API, run a real RQ worker on fakeredis, read the result."""

import json
import pickle
import zlib

import fakeredis
import pytest
from app import create_app
from config import Settings
from fastapi.testclient import TestClient
from rq import SimpleWorker
from test_predict_api import GOOD

from annadata_common.jobs import SERIALIZER, job_class, job_queue

# What the pickle payload below did, if anything ever unpickled it.
RAN: list[str] = []


def _run_code() -> None:
    RAN.append("a pickled payload ran")


class Payload:
    """What an attacker with write access to Redis stores: unpickling calls _run_code."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_run_code, ())


@pytest.fixture
def redis_conn() -> fakeredis.FakeStrictRedis:
    """An in-process Redis."""
    return fakeredis.FakeStrictRedis()


def _worker(redis_conn: fakeredis.FakeStrictRedis) -> SimpleWorker:
    return SimpleWorker(
        [job_queue(redis_conn)], connection=redis_conn, serializer=SERIALIZER, job_class=job_class()
    )


@pytest.fixture
def jobs_client(
    settings: Settings, redis_conn: fakeredis.FakeStrictRedis, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    """Client with a queue and a registered worker; the worker reads MODELS_DIR from the env."""
    monkeypatch.setenv("MODELS_DIR", settings.models_dir)
    _worker(redis_conn).register_birth()
    with TestClient(create_app(settings, connection=redis_conn)) as client:
        yield client


def _work(redis_conn: fakeredis.FakeStrictRedis) -> None:
    _worker(redis_conn).work(burst=True)


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
    assert job_queue(redis_conn).count == 0
    unknown = jobs_client.post("/api/v1/jobs", json={"model": "nope", "records": [GOOD]})
    assert unknown.status_code == 404
    assert "not in registry" in unknown.json()["detail"]


def test_health_includes_redis(jobs_client: TestClient) -> None:
    checks = {c["name"]: c for c in jobs_client.get("/health").json()["checks"]}
    assert checks["redis"]["status"] == "ok"


def test_a_job_id_that_is_not_an_rq_id_is_422(jobs_client: TestClient) -> None:
    # Found by schemathesis: non-ASCII ids reached Redis and came back as a 500.
    assert jobs_client.get("/api/v1/jobs/%F2%A1%89%87%F0%A5%BA%80").status_code == 422


def test_the_documented_job_is_accepted_and_its_link_finds_it(jobs_client: TestClient) -> None:
    # The contract's live check starts its submit-then-poll sequences from this example.
    spec = jobs_client.get("/openapi.json").json()
    example = spec["components"]["schemas"]["JobIn"]["examples"][0]
    accepted = jobs_client.post("/api/v1/jobs", json=example)
    assert accepted.status_code == 202
    link = spec["paths"]["/api/v1/jobs"]["post"]["responses"]["202"]["links"]["GetJob"]
    assert link["parameters"] == {"job_id": "$response.body#/job_id"}
    job_path = link["operationRef"].split("/")[2].replace("~1", "/")
    polled = jobs_client.get(job_path.format(job_id=accepted.json()["job_id"]))
    assert polled.status_code == 200


def test_a_record_with_a_key_it_does_not_define_is_422_and_nothing_is_queued(
    jobs_client: TestClient, redis_conn: fakeredis.FakeStrictRedis
) -> None:
    # One 20 MB job once stored 11 MB in Redis: records now hold known features only.
    padded = {**GOOD, "padding": "x" * 1000}
    response = jobs_client.post("/api/v1/jobs", json={"model": "crop_yield", "records": [padded]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert len(response.text) < 1000  # the input is echoed as a short prefix only
    assert job_queue(redis_conn).count == 0


def test_the_job_is_json_with_only_the_models_features_and_expires(
    jobs_client: TestClient, redis_conn: fakeredis.FakeStrictRedis
) -> None:
    extra = {**GOOD, "latitude": 20.0}  # a known feature the yield model does not read
    job_id = jobs_client.post(
        "/api/v1/jobs", json={"model": "crop_yield", "records": [extra]}
    ).json()["job_id"]
    stored = redis_conn.hgetall(f"rq:job:{job_id}")
    func, _, args, _ = json.loads(zlib.decompress(stored[b"data"]))
    assert func == "annadata_common.jobs.batch_predict"
    assert args == ["crop_yield", [{k: float(v) for k, v in GOOD.items()}]]
    # Queued jobs expire even when no worker ever takes them (JOB_QUEUED_TTL_S).
    assert 0 < redis_conn.ttl(f"rq:job:{job_id}") <= Settings().job_queued_ttl_s


def test_no_worker_is_a_503_that_says_so(
    settings: Settings, redis_conn: fakeredis.FakeStrictRedis
) -> None:
    with TestClient(create_app(settings, connection=redis_conn)) as client:
        response = client.post("/api/v1/jobs", json={"model": "crop_yield", "records": [GOOD]})
    assert response.status_code == 503
    assert "no worker is running" in response.json()["detail"]
    assert job_queue(redis_conn).count == 0


def test_a_pickled_job_record_is_never_unpickled(
    jobs_client: TestClient, redis_conn: fakeredis.FakeStrictRedis
) -> None:
    # The audit's attack: a pickled `meta` written into a job record, then a status request.
    redis_conn.hset("rq:job:evil", mapping={"data": b"x", "meta": pickle.dumps(Payload()),
                                            "status": "queued"})  # fmt: skip
    pickle.loads(redis_conn.hget("rq:job:evil", "meta"))  # noqa: S301 - the payload is live
    assert RAN == ["a pickled payload ran"]
    RAN.clear()
    # JSON cannot load it: RQ keeps the bytes aside as unreadable meta, and nothing runs
    # (with RQ's default serializer this request ran it inside the service).
    response = jobs_client.get("/api/v1/jobs/evil")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert RAN == []


def test_the_worker_refuses_a_job_naming_another_function(
    jobs_client: TestClient, redis_conn: fakeredis.FakeStrictRedis
) -> None:
    # JSON cannot carry code, but a job names the function to call: only ours may run.
    job = job_queue(redis_conn).enqueue("os.system", "echo pwned")
    _work(redis_conn)
    body = jobs_client.get(f"/api/v1/jobs/{job.id}").json()
    assert body["status"] == "failed"
    assert "not one of ['annadata_common.jobs.batch_predict']" in body["error"]
