"""The RQ batch job runs through a real RQ worker against fakeredis."""

from pathlib import Path

import fakeredis
import pytest
from pydantic import SecretStr
from rq import SimpleWorker

from annadata_common.jobs import (
    BATCH_PREDICT,
    SERIALIZER,
    JobNotAllowedError,
    job_class,
    job_queue,
    redis_connection,
)
from annadata_common.settings import ServiceSettings

RECORD = {"day_of_year": 140, "latitude": 22.0, "elevation_m": 100.0, "relative_humidity_pct": 40.0}


def test_batch_job_runs_in_worker(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELS_DIR", str(models_dir))
    connection = fakeredis.FakeStrictRedis()
    queue = job_queue(connection)
    job = queue.enqueue(BATCH_PREDICT, "weather_max_temp", [RECORD, RECORD])
    SimpleWorker([queue], connection=connection, serializer=SERIALIZER, job_class=job_class()).work(
        burst=True
    )
    job.refresh()
    assert job.get_status() == "finished"
    result = job.return_value()
    assert result["count"] == 2
    assert result["predictions"][0] == result["predictions"][1]
    assert 20 < result["predictions"][0] < 45


def test_a_job_naming_another_function_does_not_resolve_it() -> None:
    job = job_queue(fakeredis.FakeStrictRedis()).enqueue("os.system", "true")
    with pytest.raises(JobNotAllowedError, match=r"'os\.system'"):
        job.func  # noqa: B018 - resolving is what must fail


def test_the_connection_carries_the_password_not_the_url() -> None:
    settings = ServiceSettings(redis_url="redis://redis:6379/0", redis_password=SecretStr("s3"))
    kwargs = redis_connection(settings).connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["password"]) == ("redis", "s3")
    with pytest.raises(ValueError, match="REDIS_URL is not set"):
        redis_connection(ServiceSettings(redis_url=None))
