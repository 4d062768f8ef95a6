"""The /version endpoint: service name and the git commit the image was built from."""

from fastapi import APIRouter

from annadata_common.schemas import ResponseModel
from annadata_common.settings import ServiceSettings


class VersionReport(ResponseModel):
    """GET /version: the service and the commit its image was built from."""

    service: str
    git_sha: str


def build_version_router(settings: ServiceSettings) -> APIRouter:
    """Return a router with GET /version."""
    router = APIRouter(tags=["meta"])

    @router.get("/version")
    def version() -> VersionReport:
        """Service name and GIT_SHA (a build arg passed into the image)."""
        return VersionReport(service=settings.service_name, git_sha=settings.git_sha)

    return router
