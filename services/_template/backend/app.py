"""__SERVICE_NAME__ backend (scaffolded from services/_template)."""

from config import SERVICE_NAME, Settings
from fastapi import FastAPI

from annadata_common.app_factory import create_service_app
from annadata_common.schemas import ResponseModel

# The conventions (annadata_common/README.md): request bodies derive from RequestModel and
# responses from ResponseModel, dates are IsoDate, and NotFoundError or InvalidInputError
# (annadata_common.exceptions) answer 404 or 422 with the body the spec documents.


class Greeting(ResponseModel):
    """The example route's answer."""

    message: str
    service: str


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings()
    # Register dependency checks here, e.g. annadata_common.health.database_check(engine).
    app = create_service_app(settings, [], title=SERVICE_NAME)

    @app.get("/api/v1/hello", tags=["example"])
    def hello(name: str = "world") -> Greeting:
        """Example route: replace with the service's own."""
        return Greeting(message=f"hello, {name}", service=settings.service_name)

    return app


app = create_app()
