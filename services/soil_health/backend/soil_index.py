"""Soil Health Card arithmetic: ratings against norms.py, the nutrient index, advisories."""

from collections.abc import Mapping
from itertools import pairwise

from norms import ADVICE, INDEX_NORM, INDEX_PARAMETERS, INDEX_SCORES, NORMS, SOURCE, Norm


def classify(norm: Norm, value: float) -> str:
    """The rating of value under norm."""
    for rating, cut in zip(norm.ratings, norm.cuts, strict=False):
        if value < cut.value or (value == cut.value and cut.in_lower):
            return rating
    return norm.ratings[-1]


def bands(norm: Norm) -> list[dict[str, object]]:
    """Each rating with its interval; a None bound is open-ended."""
    edges = [None, *norm.cuts, None]
    return [
        {
            "rating": rating,
            "lower": low.value if low else None,
            "lower_inclusive": bool(low) and not low.in_lower,
            "upper": high.value if high else None,
            "upper_inclusive": bool(high) and high.in_lower,
        }
        for rating, (low, high) in zip(norm.ratings, pairwise(edges), strict=True)
    ]


def rate(parameter: str, value: float) -> dict[str, object]:
    """One parameter's value, rating and the bands it was rated against."""
    norm = NORMS[parameter]
    return {
        "parameter": parameter,
        "name": norm.name,
        "value": value,
        "unit": norm.unit,
        "method": norm.method,
        "rating": classify(norm, value),
        "bands": bands(norm),
    }


def nutrient_index(ratings: Mapping[str, str]) -> dict[str, object]:
    """The nutrient index value over INDEX_PARAMETERS and its class."""
    scores = [INDEX_SCORES[ratings[p]] for p in INDEX_PARAMETERS]
    # Rounded before rating: the published class cuts (1.67, 2.33) have two decimals.
    value = round(sum(scores) / len(scores), 2)
    return {
        "value": value,
        "rating": classify(INDEX_NORM, value),
        "formula": INDEX_NORM.method,
        "parameters": list(INDEX_PARAMETERS),
        "bands": bands(INDEX_NORM),
    }


def soil_health(values: Mapping[str, float | None]) -> dict[str, object]:
    """The full report for the measured parameters (None: not measured, left out)."""
    ratings = [rate(p, v) for p in NORMS if (v := values.get(p)) is not None]
    by_parameter = {r["parameter"]: str(r["rating"]) for r in ratings}
    advisories = [
        {"parameter": p, "rating": rating, "advice": ADVICE[(p, rating)]}
        for p, rating in by_parameter.items()
        if (p, rating) in ADVICE
    ]
    return {
        "ratings": ratings,
        "nutrient_index": nutrient_index(by_parameter),
        "advisories": advisories,
        "source": SOURCE,
    }
