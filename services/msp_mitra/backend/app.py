"""msp_mitra backend: Government of India minimum support prices (MSP) and comparisons."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from config import SERVICE_NAME, Settings
from db import Commodity, MspPrice, PriceObservation, make_engine, seed
from fastapi import FastAPI, Query
from fastapi import Path as PathParam
from msp_logic import check_marketing_year, compare_to_msp, year_over_year
from pydantic import Field, field_validator
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from annadata_common.app_factory import create_service_app
from annadata_common.exceptions import NotFoundError
from annadata_common.health import database_check
from annadata_common.schemas import IsoDate, RequestModel, ResponseModel

# The contract's version (info.version); see create_service_app.
API_VERSION = "1.0.0"
Year = Annotated[str, PathParam(description="Marketing year, e.g. 2024-25")]
# Commodity slugs as stored; anything else (a NUL byte, say) is a 422, never a database error.
SLUG_PATTERN = r"^[a-z0-9_-]{1,64}$"
Slug = Annotated[str, PathParam(pattern=SLUG_PATTERN, examples=["wheat"])]


class ObservationIn(RequestModel):
    """A market price seen by the caller, to be stored and compared against the MSP."""

    commodity: str = Field(pattern=SLUG_PATTERN, examples=["wheat"])
    marketing_year: str = Field(examples=["2025-26"])
    # No control characters: Postgres refuses NUL in text, and none belong in a market name.
    market: str = Field(
        min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$", examples=["Khanna APMC"]
    )
    rs_per_quintal: int = Field(gt=0, le=1_000_000)
    observed_on: IsoDate

    @field_validator("marketing_year")
    @classmethod
    def _year(cls, value: str) -> str:
        return check_marketing_year(value)


class CommoditySummary(ResponseModel):
    """A commodity with an MSP, and the marketing years on record."""

    commodity: str
    name: str
    season: str
    years: list[str]


class MspEntry(ResponseModel):
    """One recorded MSP in a commodity's history."""

    marketing_year: str
    rs_per_quintal: int
    source: str


class MspHistory(ResponseModel):
    """Every recorded MSP of one commodity, oldest first."""

    commodity: str
    name: str
    season: str
    prices: list[MspEntry]


class MspChange(ResponseModel):
    """The MSP change between two consecutive listed years."""

    from_year: str
    to_year: str
    from_msp: int
    to_msp: int
    change_rs: int
    change_pct: float


class MspChanges(ResponseModel):
    """Year-over-year MSP changes of one commodity."""

    commodity: str
    changes: list[MspChange]


class MspForYear(ResponseModel):
    """The MSP of one commodity in one marketing year."""

    commodity: str
    name: str
    season: str
    marketing_year: str
    rs_per_quintal: int
    source: str


class Comparison(ResponseModel):
    """How a market price stands against the MSP."""

    msp_rs_per_quintal: int
    market_price_rs_per_quintal: float
    difference_rs: float
    difference_pct: float
    position: Literal["below", "at", "above"]


class MarketComparison(Comparison):
    """A caller's market price against one commodity's MSP in one marketing year."""

    commodity: str
    marketing_year: str


class Observation(ResponseModel):
    """A stored market price observation with its MSP comparison."""

    id: int
    commodity: str
    marketing_year: str
    market: str
    rs_per_quintal: int
    observed_on: IsoDate
    comparison: Comparison


def _commodity(session: Session, slug: str) -> Commodity:
    commodity = session.scalar(select(Commodity).where(Commodity.slug == slug))
    if commodity is None:
        raise NotFoundError(f"unknown commodity {slug!r}; see GET /api/v1/commodities")
    return commodity


def _msp(session: Session, commodity: Commodity, year: str) -> MspPrice:
    price = session.scalar(
        select(MspPrice).where(
            MspPrice.commodity_id == commodity.id, MspPrice.marketing_year == year
        )
    )
    if price is None:
        raise NotFoundError(f"no MSP for {commodity.slug!r} in marketing year {year}")
    return price


