"""Where things live in the repository; every other module asks here."""

from __future__ import annotations

import os
from pathlib import Path

from harness.errors import HarnessError

REGISTRY_FILE = "services.json"
REGISTRY_SCHEMA = "infra/schemas/services.schema.json"
PROVISION_SCRIPT = "infra/scripts/provision-docker.sh"
BASES_DIR = "infra/bases"
BASES_MANIFEST = "infra/bases/stand-ins.toml"
# Generated, per machine, gitignored: never hand-edited.
STATE_DIR = ".annadata"
NO_REGISTRY_ENV_FILE = ".annadata/no-registry.env"


def repo_root(start: Path | None = None) -> Path:
    """The repository root: $ANNADATA_ROOT, else the nearest parent holding services.json."""
    if env := os.environ.get("ANNADATA_ROOT"):
        return checked_root(Path(env), "ANNADATA_ROOT")
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / REGISTRY_FILE).is_file() and (candidate / "noxfile.py").is_file():
            return candidate
    raise HarnessError(
        f"no {REGISTRY_FILE} with a noxfile.py beside it above {here}: "
        "run from inside the Annadata checkout or set ANNADATA_ROOT"
    )


def checked_root(path: Path, source: str) -> Path:
    """path resolved, if it is a directory holding services.json; source names the setting."""
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a directory"
        raise HarnessError(
            f"{source}={path}: {what}: point it at the Annadata checkout (the directory "
            f"holding {REGISTRY_FILE})"
        )
    if not (path / REGISTRY_FILE).exists():
        raise HarnessError(
            f"{source}={path}: no {REGISTRY_FILE} there: point it at the Annadata checkout"
        )
    return path.resolve()


# Hash-locked requirements of the harness's sessions, one file per set (harness.locks).
LOCKS_DIR = "infra/locks"


def harness_lock(name: str) -> str:
    """The lock file a session installs (infra/locks/<name>.txt)."""
    return f"{LOCKS_DIR}/{name}.txt"
