"""Builds a FastAPI app with the conventions every service shares."""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from annadata_common.body_limit import BodyLimitMiddleware
from annadata_common.errors import (
    DOMAIN_STATUS,
    domain_error_handler,
    error_responses,
    validation_error_handler,
)
from annadata_common.health import HealthCheck, build_health_router
from annadata_common.logging import configure_logging
from annadata_common.settings import ServiceSettings
from annadata_common.version import build_version_router


def create_service_app(
    settings: ServiceSettings,
    checks: Sequence[HealthCheck],
    title: str,
    # The contract's info.version: raise its major number with a change that breaks clients.
    version: str = "0.1.0",
    **fastapi_kwargs: Any,
) -> FastAPI:
    """FastAPI app: JSON logging, /health, /version, a body limit, error bodies documented."""
    configure_logging(settings.service_name, settings.log_level)
    fastapi_kwargs.setdefault("responses", error_responses())
    app = FastAPI(title=title, version=version, **fastapi_kwargs)
    # Outermost of the app's own layers: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    for kind in DOMAIN_STATUS:
        app.add_exception_handler(kind, domain_error_handler)
    app.include_router(build_health_router(settings.service_name, checks))
    app.include_router(build_version_router(settings))
    app.state.settings = settings
    return app
