"""Settings of soil_health, read from the environment (it has none of its own yet)."""

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "soil_health"


class Settings(ServiceSettings):
    """Environment settings of this service."""

    service_name: str = SERVICE_NAME
