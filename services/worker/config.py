"""Settings of the worker."""

from annadata_common.settings import ServiceSettings


class WorkerSettings(ServiceSettings):
    """Environment settings; REDIS_URL is required to run."""

    service_name: str = "worker"
    heartbeat_path: str = "/tmp/worker-heartbeat"  # noqa: S108 - a container-local file
    heartbeat_interval_s: float = 5.0
    heartbeat_max_age_s: float = 30.0
