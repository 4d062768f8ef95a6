"""Loads model files listed in model_registry.json, verifying each sha256 before loading."""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annadata_common.schemas import ResponseModel

REGISTRY_FILENAME = "model_registry.json"
SUPPORTED_FORMATS = ("onnx", "pickle")

logger = logging.getLogger(__name__)


class ModelRegistryError(Exception):
    """The registry file is missing or malformed, or a model could not be loaded."""


class ModelIntegrityError(ModelRegistryError):
    """A model file's sha256 does not match the registry."""


class PickleNotAllowedError(ModelRegistryError):
    """A pickle model was listed outside dev mode (DEV_MODE and ALLOW_PICKLE_MODELS)."""


class ModelPathError(ModelRegistryError):
    """A registry entry's file is absolute, uses `..`, or resolves outside MODELS_DIR."""


def model_path(models_dir: Path, file: object) -> Path:
    """models_dir/file, refused unless file is a relative path that stays inside models_dir."""
    text = str(file)
    relative = Path(text)
    if not text or relative.is_absolute() or ".." in relative.parts or "\\" in text:
        raise ModelPathError(
            f"{file!r} is not a relative path inside {models_dir}: registry files are named "
            "relative to model_registry.json, without `..`"
        )
    path = models_dir / relative
    # A symlink inside the directory must not lead out of it either.
    if not path.resolve().is_relative_to(models_dir.resolve()):
        raise ModelPathError(f"{path} resolves outside {models_dir} (a symlink?): refused")
    return path


class ModelDescription(ResponseModel):
    """What a service reports of one loaded model (no runtime object)."""

    name: str
    path: str
    sha256: str
    format: str
    inputs: list[str]
    description: str


@dataclass
class LoadedModel:
    """A model verified and loaded, with the facts the /models endpoint reports."""

    name: str
    path: Path
    sha256: str
    format: str
    inputs: list[str]
    description: str
    runtime: Any = field(repr=False)

    def describe(self) -> ModelDescription:
        """Public description (no runtime object)."""
        return ModelDescription(
            name=self.name,
            path=str(self.path),
            sha256=self.sha256,
            format=self.format,
            inputs=self.inputs,
            description=self.description,
        )


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_registry(models_dir: Path) -> dict[str, dict[str, Any]]:
    """Parse model_registry.json and return its "models" mapping."""
    registry_path = models_dir / REGISTRY_FILENAME
    if not registry_path.is_file():
        raise ModelRegistryError(f"model registry not found: {registry_path} (set MODELS_DIR)")
    try:
        doc = json.loads(registry_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelRegistryError(f"{registry_path} is not valid JSON: {exc}") from exc
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict) or not models:
        raise ModelRegistryError(f'{registry_path} must hold a non-empty "models" object')
    return models


def _load_runtime(path: Path, fmt: str, allow_pickle: bool) -> Any:
    if fmt == "onnx":
        import onnxruntime  # Imported here: services without models do not install it.

        return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    if fmt == "pickle":
        if not allow_pickle:
            raise PickleNotAllowedError(
                f"refusing to load pickle model {path}: unpickling runs arbitrary code from "
                "the file; only a dev machine may (DEV_MODE=true and ALLOW_PICKLE_MODELS=true)"
            )
        import pickle

        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - only in dev mode (settings.pickle_models_allowed)
    raise ModelRegistryError(f"{path}: unsupported format {fmt!r} (supported: {SUPPORTED_FORMATS})")


def load_model(
    models_dir: Path, name: str, entry: dict[str, Any], allow_pickle: bool
) -> LoadedModel:
    """Verify one registry entry's file hash, then load it."""
    try:
        file, expected, fmt = entry["file"], str(entry["sha256"]).lower(), str(entry["format"])
    except KeyError as exc:
        raise ModelRegistryError(f"model {name!r}: registry entry lacks field {exc}") from exc
    fmt = fmt.lower()
    try:
        path = model_path(models_dir, file)
    except ModelPathError as exc:
        raise ModelPathError(f"model {name!r}: {exc}") from None
    if fmt == "pickle" and not allow_pickle:
        # Checked before anything touches the file, so the refusal does not depend on it.
        _load_runtime(path, fmt, allow_pickle)
    if not path.is_file():
        raise ModelRegistryError(f"model {name!r}: file not found: {path}")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"model {name!r}: sha256 mismatch for {path}: expected {expected}, actual {actual}; "
            "the file was changed or the registry is stale (re-run scripts/train_models.py)"
        )
    runtime = _load_runtime(path, fmt, allow_pickle)
    return LoadedModel(
        name=name,
        path=path,
        sha256=actual,
        format=fmt,
        inputs=list(entry.get("inputs", [])),
        description=str(entry.get("description", "")),
        runtime=runtime,
    )


class ModelRegistry:
    """All models of one MODELS_DIR: those loaded and, for the others, why they failed."""

    def __init__(self, models_dir: str | Path, allow_pickle: bool = False) -> None:
        self.models_dir = Path(models_dir)
        self.allow_pickle = allow_pickle
        self.models: dict[str, LoadedModel] = {}
        self.errors: dict[str, str] = {}

    def load_all(self, strict: bool = True) -> "ModelRegistry":
        """Load every listed model; raise on the first failure if strict, else record it."""
        self.models.clear()
        self.errors.clear()
        try:
            entries = read_registry(self.models_dir)
        except ModelRegistryError as exc:
            if strict:
                raise
            self.errors["<registry>"] = str(exc)
            logger.error("model registry unreadable", extra={"error": str(exc)})
            return self
        for name, entry in entries.items():
            try:
                self.models[name] = load_model(self.models_dir, name, entry, self.allow_pickle)
            except ModelRegistryError as exc:
                if strict:
                    raise
                self.errors[name] = str(exc)
                logger.error("model not loaded", extra={"model": name, "error": str(exc)})
            else:
                logger.info(
                    "model loaded",
                    extra={
                        "model": name,
                        "path": str(self.models[name].path),
                        "sha256": self.models[name].sha256,
                    },
                )
        return self

    def get(self, name: str) -> LoadedModel:
        """Return a loaded model or raise ModelRegistryError saying why it is unavailable."""
        if name in self.models:
            return self.models[name]
        reason = self.errors.get(name) or self.errors.get("<registry>") or "not in registry"
        raise ModelRegistryError(f"model {name!r} is not loaded: {reason}")

    def health_detail(self) -> str:
        """For the health check: raise if any model failed, else summarise what is loaded."""
        if self.errors:
            raise ModelRegistryError("; ".join(f"{k}: {v}" for k, v in self.errors.items()))
        if not self.models:
            raise ModelRegistryError(f"no models loaded from {self.models_dir}")
        for model in self.models.values():
            # Files are mounted read-only, but a swapped file must still turn health red.
            if not model.path.is_file():
                raise ModelRegistryError(f"model file disappeared: {model.path}")
        return ", ".join(f"{m.name} sha256={m.sha256[:12]}" for m in self.models.values())
