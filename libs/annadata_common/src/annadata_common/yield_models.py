"""Feature preparation and prediction for the crop-yield and weather models.

Shared by yield_api (synchronous predictions) and the worker (batch jobs).
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from annadata_common.exceptions import InvalidInputError
from annadata_common.model_registry import LoadedModel

YIELD_MODEL = "crop_yield"
WEATHER_MODEL = "weather_max_temp"

# Plausible physical ranges; inputs outside them are rejected rather than extrapolated.
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "rainfall_mm": (0.0, 5000.0),
    "avg_temp_c": (0.0, 50.0),
    "fertilizer_kg_ha": (0.0, 600.0),
    "irrigated_fraction": (0.0, 1.0),
    "soil_ph": (3.0, 10.0),
    "day_of_year": (1.0, 366.0),
    "latitude": (6.0, 37.0),
    "elevation_m": (0.0, 5000.0),
    "relative_humidity_pct": (0.0, 100.0),
}

YIELD_FEATURES = ["rainfall_mm", "avg_temp_c", "fertilizer_kg_ha", "irrigated_fraction", "soil_ph"]
WEATHER_FEATURES = ["day_of_year", "latitude", "elevation_m", "relative_humidity_pct"]

MAX_BATCH_RECORDS = 10_000


class FeatureError(InvalidInputError):
    """An input record is missing a feature or has an unusable value."""


def prepare_features(records: Sequence[Mapping[str, Any]], inputs: Sequence[str]) -> Any:
    """Validate records and return a float32 matrix with columns in the model's input order."""
    import numpy as np  # Imported here: only model-serving services install numpy.

    if not records:
        raise FeatureError("no records given")
    if len(records) > MAX_BATCH_RECORDS:
        raise FeatureError(f"{len(records)} records exceed the limit of {MAX_BATCH_RECORDS}")
    rows: list[list[float]] = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise FeatureError(f"record {index}: expected an object, got {type(record).__name__}")
        missing = [name for name in inputs if name not in record]
        if missing:
            raise FeatureError(f"record {index}: missing feature(s) {', '.join(missing)}")
        row = []
        for name in inputs:
            value = record[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FeatureError(f"record {index}: {name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise FeatureError(f"record {index}: {name} must be finite, got {value!r}")
            low, high = FEATURE_RANGES.get(name, (-math.inf, math.inf))
            if not low <= value <= high:
                raise FeatureError(f"record {index}: {name}={value} outside [{low}, {high}]")
            row.append(float(value))
        rows.append(row)
    return np.asarray(rows, dtype=np.float32)


def predict(model: LoadedModel, records: Sequence[Mapping[str, Any]]) -> list[float]:
    """Run a loaded model on validated records and return one float per record."""
    features = prepare_features(records, model.inputs)
    if model.format == "onnx":
        input_name = model.runtime.get_inputs()[0].name
        output = model.runtime.run(None, {input_name: features})[0]
    else:
        output = model.runtime.predict(features)
    return [round(float(v), 4) for v in output.reshape(-1)]
