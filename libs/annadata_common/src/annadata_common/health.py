"""The /health endpoint: runs small dependency checks, each with a bounded timeout."""

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from annadata_common.schemas import ResponseModel

# A check returns an optional detail string when healthy and raises when the dependency is down.
CheckFunc = Callable[[], str | None]


@dataclass(frozen=True)
class HealthCheck:
    """One dependency check: a callable, whether it is required, and its timeout."""

    name: str
    func: CheckFunc
    required: bool = True
    timeout_s: float = 2.0


class CheckReport(ResponseModel):
    """The outcome of one dependency check."""

    name: str
    status: Literal["ok", "down"]
    latency_ms: float = Field(ge=0)
    required: bool
    detail: str | None = Field(description="What the check saw, or why it failed")


class HealthReport(ResponseModel):
    """GET /health: the overall status (down when a required check is) and every check."""

    service: str
    status: Literal["ok", "degraded", "down"]
    checks: list[CheckReport]


# Shared pool: a check that hangs past its timeout keeps a thread busy but never blocks /health.
_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


def run_check(check: HealthCheck) -> CheckReport:
    """Run one check and describe the outcome."""
    start = time.perf_counter()
    future = _EXECUTOR.submit(check.func)
    try:
        detail = future.result(timeout=check.timeout_s)
        status = "ok"
    except FutureTimeout:
        status, detail = "down", f"timed out after {check.timeout_s}s"
    except Exception as exc:
        status, detail = "down", f"{type(exc).__name__}: {exc}"
    return CheckReport(
        name=check.name,
        status=status,
        latency_ms=round((time.perf_counter() - start) * 1000, 2),
        required=check.required,
        detail=None if detail is None else str(detail),
    )


def build_health_router(service_name: str, checks: Sequence[HealthCheck]) -> APIRouter:
    """Return a router with GET /health: 503 if a required check is down, else 200."""
    router = APIRouter(tags=["health"])

    @router.get(
        "/health",
        response_model=HealthReport,
        responses={503: {"model": HealthReport, "description": "A required check is down."}},
    )
    def health() -> JSONResponse:
        """Report every dependency and the overall status."""
        results = [run_check(check) for check in checks]
        required_down = any(r.required and r.status != "ok" for r in results)
        optional_down = any(r.status != "ok" for r in results)
        overall = "down" if required_down else ("degraded" if optional_down else "ok")
        report = HealthReport(service=service_name, status=overall, checks=results)
        return JSONResponse(report.model_dump(), status_code=503 if required_down else 200)

    return router


def database_check(engine: Any, name: str = "database", required: bool = True) -> HealthCheck:
    """Check a SQLAlchemy engine by running SELECT 1."""
    from sqlalchemy import text  # Imported here: only services with a database install it.

    def check() -> str:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return f"SELECT 1 ok ({engine.dialect.name})"

    return HealthCheck(name=name, func=check, required=required)


def redis_check(target: Any, name: str = "redis", required: bool = True) -> HealthCheck:
    """Check Redis with PING; target is a URL (short-lived client) or an existing client."""

    def check() -> str:
        if not isinstance(target, str):
            target.ping()
            return "PING ok"
        import redis  # Imported here: only services with a queue install it.

        client = redis.Redis.from_url(target, socket_timeout=1.5, socket_connect_timeout=1.5)
        try:
            client.ping()
        finally:
            client.close()
        return "PING ok"

    return HealthCheck(name=name, func=check, required=required)


def file_check(path: Path, name: str, required: bool = True) -> HealthCheck:
    """Check that a data file exists and is readable."""

    def check() -> str:
        with path.open("rb") as fh:
            fh.read(1)
        return str(path)

    return HealthCheck(name=name, func=check, required=required)
