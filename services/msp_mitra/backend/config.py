"""Settings of the msp_mitra service."""

from annadata_common.settings import ServiceSettings


class MspSettings(ServiceSettings):
    """Environment settings; without DATABASE_URL an embedded SQLite database is used."""

    service_name: str = "msp_mitra"
    msp_file: str = "msp.csv"
    # Used only when DATABASE_URL is unset: "sqlite://" is in-memory (lost on restart).
    sqlite_url: str = "sqlite://"
