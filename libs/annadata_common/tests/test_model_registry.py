"""Model registry: hashes checked before loading, pickle refused without the flag."""

import json
import pickle
from pathlib import Path

import pytest

from annadata_common.model_registry import (
    ModelIntegrityError,
    ModelPathError,
    ModelRegistry,
    ModelRegistryError,
    PickleNotAllowedError,
    sha256_of,
)


def test_committed_models_load_with_their_sha256(models_dir: Path) -> None:
    registry = ModelRegistry(models_dir).load_all()
    assert set(registry.models) == {"crop_yield", "weather_max_temp"}
    for model in registry.models.values():
        assert model.sha256 == sha256_of(model.path)
        assert model.describe().path == str(models_dir / f"{model.name}.onnx")
    assert "crop_yield sha256=" in registry.health_detail()


def test_sha256_mismatch_is_refused_naming_file_and_hashes(models_dir: Path) -> None:
    path = models_dir / "crop_yield.onnx"
    expected = sha256_of(path)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ModelIntegrityError) as info:
        ModelRegistry(models_dir).load_all()
    message = str(info.value)
    assert str(path) in message
    assert expected in message
    assert sha256_of(path) in message


def test_non_strict_load_keeps_good_models_and_reports_bad(models_dir: Path) -> None:
    (models_dir / "weather_max_temp.onnx").write_bytes(b"not a model")
    registry = ModelRegistry(models_dir).load_all(strict=False)
    assert list(registry.models) == ["crop_yield"]
    with pytest.raises(ModelRegistryError, match="sha256 mismatch"):
        registry.get("weather_max_temp")
    with pytest.raises(ModelRegistryError, match="weather_max_temp"):
        registry.health_detail()


def _write_pickle_registry(models_dir: Path) -> Path:
    path = models_dir / "constant.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    doc = {
        "models": {
            "constant": {
                "file": "constant.pkl",
                "sha256": sha256_of(path),
                "format": "pickle",
                "inputs": [],
            }
        }
    }
    (models_dir / "model_registry.json").write_text(json.dumps(doc))
    return path


def test_pickle_refused_without_flag(models_dir: Path) -> None:
    _write_pickle_registry(models_dir)
    with pytest.raises(PickleNotAllowedError, match="unpickling runs arbitrary code"):
        ModelRegistry(models_dir, allow_pickle=False).load_all()


def test_pickle_loaded_with_flag(models_dir: Path) -> None:
    _write_pickle_registry(models_dir)
    registry = ModelRegistry(models_dir, allow_pickle=True).load_all()
    assert registry.get("constant").runtime == {"a": 1}


def test_missing_registry_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ModelRegistryError, match=r"model_registry\.json"):
        ModelRegistry(tmp_path).load_all()


@pytest.mark.parametrize(
    "file", ["/etc/passwd", "../crop_yield.onnx", "sub/../../x.onnx", "..\\x.onnx", ""]
)
def test_a_registry_path_outside_the_models_directory_is_refused(
    models_dir: Path, file: str
) -> None:
    doc = json.loads((models_dir / "model_registry.json").read_text())
    doc["models"]["crop_yield"]["file"] = file
    (models_dir / "model_registry.json").write_text(json.dumps(doc))
    with pytest.raises(ModelPathError, match="not a relative path inside"):
        ModelRegistry(models_dir).load_all()


def test_a_symlink_leading_out_of_the_models_directory_is_refused(
    models_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.onnx"
    outside.write_bytes((models_dir / "crop_yield.onnx").read_bytes())
    (models_dir / "crop_yield.onnx").unlink()
    (models_dir / "crop_yield.onnx").symlink_to(outside)
    with pytest.raises(ModelPathError, match="resolves outside"):
        ModelRegistry(models_dir).load_all()
