"""protein_engineering backend: protein sequence analysis and crop trait recommendations."""

from pathlib import Path
from typing import Annotated, Any, Literal

from config import SERVICE_NAME, Settings
from crop_traits import NUMERIC_TRAITS, SEASONS, Crop, Season, Trait, load_crops, recommend
from fastapi import FastAPI, HTTPException, Query
from protein_analysis import ProteinReport, analyze, normalize_sequence
from pydantic import ConfigDict, Field, create_model

from annadata_common.app_factory import create_service_app
from annadata_common.exceptions import InvalidInputError, NotFoundError
from annadata_common.health import HealthCheck
from annadata_common.schemas import RequestModel, ResponseModel

# The contract's version (info.version); see create_service_app.
API_VERSION = "1.0.0"
Order = Literal["asc", "desc"]


class SequenceIn(RequestModel):
    """A protein sequence in one-letter codes; whitespace and a FASTA header are ignored."""

    # Hard cap on raw text; the residue limit (MAX_SEQUENCE_LENGTH) is checked after cleanup.
    sequence: str = Field(max_length=1_000_000, examples=["MKTAYIAKQRQISFVKSHFSRQ"])


# Built from the table's trait columns, so the response and the data cannot drift apart.
_trait_fields: dict[str, Any] = {trait: (float, ...) for trait in NUMERIC_TRAITS}
CropOut = create_model(
    "CropOut",
    __base__=ResponseModel,
    __doc__="One crop: its id, display name, every numeric trait and its seasons.",
    crop=(str, ...),
    name=(str, ...),
    **_trait_fields,
    seasons=(list[Season], ...),
)


class TraitCatalogue(ResponseModel):
    """Trait names usable for filtering and ranking, and the season names."""

    traits: list[Trait]
    seasons: list[Season]


class Recommendation(ResponseModel):
    """Crops meeting every bound, ranked by one trait."""

    rank_by: Trait
    order: Order
    crops: list[CropOut]  # type: ignore[valid-type]


class RankedCrop(ResponseModel):
    """One crop of a ranking: its id, name, and the ranked trait's value under the trait's name."""

    # The one open key is the trait's name (e.g. grain_protein_pct), and its value a number.
    model_config = ConfigDict(
        extra="allow", json_schema_extra={"minProperties": 3, "maxProperties": 3}
    )
    __pydantic_extra__: dict[str, float]

    crop: str
    name: str


def _crop_out(crop: Crop) -> Any:
    return CropOut.model_validate(crop.as_dict())


def _parse_bounds(values: list[str], kind: str) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for value in values:
        trait, sep, number = value.partition(":")
        try:
            if not sep:
                raise ValueError
            bounds[trait] = float(number)
        except ValueError:
            raise InvalidInputError(
                f"{kind}={value!r}: expected TRAIT:NUMBER, e.g. grain_protein_pct:20"
            ) from None
    return bounds


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings()
    traits_path = Path(settings.data_dir) / settings.crop_traits_file
    cache: dict[str, list[Crop]] = {}

    def crops() -> list[Crop]:
        if "crops" not in cache:
            try:
                cache["crops"] = load_crops(traits_path)
            except (OSError, ValueError) as exc:
                raise HTTPException(503, f"crop trait data unavailable: {exc}") from exc
        return cache["crops"]

    def traits_check() -> str:
        return f"{len(load_crops(traits_path))} crops in {traits_path}"

    app = create_service_app(
        settings,
        [HealthCheck("crop_traits_data", traits_check, required=True)],
        title=SERVICE_NAME,
        version=API_VERSION,
        description="Protein sequence analysis (Biopython ProtParam) and crop trait lookups.",
    )

    @app.post("/api/v1/protein/analyze", tags=["protein"])
    def analyze_sequence(body: SequenceIn) -> ProteinReport:
        """Molecular weight, pI, GRAVY, instability index and composition of a sequence."""
        return analyze(normalize_sequence(body.sequence, settings.max_sequence_length))

    @app.get("/api/v1/crops", tags=["crops"])
    def list_crops() -> list[CropOut]:  # type: ignore[valid-type]
        """Every crop with its traits."""
        return [_crop_out(c) for c in crops()]

    @app.get("/api/v1/crops/traits", tags=["crops"])
    def list_traits() -> TraitCatalogue:
        """Trait names usable for filtering and ranking, and the season names."""
        return TraitCatalogue.model_validate({"traits": NUMERIC_TRAITS, "seasons": SEASONS})

    @app.get("/api/v1/crops/recommend", tags=["crops"])
    def recommend_crops(
        season: Annotated[str | None, Query(description="kharif, rabi or zaid")] = None,
        min: Annotated[list[str], Query(description="TRAIT:VALUE lower bound")] = [],  # noqa: B006
        max: Annotated[list[str], Query(description="TRAIT:VALUE upper bound")] = [],  # noqa: B006
        rank_by: str = "grain_protein_pct",
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> Recommendation:
        """Crops meeting every bound in a season, ranked by one trait."""
        if season is not None and season not in SEASONS:
            raise InvalidInputError(f"unknown season {season!r}; known: {', '.join(SEASONS)}")
        found = recommend(
            crops(),
            season=season,
            minimums=_parse_bounds(min, "min"),
            maximums=_parse_bounds(max, "max"),
            rank_by=rank_by,
            descending=order == "desc",
            limit=limit,
        )
        return Recommendation.model_validate(
            {"rank_by": rank_by, "order": order, "crops": [_crop_out(c) for c in found]}
        )

    @app.get("/api/v1/crops/ranking/{trait}", tags=["crops"])
    def rank_crops(
        trait: str, order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc"
    ) -> list[RankedCrop]:
        """All crops ranked by one trait (404 for an unknown trait)."""
        if trait not in NUMERIC_TRAITS:
            raise NotFoundError(f"unknown trait {trait!r}; known: {', '.join(NUMERIC_TRAITS)}")
        ranked = recommend(crops(), rank_by=trait, descending=order == "desc", limit=1000)
        return [RankedCrop(crop=c.crop, name=c.name, **{trait: c.traits[trait]}) for c in ranked]

    @app.get("/api/v1/crops/{crop}", tags=["crops"])
    def get_crop(crop: str) -> CropOut:  # type: ignore[valid-type]
        """One crop's traits (404 if unknown)."""
        for c in crops():
            if c.crop == crop:
                return _crop_out(c)
        raise NotFoundError(f"unknown crop {crop!r}; see GET /api/v1/crops")

    return app


app = create_app()