def _observation_out(obs: PriceObservation, msp: int) -> Observation:
    return Observation(
        id=obs.id,
        commodity=obs.commodity.slug,
        marketing_year=obs.marketing_year,
        market=obs.market,
        rs_per_quintal=obs.rs_per_quintal,
        observed_on=obs.observed_on,
        comparison=Comparison.model_validate(compare_to_msp(msp, obs.rs_per_quintal)),
    )


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; tables are created and seeded from msp.csv at startup."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database(), settings.sqlite_url)
    msp_csv = Path(settings.data_dir) / settings.msp_file

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        seed(engine, msp_csv)
        yield

    app = create_service_app(
        settings,
        [database_check(engine)],
        title=SERVICE_NAME,
        version=API_VERSION,
        description="Minimum support prices (Rs/quintal) published by the Government of India.",
        lifespan=lifespan,
    )
    app.state.engine = engine

    @app.get("/api/v1/commodities", tags=["msp"])
    def list_commodities() -> list[CommoditySummary]:
        """Commodities with an MSP, and the marketing years on record."""
        with Session(engine) as session:
            return [
                CommoditySummary(
                    commodity=c.slug,
                    name=c.name,
                    season=c.season,
                    years=sorted(p.marketing_year for p in c.prices),
                )
                for c in session.scalars(select(Commodity).order_by(Commodity.slug))
            ]

    @app.get("/api/v1/msp/{commodity}", tags=["msp"])
    def msp_history(commodity: Slug) -> MspHistory:
        """Every recorded MSP of one commodity."""
        with Session(engine) as session:
            c = _commodity(session, commodity)
            prices = sorted(c.prices, key=lambda p: p.marketing_year)
            return MspHistory(
                commodity=c.slug,
                name=c.name,
                season=c.season,
                prices=[
                    MspEntry(
                        marketing_year=p.marketing_year,
                        rs_per_quintal=p.rs_per_quintal,
                        source=p.source,
                    )
                    for p in prices
                ],
            )

    @app.get("/api/v1/msp/{commodity}/changes", tags=["msp"])
    def msp_changes(commodity: Slug) -> MspChanges:
        """Year-over-year MSP change of one commodity."""
        with Session(engine) as session:
            c = _commodity(session, commodity)
            pairs = [(p.marketing_year, p.rs_per_quintal) for p in c.prices]
            return MspChanges.model_validate(
                {"commodity": c.slug, "changes": year_over_year(pairs)}
            )

    @app.get("/api/v1/msp/{commodity}/{year}", tags=["msp"])
    def msp_for_year(commodity: Slug, year: Year) -> MspForYear:
        """The MSP of one commodity in one marketing year."""
        year = check_marketing_year(year)
        with Session(engine) as session:
            c = _commodity(session, commodity)
            p = _msp(session, c, year)
            return MspForYear(
                commodity=c.slug,
                name=c.name,
                season=c.season,
                marketing_year=year,
                rs_per_quintal=p.rs_per_quintal,
                source=p.source,
            )

    @app.get("/api/v1/msp/{commodity}/{year}/compare", tags=["msp"])
    def compare(
        commodity: Slug,
        year: Year,
        market_price: Annotated[float, Query(gt=0, le=1_000_000, description="Rs/quintal")],
    ) -> MarketComparison:
        """Compare a caller-supplied market price with the MSP."""
        year = check_marketing_year(year)
        with Session(engine) as session:
            p = _msp(session, _commodity(session, commodity), year)
            return MarketComparison.model_validate(
                {
                    "commodity": commodity,
                    "marketing_year": year,
                    **compare_to_msp(p.rs_per_quintal, market_price),
                }
            )

    @app.post("/api/v1/observations", status_code=201, tags=["observations"])
    def add_observation(body: ObservationIn) -> Observation:
        """Store a market price observation and return it with its MSP comparison."""
        with Session(engine) as session, session.begin():
            c = _commodity(session, body.commodity)
            msp = _msp(session, c, body.marketing_year).rs_per_quintal
            obs = PriceObservation(
                commodity=c,
                marketing_year=body.marketing_year,
                market=body.market,
                rs_per_quintal=body.rs_per_quintal,
                observed_on=body.observed_on,
            )
            session.add(obs)
            session.flush()
            return _observation_out(obs, msp)

    @app.get("/api/v1/observations/{observation_id}", tags=["observations"])
    def get_observation(
        # Bounded to Postgres's integer: a larger id is a 422, not a database error (500).
        observation_id: Annotated[int, PathParam(ge=1, le=2_147_483_647)],
    ) -> Observation:
        """One stored observation (read back from the database)."""
        with Session(engine) as session:
            obs = session.get(PriceObservation, observation_id)
            if obs is None:
                raise NotFoundError(f"no observation with id {observation_id}")
            return _observation_out(
                obs, _msp(session, obs.commodity, obs.marketing_year).rs_per_quintal
            )

    @app.get("/api/v1/observations", tags=["observations"])
    def list_observations(
        commodity: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[Observation]:
        """Stored observations, newest first, optionally for one commodity."""
        with Session(engine) as session:
            query = select(PriceObservation).order_by(PriceObservation.id.desc()).limit(limit)
            if commodity is not None:
                query = query.where(
                    PriceObservation.commodity_id == _commodity(session, commodity).id
                )
            return [
                _observation_out(o, _msp(session, o.commodity, o.marketing_year).rs_per_quintal)
                for o in session.scalars(query)
            ]

    return app


app = create_app()
