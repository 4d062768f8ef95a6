"""Settings of weather_alerts, read from the environment (it has none of its own yet)."""

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "weather_alerts"


class Settings(ServiceSettings):
    """Environment settings of this service."""

    service_name: str = SERVICE_NAME
