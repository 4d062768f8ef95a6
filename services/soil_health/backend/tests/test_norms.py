"""norms.py is consistent with itself and with the API's types; the pure rating rules."""

from typing import get_args

import pytest
from app import PARAMETER_OF_FIELD, Parameter, Rating, SoilTest
from norms import ADVICE, INDEX_NORM, INDEX_PARAMETERS, NORMS, Cut, Norm
from soil_index import bands, classify, nutrient_index


def test_api_literals_match_the_norms() -> None:
    assert set(get_args(Parameter)) == set(NORMS)
    assert set(get_args(Rating)) == {r for norm in NORMS.values() for r in norm.ratings}
    assert set(PARAMETER_OF_FIELD) == set(SoilTest.model_fields)
    assert set(PARAMETER_OF_FIELD.values()) == set(NORMS)


@pytest.mark.parametrize("norm", [*NORMS.values(), INDEX_NORM], ids=lambda n: n.name)
def test_norm_is_well_formed(norm: Norm) -> None:
    assert len(norm.ratings) == len(norm.cuts) + 1
    values = [cut.value for cut in norm.cuts]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_every_advice_names_a_real_rating() -> None:
    for parameter, rating in ADVICE:
        assert rating in NORMS[parameter].ratings


def test_classify_honours_which_side_a_cut_value_takes() -> None:
    norm = Norm("x", "", "", ("a", "b", "c"), (Cut(1, False), Cut(2, True)))
    assert [classify(norm, v) for v in (0.9, 1, 1.5, 2, 2.1)] == ["a", "b", "b", "b", "c"]
    assert bands(norm) == [
        {
            "rating": "a",
            "lower": None,
            "lower_inclusive": False,
            "upper": 1,
            "upper_inclusive": False,
        },
        {"rating": "b", "lower": 1, "lower_inclusive": True, "upper": 2, "upper_inclusive": True},
        {
            "rating": "c",
            "lower": 2,
            "lower_inclusive": False,
            "upper": None,
            "upper_inclusive": False,
        },
    ]


@pytest.mark.parametrize(
    ("value", "rating"),
    [(1.0, "low"), (1.66, "low"), (1.67, "medium"), (2.33, "medium"), (2.34, "high"), (3, "high")],
)
def test_nutrient_index_classes(value: float, rating: str) -> None:
    assert classify(INDEX_NORM, value) == rating


@pytest.mark.parametrize(
    ("ratings", "value", "rating"),
    [
        (("low", "low", "low", "low"), 1.0, "low"),
        (("low", "low", "medium", "medium"), 1.5, "low"),
        (("low", "medium", "medium", "medium"), 1.75, "medium"),
        (("low", "medium", "medium", "high"), 2.0, "medium"),
        (("medium", "medium", "medium", "high"), 2.25, "medium"),
        (("medium", "medium", "high", "high"), 2.5, "high"),
        (("high", "high", "high", "high"), 3.0, "high"),
    ],
)
def test_nutrient_index_value(ratings: tuple[str, ...], value: float, rating: str) -> None:
    result = nutrient_index(dict(zip(INDEX_PARAMETERS, ratings, strict=True)))
    assert (result["value"], result["rating"]) == (value, rating)
