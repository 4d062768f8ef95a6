"""Trains the crop-yield and weather models deterministically and exports them to ONNX.

Writes src/models/saved_models/<name>.onnx and model_registry.json (sha256 per file).
Running it twice gives byte-identical files: fixed seeds, and the ONNX header fields that
would otherwise carry tool versions or free text are set to fixed values below.
"""

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import r2_score

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data" / "processed"
OUT_DIR = ROOT / "src" / "models" / "saved_models"
SEED = 0
TARGET_OPSET = 17

# Mirrors annadata_common.yield_models; kept literal so training needs no service code.
MODELS = {
    "crop_yield": {
        "csv": "crop_yield_synthetic.csv",
        "inputs": [
            "rainfall_mm",
            "avg_temp_c",
            "fertilizer_kg_ha",
            "irrigated_fraction",
            "soil_ph",
        ],
        "target": "yield_t_ha",
        "description": "Crop yield (t/ha) regressor trained on SYNTHETIC data "
        "(scripts/make_synthetic_data.py); a demonstration model only.",
    },
    "weather_max_temp": {
        "csv": "weather_synthetic.csv",
        "inputs": ["day_of_year", "latitude", "elevation_m", "relative_humidity_pct"],
        "target": "max_temp_c",
        "description": "Daily maximum temperature (deg C) regressor trained on SYNTHETIC data "
        "(scripts/make_synthetic_data.py); a demonstration model only.",
    },
}


def load_xy(csv_name: str, inputs: list[str], target: str) -> tuple[np.ndarray, np.ndarray]:
    """Read features and target from a CSV in data/processed."""
    with (DATA_DIR / csv_name).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    x = np.array([[float(r[c]) for c in inputs] for r in rows], dtype=np.float32)
    y = np.array([float(r[target]) for r in rows], dtype=np.float64)
    return x, y


def to_onnx_bytes(model: GradientBoostingRegressor, n_features: int, name: str) -> bytes:
    """Convert to ONNX and pin the header fields so the bytes do not depend on tool versions."""
    onx = convert_sklearn(
        model,
        name=name,
        initial_types=[("features", FloatTensorType([None, n_features]))],
        target_opset={"": TARGET_OPSET, "ai.onnx.ml": 3},
    )
    onx.producer_name = "annadata-train-models"
    onx.producer_version = "1"
    onx.domain = "annadata"
    onx.model_version = 1
    onx.doc_string = ""
    onx.graph.doc_string = ""
    onnx.checker.check_model(onx)
    return onx.SerializeToString(deterministic=True)


def main() -> None:
    """Train, export, and write the registry."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    registry: dict[str, dict[str, object]] = {}
    for name, spec in MODELS.items():
        x, y = load_xy(spec["csv"], spec["inputs"], spec["target"])
        split = int(len(x) * 0.8)
        model = GradientBoostingRegressor(n_estimators=120, max_depth=3, random_state=SEED)
        model.fit(x[:split], y[:split])
        r2 = r2_score(y[split:], model.predict(x[split:]))
        data = to_onnx_bytes(model, x.shape[1], name)
        filename = f"{name}.onnx"
        (OUT_DIR / filename).write_bytes(data)
        registry[name] = {
            "file": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": "onnx",
            "inputs": spec["inputs"],
            "target": spec["target"],
            "description": spec["description"],
            "holdout_r2": round(float(r2), 4),
            "training_data": f"data/processed/{spec['csv']}",
        }
        print(f"{name}: {len(data)} bytes, holdout R^2 {r2:.3f}")
    doc = json.dumps({"models": registry}, indent=2, sort_keys=False) + "\n"
    (OUT_DIR / "model_registry.json").write_text(doc, encoding="utf-8")
    print(f"wrote {OUT_DIR / 'model_registry.json'}")


if __name__ == "__main__":
    main()
