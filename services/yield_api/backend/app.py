"""yield_api backend: crop-yield and weather predictions from ONNX models, and batch jobs."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from config import SERVICE_NAME, Settings
from fastapi import FastAPI, HTTPException
from fastapi import Path as PathParam
from pydantic import ConfigDict, Field, create_model

from annadata_common.app_factory import create_service_app
from annadata_common.errors import ErrorDetail
from annadata_common.exceptions import NotFoundError
from annadata_common.health import HealthCheck, redis_check
from annadata_common.jobs import (
    BATCH_PREDICT,
    QUEUE_NAME,
    SERIALIZER,
    BatchResult,
    job_class,
    job_queue,
    redis_connection,
)
from annadata_common.links import read_back
from annadata_common.model_registry import (
    LoadedModel,
    ModelDescription,
    ModelRegistry,
    ModelRegistryError,
)
from annadata_common.schemas import RequestModel, ResponseModel
from annadata_common.yield_models import (
    FEATURE_RANGES,
    MAX_BATCH_RECORDS,
    WEATHER_FEATURES,
    WEATHER_MODEL,
    YIELD_FEATURES,
    YIELD_MODEL,
    predict,
    prepare_features,
)

# The contract's version (info.version); see create_service_app. 2.0.0: job records are closed.
API_VERSION = "2.0.0"
JOB_PATH = "/api/v1/jobs/{job_id}"


def _features_model(name: str, features: list[str]) -> type[RequestModel]:
    # Built from FEATURE_RANGES so the API bounds and the shared validation cannot drift.
    fields: dict[str, Any] = {
        f: (float, Field(ge=FEATURE_RANGES[f][0], le=FEATURE_RANGES[f][1])) for f in features
    }
    return create_model(name, __base__=RequestModel, **fields)


YieldFeatures = _features_model("YieldFeatures", YIELD_FEATURES)
WeatherFeatures = _features_model("WeatherFeatures", WEATHER_FEATURES)


def _middle(features: list[str]) -> dict[str, float]:
    """A record the model takes: each feature at the middle of its range."""
    return {f: (FEATURE_RANGES[f][0] + FEATURE_RANGES[f][1]) / 2 for f in features}


def _record_model() -> type[RequestModel]:
    # Every known feature, each optional here: which ones a record needs depends on the model
    # and is checked before the job is queued. Unknown keys are a 422, so nothing but these
    # floats reaches Redis.
    fields: dict[str, Any] = {
        f: (float, Field(default=None, ge=low, le=high))
        for f, (low, high) in FEATURE_RANGES.items()
    }
    return create_model("JobRecord", __base__=RequestModel, **fields)


JobRecord = _record_model()


class JobIn(RequestModel):
    """A batch of records for one model."""

    # A job the API accepts: the records' keys depend on the model, so without one the
    # contract's live check would never get a job queued to follow its link to GET.
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"model": YIELD_MODEL, "records": [_middle(YIELD_FEATURES)]}]
        }
    )

    model: str = Field(examples=[YIELD_MODEL])
    records: list[JobRecord] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_BATCH_RECORDS
    )


class ModelList(ResponseModel):
    """The models loaded from MODELS_DIR, and why any listed one is not."""

    models_dir: str
    models: list[ModelDescription]
    errors: dict[str, str] = Field(description="Model name (or <registry>) -> why not loaded")


class YieldPrediction(ResponseModel):
    """A crop-yield prediction and the model file that made it."""

    model: str
    sha256: str
    yield_t_ha: float


class WeatherPrediction(ResponseModel):
    """A daily maximum temperature prediction and the model file that made it."""

    model: str
    sha256: str
    max_temp_c: float


class JobAccepted(ResponseModel):
    """A queued batch job and where to poll for it."""

    job_id: str
    status: str = Field(description="RQ's job status, e.g. queued")
    status_url: str


class JobStatus(ResponseModel):
    """A batch job's status and, once finished, its result (or, once failed, why)."""

    job_id: str
    status: str = Field(description="RQ's job status: queued, started, finished, failed, ...")
    result: BatchResult | None
    error: str | None


# What the job endpoints answer when the queue cannot take or track a job.
QUEUE_UNAVAILABLE = {
    503: {"model": ErrorDetail, "description": "No queue, no worker running, or Redis is full."}
}


