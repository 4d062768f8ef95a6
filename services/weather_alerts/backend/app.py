"""weather_alerts backend: crop-stage weather alerts from a short daily forecast."""

from collections import Counter
from itertools import pairwise

from alerts import Alert, evaluate, stage_rules
from config import SERVICE_NAME, Settings
from fastapi import FastAPI
from pydantic import Field, NonNegativeInt, field_validator, model_validator
from thresholds import SOURCE, THRESHOLDS, AlertKind, Crop, Rule, Season, Stage

from annadata_common.app_factory import create_service_app
from annadata_common.schemas import IsoDate, RequestModel, ResponseModel

# The longest daily forecasts public services offer run to about 16 days.
MAX_FORECAST_DAYS = 16


class ForecastDay(RequestModel):
    """One day of a daily weather forecast."""

    date: IsoDate
    # Bounds lie beyond any weather on record.
    tmax_c: float = Field(ge=-50, le=60, description="Maximum temperature, °C")
    tmin_c: float = Field(ge=-50, le=60, description="Minimum temperature, °C")
    # India's heaviest 24-hour rainfall on record is about 1,560 mm (Cherrapunji, 1995).
    rainfall_mm: float = Field(ge=0, le=2000, description="Rainfall, mm/day")
    rh_pct: float = Field(ge=0, le=100, description="Relative humidity, %")
    wind_kmh: float = Field(ge=0, le=300, description="Wind speed, km/h")

    @model_validator(mode="after")
    def _tmin_not_above_tmax(self) -> "ForecastDay":
        if self.tmin_c > self.tmax_c:
            raise ValueError(f"tmin_c {self.tmin_c:g} is above tmax_c {self.tmax_c:g}")
        return self


class AlertCheckRequest(RequestModel):
    """A crop, its current growth stage and a daily forecast of consecutive days."""

    # strict=False: strict mode takes an enum member only, and JSON sends its value.
    crop: Crop = Field(strict=False)
    stage: Stage = Field(
        strict=False, description="One of the crop's stages: GET /api/v1/weather-alerts/crops"
    )
    forecast: list[ForecastDay] = Field(min_length=1, max_length=MAX_FORECAST_DAYS)

    @field_validator("forecast")
    @classmethod
    def _consecutive(cls, days: list[ForecastDay]) -> list[ForecastDay]:
        # Waterlogging sums rain over the last few days, which needs the days in order.
        for previous, day in pairwise(days):
            if (day.date - previous.date).days != 1:
                raise ValueError(
                    f"dates must be consecutive days in order; {day.date} follows {previous.date}"
                )
        return days


class DayAlerts(ResponseModel):
    """The alerts one forecast day raises (an empty list when none)."""

    date: IsoDate
    alerts: list[Alert]


class AlertSummary(ResponseModel):
    """Counts over the whole forecast."""

    total: NonNegativeInt
    moderate: NonNegativeInt
    severe: NonNegativeInt
    days_with_alerts: NonNegativeInt
    by_kind: dict[AlertKind, NonNegativeInt]


class AlertCheckResponse(ResponseModel):
    """Alerts day by day for one crop stage, with a summary."""

    crop: Crop
    stage: Stage
    days: list[DayAlerts]
    summary: AlertSummary
    note: str


class StageInfo(ResponseModel):
    """One growth stage of a crop and its thresholds."""

    stage: Stage
    description: str
    rules: list[Rule]


class CropInfo(ResponseModel):
    """A crop and its stages, in growth order."""

    crop: Crop
    name: str
    seasons: list[Season]
    stages: list[StageInfo]


class CropCatalogue(ResponseModel):
    """Every crop the service knows, with its stages and thresholds."""

    note: str
    crops: list[CropInfo]


def _catalogue() -> CropCatalogue:
    return CropCatalogue(
        note=SOURCE,
        crops=[
            CropInfo(
                crop=crop,
                name=info.name,
                seasons=list(info.seasons),
                stages=[
                    StageInfo(stage=stage, description=s.description, rules=list(s.rules))
                    for stage, s in info.stages.items()
                ],
            )
            for crop, info in THRESHOLDS.items()
        ],
    )


def _summary(days: list[DayAlerts]) -> AlertSummary:
    alerts = [alert for day in days for alert in day.alerts]
    severities = Counter(alert.severity for alert in alerts)
    return AlertSummary(
        total=len(alerts),
        moderate=severities["moderate"],
        severe=severities["severe"],
        days_with_alerts=sum(1 for day in days if day.alerts),
        by_kind=Counter(alert.kind for alert in alerts),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings()
    # No dependencies to check: the thresholds are in the code.
    app = create_service_app(
        settings,
        [],
        title=SERVICE_NAME,
        description="Weather alerts for a crop's growth stage from a daily forecast, after "
        "Indian agromet advisory thresholds (indicative).",
    )
    catalogue = _catalogue()

    @app.get("/api/v1/weather-alerts/crops", tags=["weather-alerts"])
    def crops() -> CropCatalogue:
        """Crops, their growth stages and the thresholds of each stage."""
        return catalogue

    @app.post("/api/v1/weather-alerts/check", tags=["weather-alerts"])
    def check(body: AlertCheckRequest) -> AlertCheckResponse:
        """Alerts a daily forecast raises for one crop at one growth stage."""
        rules = stage_rules(body.crop, body.stage)
        days = [
            DayAlerts(date=day.date, alerts=alerts)
            for day, alerts in zip(body.forecast, evaluate(rules, body.forecast), strict=True)
        ]
        return AlertCheckResponse(
            crop=body.crop, stage=body.stage, days=days, summary=_summary(days), note=SOURCE
        )

    return app


app = create_app()
