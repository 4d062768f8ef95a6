"""soil_health backend: soil-test values rated by Soil Health Card norms, with advisories."""

from typing import Literal

from config import SERVICE_NAME, Settings
from fastapi import FastAPI
from pydantic import Field
from soil_index import soil_health

from annadata_common.app_factory import create_service_app
from annadata_common.schemas import RequestModel, ResponseModel

# The keys of norms.NORMS and every rating they use; test_norms checks the two agree.
Parameter = Literal[
    "ph",
    "ec",
    "organic_carbon",
    "nitrogen",
    "phosphorus",
    "potassium",
    "sulphur",
    "zinc",
    "iron",
    "copper",
    "manganese",
    "boron",
]
Rating = Literal[
    "strongly_acidic",
    "moderately_acidic",
    "neutral",
    "moderately_alkaline",
    "strongly_alkaline",
    "normal",
    "critical",
    "injurious",
    "low",
    "medium",
    "high",
    "deficient",
    "sufficient",
]


class SoilTest(RequestModel):
    """One soil sample's test values, in the units a Soil Health Card prints."""

    # Upper bounds are generous physical limits (organic and saline soils included), only
    # there to reject nonsense.
    ph: float = Field(ge=0, le=14, description="pH (1:2 soil:water)", examples=[6.8])
    ec_ds_m: float = Field(ge=0, le=20, description="EC, dS/m (1:2 extract)", examples=[0.4])
    organic_carbon_pct: float = Field(ge=0, le=60, description="Organic carbon, %", examples=[0.6])
    nitrogen_kg_ha: float = Field(ge=0, le=3000, description="Available N, kg/ha", examples=[300])
    phosphorus_kg_ha: float = Field(
        ge=0, le=1000, description="Available P (Olsen), kg P/ha, not P2O5", examples=[18]
    )
    potassium_kg_ha: float = Field(
        ge=0, le=5000, description="Available K, kg K/ha, not K2O", examples=[200]
    )
    sulphur_ppm: float | None = Field(default=None, ge=0, le=2000, description="mg/kg")
    zinc_ppm: float | None = Field(default=None, ge=0, le=500, description="DTPA, mg/kg")
    iron_ppm: float | None = Field(default=None, ge=0, le=1000, description="DTPA, mg/kg")
    copper_ppm: float | None = Field(default=None, ge=0, le=500, description="DTPA, mg/kg")
    manganese_ppm: float | None = Field(default=None, ge=0, le=1000, description="DTPA, mg/kg")
    boron_ppm: float | None = Field(default=None, ge=0, le=100, description="hot water, mg/kg")


# Request field -> the parameter name norms.py and the response use.
PARAMETER_OF_FIELD: dict[str, str] = {
    "ph": "ph",
    "ec_ds_m": "ec",
    "organic_carbon_pct": "organic_carbon",
    "nitrogen_kg_ha": "nitrogen",
    "phosphorus_kg_ha": "phosphorus",
    "potassium_kg_ha": "potassium",
    "sulphur_ppm": "sulphur",
    "zinc_ppm": "zinc",
    "iron_ppm": "iron",
    "copper_ppm": "copper",
    "manganese_ppm": "manganese",
    "boron_ppm": "boron",
}


class Band(ResponseModel):
    """One rating class: values between lower and upper (null: unbounded) get this rating."""

    rating: Rating
    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool


class ParameterRating(ResponseModel):
    """One measured parameter, its rating and the bands it was rated against."""

    parameter: Parameter
    name: str
    value: float
    unit: str
    method: str
    rating: Rating
    bands: list[Band]


class NutrientIndex(ResponseModel):
    """(1*nLow + 2*nMedium + 3*nHigh) / n over organic carbon, N, P and K, and its class."""

    value: float = Field(ge=1, le=3)
    rating: Literal["low", "medium", "high"]
    formula: str
    parameters: list[Parameter]
    bands: list[Band]


class Advisory(ResponseModel):
    """What to do about one parameter's rating."""

    parameter: Parameter
    rating: Rating
    advice: str


class SoilHealthReport(ResponseModel):
    """Ratings of every measured parameter, the nutrient index and advisories."""

    ratings: list[ParameterRating]
    nutrient_index: NutrientIndex
    advisories: list[Advisory]
    source: str


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings()
    app = create_service_app(
        settings,
        [],
        title=SERVICE_NAME,
        description="Soil-test values rated by Government of India Soil Health Card norms.",
    )

    @app.post("/api/v1/soil-health/index", tags=["soil-health"])
    def soil_health_index(body: SoilTest) -> SoilHealthReport:
        """Rate each soil-test value, compute the nutrient index and advise."""
        values = {PARAMETER_OF_FIELD[name]: value for name, value in body.model_dump().items()}
        return SoilHealthReport.model_validate(soil_health(values))

    return app


app = create_app()