def create_app(settings: Settings | None = None, connection: Any = None) -> FastAPI:
    """Build the app; tests may pass settings and a (fake) Redis connection."""
    settings = settings or Settings()
    registry = ModelRegistry(settings.models_dir, allow_pickle=settings.pickle_models_allowed)
    if connection is None and settings.redis_url:
        connection = redis_connection(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Not strict: the app starts and /health names the bad file instead of a crash loop.
        registry.load_all(strict=False)
        yield

    checks = [HealthCheck("models", registry.health_detail, required=True)]
    if connection is not None:
        checks.append(redis_check(connection, required=bool(settings.redis_url)))
    app = create_service_app(
        settings,
        checks,
        title=SERVICE_NAME,
        version=API_VERSION,
        description="Crop-yield and weather predictions (ONNX models, sha256-verified).",
        lifespan=lifespan,
    )
    app.state.registry = registry

    def model(name: str) -> LoadedModel:
        try:
            return registry.get(name)
        except ModelRegistryError as exc:
            # Listed but failed to load is a server fault (503); never listed is the caller's (404).
            if name in registry.errors or "<registry>" in registry.errors:
                raise HTTPException(503, str(exc)) from exc
            raise NotFoundError(str(exc)) from exc

    def run(name: str, record: dict[str, Any]) -> tuple[LoadedModel, float]:
        loaded = model(name)
        return loaded, predict(loaded, [record])[0]

    def queue() -> Any:
        if connection is None:
            raise HTTPException(503, "batch jobs need a queue: set REDIS_URL")
        return job_queue(connection)

    def no_worker(q: Any) -> bool:
        from rq import Worker

        # Worker.all drops workers whose heartbeat key expired (Worker.count would not).
        return not Worker.all(queue=q, job_class=job_class(), serializer=SERIALIZER)

    def unavailable(exc: Exception) -> HTTPException:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if text.startswith("OOM"):
            why = "the queue is full (Redis maxmemory reached): retry once queued jobs finish"
        elif "auth" in text.lower() or "NOAUTH" in text or "WRONGPASS" in text:
            why = f"Redis refused the password ({text}): check REDIS_PASSWORD"
        else:
            why = f"Redis at REDIS_URL did not answer ({type(exc).__name__}: {text})"
        return HTTPException(503, f"batch jobs unavailable: {why}")

    @app.get("/api/v1/models", tags=["models"])
    def list_models() -> ModelList:
        """Loaded models with file path and sha256, and the reason for any not loaded."""
        return ModelList(
            models_dir=str(registry.models_dir),
            models=[m.describe() for m in registry.models.values()],
            errors=registry.errors,
        )

    @app.post("/api/v1/predict/yield", tags=["predict"])
    def predict_yield(features: YieldFeatures) -> YieldPrediction:  # type: ignore[valid-type]
        """Predicted crop yield in tonnes per hectare."""
        loaded, value = run(YIELD_MODEL, features.model_dump())
        return YieldPrediction(model=loaded.name, sha256=loaded.sha256, yield_t_ha=value)

    @app.post("/api/v1/predict/weather", tags=["predict"])
    def predict_weather(features: WeatherFeatures) -> WeatherPrediction:  # type: ignore[valid-type]
        """Predicted daily maximum temperature in degrees Celsius."""
        loaded, value = run(WEATHER_MODEL, features.model_dump())
        return WeatherPrediction(model=loaded.name, sha256=loaded.sha256, max_temp_c=value)

    # True: an accepted job is in the queue, and its status is found by its id.
    poll_it = read_back("GetJob", JOB_PATH, job_id="$response.body#/job_id")

    @app.post(
        "/api/v1/jobs",
        status_code=202,
        tags=["jobs"],
        responses={**QUEUE_UNAVAILABLE, 202: poll_it},
    )
    def submit_job(body: JobIn) -> JobAccepted:
        """Queue a batch prediction; poll GET /api/v1/jobs/{job_id} for the result."""
        from redis.exceptions import RedisError

        loaded = model(body.model)
        # Only the features the model reads are queued: nothing else reaches Redis.
        records = [
            {
                name: getattr(record, name)
                for name in loaded.inputs
                if name in record.model_fields_set
            }
            for record in body.records
        ]
        # Validate now so bad input is a 422 here, not a failed job later.
        prepare_features(records, loaded.inputs)
        q = queue()
        try:
            if no_worker(q):
                raise HTTPException(
                    503,
                    f"no worker is running on queue {QUEUE_NAME!r}, so the job was not queued: "
                    "start one (`docker compose --profile ml up -d`)",
                )
            job = q.enqueue(
                BATCH_PREDICT,
                body.model,
                records,
                job_timeout=settings.job_timeout_s,
                # A queued job nobody runs expires; so do results and failures.
                ttl=settings.job_queued_ttl_s,
                result_ttl=settings.job_result_ttl_s,
                failure_ttl=settings.job_result_ttl_s,
            )
            status = job.get_status().value
        except RedisError as exc:
            raise unavailable(exc) from exc
        return JobAccepted(job_id=job.id, status=status, status_url=JOB_PATH.format(job_id=job.id))

    @app.get(JOB_PATH, tags=["jobs"], responses=QUEUE_UNAVAILABLE)
    def job_status(
        # RQ ids are hex UUIDs: anything else is a 422 before it reaches Redis.
        job_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    ) -> JobStatus:
        """Status of a job and, once finished, its result (404 for an unknown id)."""
        from redis.exceptions import RedisError
        from rq.exceptions import NoSuchJobError

        q = queue()
        try:
            job = q.job_class.fetch(job_id, connection=q.connection, serializer=SERIALIZER)
            status = job.get_status().value
            error = None
            if status == "failed":
                latest = job.latest_result()
                lines = (latest.exc_string or "").strip().splitlines()[-1:] if latest else []
                error = lines[0] if lines else "job failed"
            value = job.return_value() if status == "finished" else None
        except NoSuchJobError:
            raise NotFoundError(f"no job with id {job_id!r} (unknown or expired)") from None
        except RedisError as exc:
            raise unavailable(exc) from exc
        except ValueError as exc:
            # JSON that is not ours (a record written to Redis by someone else): not a job.
            raise HTTPException(503, f"job {job_id!r} is unreadable ({exc})") from exc
        return JobStatus(job_id=job.id, status=status, result=value, error=error)

    return app


app = create_app()
