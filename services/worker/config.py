"""Settings of the worker."""

from heartbeat import DEFAULT_MAX_AGE_S, DEFAULT_PATH

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "worker"


class Settings(ServiceSettings):
    """Environment settings; REDIS_URL is required to run."""

    service_name: str = SERVICE_NAME
    heartbeat_path: str = DEFAULT_PATH
    heartbeat_interval_s: float = 5.0
    heartbeat_max_age_s: float = DEFAULT_MAX_AGE_S
