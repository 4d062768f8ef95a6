"""__SERVICE_NAME__ backend (scaffolded from services/_template)."""

from fastapi import FastAPI

from annadata_common.app_factory import create_service_app
from annadata_common.settings import ServiceSettings

# Set by `nox -s new-service` (in the template, a placeholder that still imports and runs).
SERVICE_NAME = "__SERVICE_NAME__"


class Settings(ServiceSettings):
    """Environment settings of this service; add fields here."""

    service_name: str = SERVICE_NAME


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings()
    # Register dependency checks here, e.g. annadata_common.health.database_check(engine).
    app = create_service_app(settings, [], title=SERVICE_NAME)

    @app.get("/api/v1/hello", tags=["example"])
    def hello(name: str = "world") -> dict[str, str]:
        """Example route: replace with the service's own."""
        return {"message": f"hello, {name}", "service": settings.service_name}

    return app


app = create_app()
