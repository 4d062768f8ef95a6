"""Database schema (SQLAlchemy 2), engine creation and idempotent seeding from msp.csv."""

import csv
import logging
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import (
    URL,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    make_url,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Declarative base of the msp_mitra tables."""


class Commodity(Base):
    """A crop (variety) for which an MSP is announced."""

    __tablename__ = "commodities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    season: Mapped[str] = mapped_column(String(16))
    prices: Mapped[list["MspPrice"]] = relationship(back_populates="commodity")


class MspPrice(Base):
    """The MSP of one commodity for one marketing year, Rs per quintal."""

    __tablename__ = "msp_prices"
    __table_args__ = (UniqueConstraint("commodity_id", "marketing_year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"))
    marketing_year: Mapped[str] = mapped_column(String(7))
    rs_per_quintal: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(256))
    commodity: Mapped[Commodity] = relationship(back_populates="prices")


class PriceObservation(Base):
    """A market price reported by a caller (not invented by the service)."""

    __tablename__ = "price_observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"))
    marketing_year: Mapped[str] = mapped_column(String(7))
    market: Mapped[str] = mapped_column(String(128))
    rs_per_quintal: Mapped[int] = mapped_column(Integer)
    observed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    commodity: Mapped[Commodity] = relationship()


def make_engine(database: str | URL | None, sqlite_url: str = "sqlite://") -> Engine:
    """Engine for the configured database, or the embedded SQLite one when there is none."""
    if database:
        # pool_pre_ping: survive Postgres restarts in the dev stack without stale connections.
        # connect_timeout bounds a hung connect so /health and startup fail fast, not hang.
        postgres = make_url(database).get_backend_name() == "postgresql"
        args = {"connect_timeout": 3} if postgres else {}
        return create_engine(database, pool_pre_ping=True, connect_args=args)
    if sqlite_url in ("sqlite://", "sqlite:///:memory:"):
        # One shared connection, else each thread would see its own empty in-memory database.
        return create_engine(
            sqlite_url, connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    return create_engine(sqlite_url, connect_args={"check_same_thread": False})


def read_msp_csv(path: Path) -> list[dict[str, str]]:
    """Rows of msp.csv."""
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def seed(engine: Engine, msp_csv: Path) -> int:
    """Create tables and insert the CSV rows not yet present; return how many were added."""
    Base.metadata.create_all(engine)
    rows = read_msp_csv(msp_csv)
    added = 0
    try:
        with Session(engine) as session, session.begin():
            commodities = {c.slug: c for c in session.scalars(select(Commodity))}
            existing = {
                (slug, year)
                for slug, year in session.execute(
                    select(Commodity.slug, MspPrice.marketing_year).join(MspPrice.commodity)
                )
            }
            for row in rows:
                commodity = commodities.get(row["commodity"])
                if commodity is None:
                    commodity = Commodity(
                        slug=row["commodity"], name=row["name"], season=row["season"]
                    )
                    session.add(commodity)
                    commodities[commodity.slug] = commodity
                if (row["commodity"], row["marketing_year"]) in existing:
                    continue
                session.add(
                    MspPrice(
                        commodity=commodity,
                        marketing_year=row["marketing_year"],
                        rs_per_quintal=int(row["msp_rs_per_quintal"]),
                        source=row["source"],
                    )
                )
                added += 1
    except IntegrityError:
        # Another replica seeded concurrently; its rows are the same published figures.
        logger.warning("seeding raced with another instance; keeping its rows")
        return 0
    logger.info("msp seed done", extra={"rows_added": added, "csv": str(msp_csv)})
    return added
