"""RQ job functions for batch predictions, enqueued by yield_api and executed by the worker.

RQ rather than Celery: it needs only Redis (already in the stack), is small, and jobs are
referenced by import path, so yield_api can enqueue without importing the worker.
"""

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from annadata_common.model_registry import ModelRegistry
from annadata_common.schemas import ResponseModel
from annadata_common.settings import ServiceSettings
from annadata_common.yield_models import predict

QUEUE_NAME = "predictions"
# Import path RQ stores in the job; the worker resolves it, so it must not change lightly.
BATCH_PREDICT = "annadata_common.jobs.batch_predict"


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
    model = _registry(settings.models_dir, settings.allow_pickle_models).get(model_name)
    predictions = predict(model, records)
    # A plain dict in the queue: the job result outlives the code version that wrote it.
    return BatchResult(
        model=model.name, sha256=model.sha256, count=len(predictions), predictions=predictions
    ).model_dump()
