"""Settings of __SERVICE_NAME__, read from the environment (list each in .env.example)."""

from annadata_common.settings import ServiceSettings

# Set by `nox -s new-service` (in the template, a placeholder that still imports and runs).
SERVICE_NAME = "__SERVICE_NAME__"


class Settings(ServiceSettings):
    """Environment settings of this service; add fields here."""

    service_name: str = SERVICE_NAME
