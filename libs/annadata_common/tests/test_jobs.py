"""The RQ batch job runs through a real RQ worker against fakeredis."""

from pathlib import Path

import fakeredis
import pytest
from rq import Queue, SimpleWorker

from annadata_common.jobs import BATCH_PREDICT, QUEUE_NAME

RECORD = {"day_of_year": 140, "latitude": 22.0, "elevation_m": 100.0, "relative_humidity_pct": 40.0}


def test_batch_job_runs_in_worker(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELS_DIR", str(models_dir))
    connection = fakeredis.FakeStrictRedis()
    queue = Queue(QUEUE_NAME, connection=connection)
    job = queue.enqueue(BATCH_PREDICT, "weather_max_temp", [RECORD, RECORD])
    SimpleWorker([queue], connection=connection).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished"
    result = job.return_value()
    assert result["count"] == 2
    assert result["predictions"][0] == result["predictions"][1]
    assert 20 < result["predictions"][0] < 45
