"""The /version endpoint: service name and the git commit the image was built from."""

from fastapi import APIRouter

from annadata_common.settings import ServiceSettings


def build_version_router(settings: ServiceSettings) -> APIRouter:
    """Return a router with GET /version."""
    router = APIRouter(tags=["meta"])

    @router.get("/version")
    def version() -> dict[str, str]:
        """Service name and GIT_SHA (a build arg passed into the image)."""
        return {"service": settings.service_name, "git_sha": settings.git_sha}

    return router
