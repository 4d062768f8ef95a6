"""protein_engineering backend: protein sequence analysis and crop trait recommendations."""

from pathlib import Path
from typing import Annotated

from config import ProteinSettings
from crop_traits import NUMERIC_TRAITS, SEASONS, Crop, UnknownTraitError, load_crops, recommend
from fastapi import FastAPI, HTTPException, Query
from protein_analysis import ProteinReport, SequenceError, analyze, normalize_sequence
from pydantic import BaseModel, Field

from annadata_common.app_factory import create_service_app
from annadata_common.health import HealthCheck


class SequenceIn(BaseModel):
    """A protein sequence in one-letter codes; whitespace and a FASTA header are ignored."""

    # Hard cap on raw text; the residue limit (MAX_SEQUENCE_LENGTH) is checked after cleanup.
    sequence: str = Field(max_length=1_000_000, examples=["MKTAYIAKQRQISFVKSHFSRQ"])


def _parse_bounds(values: list[str], kind: str) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for value in values:
        trait, sep, number = value.partition(":")
        try:
            if not sep:
                raise ValueError
            bounds[trait] = float(number)
        except ValueError:
            raise HTTPException(
                422, f"{kind}={value!r}: expected TRAIT:NUMBER, e.g. grain_protein_pct:20"
            ) from None
    return bounds


def create_app(settings: ProteinSettings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or ProteinSettings()
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
        title="protein_engineering",
        description="Protein sequence analysis (Biopython ProtParam) and crop trait lookups.",
    )

    @app.post("/api/v1/protein/analyze", tags=["protein"])
    def analyze_sequence(body: SequenceIn) -> ProteinReport:
        """Molecular weight, pI, GRAVY, instability index and composition of a sequence."""
        try:
            sequence = normalize_sequence(body.sequence, settings.max_sequence_length)
        except SequenceError as exc:
            raise HTTPException(422, str(exc)) from exc
        return analyze(sequence)

    @app.get("/api/v1/crops", tags=["crops"])
    def list_crops() -> list[dict[str, object]]:
        """Every crop with its traits."""
        return [c.as_dict() for c in crops()]

    @app.get("/api/v1/crops/traits", tags=["crops"])
    def list_traits() -> dict[str, list[str]]:
        """Trait names usable for filtering and ranking, and the season names."""
        return {"traits": list(NUMERIC_TRAITS), "seasons": list(SEASONS)}

    @app.get("/api/v1/crops/recommend", tags=["crops"])
    def recommend_crops(
        season: Annotated[str | None, Query(description="kharif, rabi or zaid")] = None,
        min: Annotated[list[str], Query(description="TRAIT:VALUE lower bound")] = [],  # noqa: B006
        max: Annotated[list[str], Query(description="TRAIT:VALUE upper bound")] = [],  # noqa: B006
        rank_by: str = "grain_protein_pct",
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> dict[str, object]:
        """Crops meeting every bound in a season, ranked by one trait."""
        if season is not None and season not in SEASONS:
            raise HTTPException(422, f"unknown season {season!r}; known: {', '.join(SEASONS)}")
        try:
            found = recommend(
                crops(),
                season=season,
                minimums=_parse_bounds(min, "min"),
                maximums=_parse_bounds(max, "max"),
                rank_by=rank_by,
                descending=order == "desc",
                limit=limit,
            )
        except UnknownTraitError as exc:
            raise HTTPException(422, exc.args[0]) from exc
        return {"rank_by": rank_by, "order": order, "crops": [c.as_dict() for c in found]}

    @app.get("/api/v1/crops/ranking/{trait}", tags=["crops"])
    def rank_crops(trait: str, order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc"):
        """All crops ranked by one trait (404 for an unknown trait)."""
        if trait not in NUMERIC_TRAITS:
            raise HTTPException(404, f"unknown trait {trait!r}; known: {', '.join(NUMERIC_TRAITS)}")
        ranked = recommend(crops(), rank_by=trait, descending=order == "desc", limit=1000)
        return [{"crop": c.crop, "name": c.name, trait: c.traits[trait]} for c in ranked]

    @app.get("/api/v1/crops/{crop}", tags=["crops"])
    def get_crop(crop: str) -> dict[str, object]:
        """One crop's traits (404 if unknown)."""
        for c in crops():
            if c.crop == crop:
                return c.as_dict()
        raise HTTPException(404, f"unknown crop {crop!r}; see GET /api/v1/crops")

    return app


app = create_app()
