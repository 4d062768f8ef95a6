"""Settings of the yield_api service."""

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "yield_api"


class Settings(ServiceSettings):
    """Environment settings; REDIS_URL enables the batch job endpoints."""

    service_name: str = SERVICE_NAME
    job_timeout_s: int = 300
    # Seconds a job may wait for a worker before it is dropped (none runs by default).
    job_queued_ttl_s: int = 900
    job_result_ttl_s: int = 3600
