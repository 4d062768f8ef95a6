"""Settings of crop_calendar, read from the environment (it has none of its own yet)."""

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "crop_calendar"


class Settings(ServiceSettings):
    """Environment settings of this service."""

    service_name: str = SERVICE_NAME
