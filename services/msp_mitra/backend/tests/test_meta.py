"""/health (database required), /version, settings and the contract's typing."""

from app import create_app
from config import Settings
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from annadata_common.schemas import untyped_operations


def test_health_ok_reports_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    check = response.json()["checks"][0]
    assert (check["name"], check["status"], check["required"]) == ("database", "ok", True)


def test_health_503_when_database_unreachable(settings: Settings) -> None:
    # A database file in a directory that does not exist: connecting fails.
    broken = create_engine("sqlite:////nonexistent-dir/x.db")
    client = TestClient(create_app(settings, engine=broken))  # not entered: seeding would fail
    response = client.get("/health")
    assert response.status_code == 503
    check = response.json()["checks"][0]
    assert check["status"] == "down"
    assert "OperationalError" in check["detail"]


def test_version(client: TestClient) -> None:
    assert client.get("/version").json()["service"] == "msp_mitra"


def test_postgres_from_parts_quotes_the_password() -> None:
    secret = "p@ss:w/rd"  # noqa: S105 - a test value with every character a URL must quote
    settings = Settings(
        database_url=None, postgres_host="db", postgres_password=secret, postgres_db="x"
    )
    url = settings.database()
    assert url.render_as_string(hide_password=False) == (
        "postgresql+psycopg://annadata:p%40ss%3Aw%2Frd@db:5432/x"
    )
    assert url.password == secret


def test_database_url_wins_and_nothing_means_sqlite() -> None:
    assert Settings(database_url="sqlite://", postgres_host="db").database() == "sqlite://"
    assert Settings(database_url=None, postgres_host=None).database() is None


def test_every_body_and_response_has_a_schema_that_can_fail(client: TestClient) -> None:
    assert untyped_operations(client.get("/openapi.json").json()) == []
