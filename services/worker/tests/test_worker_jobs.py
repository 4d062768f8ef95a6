"""A batch job from the shared queue executed by an RQ worker on fakeredis."""

from pathlib import Path

import fakeredis
import pytest
from rq import SimpleWorker
from worker import main

from annadata_common.jobs import BATCH_PREDICT, SERIALIZER, job_class, job_queue

SAVED_MODELS = Path(__file__).resolve().parents[3] / "src" / "models" / "saved_models"

RECORD = {
    "rainfall_mm": 900,
    "avg_temp_c": 26,
    "fertilizer_kg_ha": 120,
    "irrigated_fraction": 0.5,
    "soil_ph": 6.8,
}


def test_job_executes_and_bad_job_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELS_DIR", str(SAVED_MODELS))
    connection = fakeredis.FakeStrictRedis()
    queue = job_queue(connection)
    good = queue.enqueue(BATCH_PREDICT, "crop_yield", [RECORD])
    bad = queue.enqueue(BATCH_PREDICT, "crop_yield", [{"soil_ph": 7}])
    evil = queue.enqueue("os.system", "echo pwned")
    SimpleWorker([queue], connection=connection, serializer=SERIALIZER, job_class=job_class()).work(
        burst=True
    )
    assert good.get_status().value == "finished"
    assert good.return_value()["count"] == 1
    assert good.return_value()["predictions"][0] > 0
    assert bad.get_status().value == "failed"
    assert "missing feature" in bad.latest_result().exc_string
    assert evil.get_status().value == "failed"
    assert "JobNotAllowedError" in evil.latest_result().exc_string
    # The job went over the wire as JSON (RQ's default would be pickle).
    assert connection.hget(f"rq:job:{good.id}", "data")[:2] == b"x\x9c"  # zlib of JSON text


def test_worker_refuses_to_start_without_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main() == 2
