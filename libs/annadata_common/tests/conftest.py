"""Fixtures shared by the annadata_common tests."""

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SAVED_MODELS = REPO_ROOT / "src" / "models" / "saved_models"


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A writable copy of the committed models and registry."""
    target = tmp_path / "models"
    shutil.copytree(SAVED_MODELS, target)
    return target
