"""Settings of the msp_mitra service."""

from sqlalchemy import URL

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "msp_mitra"


class Settings(ServiceSettings):
    """Environment settings; without a database configured an embedded SQLite one is used."""

    service_name: str = SERVICE_NAME
    msp_file: str = "msp.csv"
    # Used only when neither DATABASE_URL nor POSTGRES_HOST is set: "sqlite://" is in-memory.
    sqlite_url: str = "sqlite://"
    # Postgres as parts, the way the postgres image itself is configured: compose passes the
    # same variables to both, and the password needs no URL-escaping by whoever sets it.
    postgres_host: str | None = None
    postgres_port: int = 5432
    postgres_user: str = "annadata"
    postgres_password: str = ""
    postgres_db: str = "annadata"

    def database(self) -> str | URL | None:
        """DATABASE_URL if set, else Postgres from POSTGRES_HOST and friends, else None."""
        if self.database_url:
            return self.database_url
        if not self.postgres_host:
            return None
        return URL.create(
            "postgresql+psycopg",
            username=self.postgres_user,
            password=self.postgres_password,
            host=self.postgres_host,
            port=self.postgres_port,
            database=self.postgres_db,
        )
