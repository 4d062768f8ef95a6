"""Settings of the worker."""

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "worker"


class Settings(ServiceSettings):
    """Environment settings; REDIS_URL is required to run."""

    service_name: str = SERVICE_NAME
    heartbeat_path: str = "/tmp/worker-heartbeat"  # noqa: S108 - a container-local file
    heartbeat_interval_s: float = 5.0
    heartbeat_max_age_s: float = 30.0
