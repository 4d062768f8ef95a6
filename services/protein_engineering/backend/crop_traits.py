"""Crop trait table (data/processed/crop_traits.csv): loading, filtering, ranking."""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from annadata_common.exceptions import InvalidInputError

Trait = Literal[
    "grain_protein_pct",
    "maturity_days_min",
    "maturity_days_max",
    "water_need_mm_min",
    "water_need_mm_max",
    "drought_tolerance",
]
NUMERIC_TRAITS: tuple[str, ...] = get_args(Trait)
Season = Literal["kharif", "rabi", "zaid"]
SEASONS: tuple[str, ...] = get_args(Season)


class UnknownTraitError(InvalidInputError):
    """A trait name that is not a column of the table."""


@dataclass(frozen=True)
class Crop:
    """One row of the trait table."""

    crop: str
    name: str
    traits: dict[str, float]
    seasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {"crop": self.crop, "name": self.name, **self.traits, "seasons": list(self.seasons)}


def load_crops(path: Path) -> list[Crop]:
    """Parse the CSV; raise ValueError naming the row on bad data."""
    crops = []
    with path.open(encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                traits = {t: float(row[t]) for t in NUMERIC_TRAITS}
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}:{line_no}: bad trait value: {exc}") from exc
            seasons = tuple(s for s in row["seasons"].split(";") if s)
            crops.append(Crop(row["crop"], row["name"], traits, seasons))
    return crops


def check_trait(trait: str) -> str:
    """Return the trait if known, else raise UnknownTraitError listing the known ones."""
    if trait not in NUMERIC_TRAITS:
        raise UnknownTraitError(
            f"unknown trait {trait!r}; known traits: {', '.join(NUMERIC_TRAITS)}"
        )
    return trait


def recommend(
    crops: list[Crop],
    season: str | None = None,
    minimums: dict[str, float] | None = None,
    maximums: dict[str, float] | None = None,
    rank_by: str = "grain_protein_pct",
    descending: bool = True,
    limit: int = 10,
) -> list[Crop]:
    """Crops that grow in `season` and meet every bound, ranked by one trait."""
    check_trait(rank_by)
    for trait in [*(minimums or {}), *(maximums or {})]:
        check_trait(trait)
    selected = [
        c
        for c in crops
        if (season is None or season in c.seasons)
        and all(c.traits[t] >= v for t, v in (minimums or {}).items())
        and all(c.traits[t] <= v for t, v in (maximums or {}).items())
    ]
    # Ties are broken by crop id so the order is stable across runs.
    selected.sort(key=lambda c: c.crop)
    selected.sort(key=lambda c: c.traits[rank_by], reverse=descending)
    return selected[:limit]
