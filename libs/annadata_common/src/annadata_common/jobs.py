"""The batch-prediction queue: yield_api enqueues, the worker executes; both connect here.

RQ rather than Celery: it needs only Redis (already in the stack), is small, and jobs are
referenced by import path, so yield_api can enqueue without importing the worker.
Hardened against whoever can write to Redis: the connection carries REDIS_PASSWORD, jobs and
results are JSON (RQ's default is pickle, which runs code on load), and the worker runs
only the functions in ALLOWED_FUNCTIONS whatever a job record names.
"""

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from annadata_common.model_registry import ModelRegistry
from annadata_common.schemas import ResponseModel
from annadata_common.settings import ServiceSettings
from annadata_common.yield_models import predict

if TYPE_CHECKING:  # Only services with a queue install redis and rq.
    from redis import Redis
    from rq import Queue
    from rq.job import Job

QUEUE_NAME = "predictions"
# Import path RQ stores in the job; the worker resolves it, so it must not change lightly.
BATCH_PREDICT = "annadata_common.jobs.batch_predict"
# What a worker may run: a job naming anything else fails without importing it.
ALLOWED_FUNCTIONS = frozenset({BATCH_PREDICT})
# RQ's name for its JSON serializer (rq.serializers.JSONSerializer): no pickle on the wire.
SERIALIZER = "json"


class JobNotAllowedError(Exception):
    """A job names a function outside ALLOWED_FUNCTIONS (written to Redis by someone else)."""


def redis_connection(settings: ServiceSettings) -> "Redis":
    """A client for REDIS_URL that authenticates with REDIS_PASSWORD; bounded socket waits."""
    from redis import Redis

    if not settings.redis_url:
        raise ValueError("REDIS_URL is not set: the batch queue needs Redis")
    password = settings.redis_password.get_secret_value() if settings.redis_password else None
    return Redis.from_url(
        settings.redis_url, password=password, socket_timeout=5, socket_connect_timeout=5
    )


def job_class() -> "type[Job]":
    """RQ's Job that refuses to resolve a function outside ALLOWED_FUNCTIONS."""
    from rq.job import Job

    class AllowedJob(Job):
        """A job that runs only the allowed functions, whatever the record in Redis says."""

        @property
        def func(self) -> Any:
            if self.func_name not in ALLOWED_FUNCTIONS or self.instance is not None:
                raise JobNotAllowedError(
                    f"job {self.id} names {self.func_name!r}, not one of "
                    f"{sorted(ALLOWED_FUNCTIONS)}: refused (annadata_common.jobs)"
                )
            return super().func

    return AllowedJob


def job_queue(connection: "Redis") -> "Queue":
    """The predictions queue on connection: JSON serializer, allowlisted job class."""
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection, serializer=SERIALIZER, job_class=job_class())


class BatchResult(ResponseModel):
    """What a finished batch job returns: the model used and one prediction per record."""

    model: str
    sha256: str
    count: int
    predictions: list[float]


@lru_cache(maxsize=4)
def _registry(models_dir: str, allow_pickle: bool) -> ModelRegistry:
    # Cached per worker process so a batch does not re-hash and re-load model files.
    return ModelRegistry(models_dir, allow_pickle=allow_pickle).load_all(strict=False)


def batch_predict(model_name: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Predict every record with one model; MODELS_DIR comes from the worker's environment."""
    settings = ServiceSettings()
    model = _registry(settings.models_dir, settings.pickle_models_allowed).get(model_name)
    predictions = predict(model, records)
    # A plain dict in the queue: the job result outlives the code version that wrote it.
    return BatchResult(
        model=model.name, sha256=model.sha256, count=len(predictions), predictions=predictions
    ).model_dump()
