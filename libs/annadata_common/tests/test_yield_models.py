"""Feature preparation and predictions of the shared yield/weather code."""

from pathlib import Path

import pytest

from annadata_common.model_registry import ModelRegistry
from annadata_common.yield_models import FeatureError, predict, prepare_features

GOOD = {
    "rainfall_mm": 900,
    "avg_temp_c": 26,
    "fertilizer_kg_ha": 120,
    "irrigated_fraction": 0.5,
    "soil_ph": 6.8,
}
POOR = {
    "rainfall_mm": 350,
    "avg_temp_c": 33,
    "fertilizer_kg_ha": 0,
    "irrigated_fraction": 0.0,
    "soil_ph": 5.1,
}


def test_prepare_features_orders_columns_by_model_inputs() -> None:
    matrix = prepare_features([{"b": 2.0, "a": 1.0}], ["a", "b"])
    assert matrix.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"avg_temp_c": 26}, "missing feature"),
        ({**GOOD, "soil_ph": "acid"}, "soil_ph must be a number"),
        ({**GOOD, "irrigated_fraction": 2}, "irrigated_fraction=2 outside"),
        ({**GOOD, "rainfall_mm": float("nan")}, "must be finite"),
    ],
)
def test_prepare_features_rejects_bad_records(record: dict, message: str) -> None:
    with pytest.raises(FeatureError, match=message):
        prepare_features([record], list(GOOD))


def test_yield_model_prefers_good_conditions(models_dir: Path) -> None:
    model = ModelRegistry(models_dir).load_all().get("crop_yield")
    good, poor = predict(model, [GOOD, POOR])
    assert good > poor + 1.0
