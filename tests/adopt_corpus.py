"""Foreign repositories for the audit and adopt tests: small, each with its own git history.

Each builder writes a tree the harness did not write (the shapes of the plan's repository
and its usual variations) into a directory and commits it. Apps are tiny (fastapi and
uvicorn only) so that building their images stays quick on a 2-core runner.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
from pathlib import Path

FASTAPI = "fastapi==0.165.0"
UVICORN = "uvicorn==0.54.0"
PYDANTIC_SETTINGS = "pydantic-settings==2.16.3"


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def commit(root: Path, message: str = "initial") -> None:
    """git init (once) and commit everything, with a fixed identity."""
    env = ["-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid"]
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), *env, "commit", "-q", "--allow-empty", "-m", message], check=True
    )


SETTINGS = '''\
"""Settings for the API, from the environment."""

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    API_V1_STR: str = "/api/v1"
    MODELS_DIR: str = "src/models/saved_models"
    LOG_LEVEL: str = "INFO"


settings = Settings()
'''

PLAN_API = '''\
"""Yield API: served from the repository root as src.api.app:app."""

import json
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI

from src.config.settings import settings

app = FastAPI(
    title="yield api",
    openapi_url=f"{settings.API_V1_STR}/openapi.json",
    docs_url=f"{settings.API_V1_STR}/docs",
)
router = APIRouter(prefix=settings.API_V1_STR)


def _registry() -> dict:
    path = Path(settings.MODELS_DIR) / "model_registry.json"
    return json.loads(path.read_text()) if path.is_file() else {"models": {}}


@app.get("/status")
def status() -> dict:
    return {"status": "ok", "models": sorted(_registry()["models"])}


@router.get("/predict")
def predict(rainfall_mm: float = 800.0) -> dict:
    return {"yield_t_ha": round(1.5 + rainfall_mm / 1000, 3)}


app.include_router(router)

if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8002)
'''

PROTEIN_APP = '''\
"""Protein engineering backend: run from its own directory as app:app."""

import csv
from pathlib import Path

from fastapi import FastAPI

DATA = Path(__file__).parent / "data" / "traits.csv"
app = FastAPI(title="protein engineering")


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "traits": DATA.is_file()}


@app.get("/traits")
def traits() -> list[dict]:
    with DATA.open(newline="") as handle:
        return list(csv.DictReader(handle))
'''


def plan_monorepo(root: Path) -> Path:
    """The plan's own shape: src.api from the root, protein_lab with its CSV data.

    src/api: a package-style app run from the root, importing settings from a sibling
    package, its OpenAPI under a prefix built from settings, health at /status, pickled
    models with a registry; protein_lab/backend: an app with its own (pinned)
    requirements and CSV data beside it.
    """
    model = pickle.dumps({"coef": [0.1, 0.2], "intercept": 1.5}, protocol=4)
    registry = {
        "models": {
            "crop_yield": {
                "file": "crop_yield.pkl",
                "sha256": hashlib.sha256(model).hexdigest(),
                "format": "pickle",
            }
        }
    }
    _write(root, {
        "README.md": "# Plan monorepo\n\nRun the API: `uvicorn src.api.app:app --port 8002`\n",
        "requirements.txt": "fastapi\nuvicorn\npydantic-settings>=2\n",
        "src/__init__.py": "",
        "src/api/__init__.py": "",
        "src/api/app.py": PLAN_API,
        "src/config/__init__.py": "",
        "src/config/settings.py": SETTINGS,
        "src/models/saved_models/crop_yield.pkl": model,
        "src/models/saved_models/model_registry.json": json.dumps(registry, indent=2) + "\n",
        "protein_lab/backend/app.py": PROTEIN_APP,
        "protein_lab/backend/requirements.txt": f"{FASTAPI}\n{UVICORN}\n",
        "protein_lab/backend/data/traits.csv": "crop,protein_pct\nwheat,12.6\ngram,20.1\n",
    })  # fmt: skip
    commit(root)
    return root


POSTGRES_APP = '''\
"""Prices on Postgres: reads DATABASE_URL; /healthz checks the connection."""

import os

import psycopg
from fastapi import FastAPI, HTTPException, Path

app = FastAPI(title="msp prices")


def _connect() -> psycopg.Connection:
    return psycopg.connect(os.environ.get("DATABASE_URL", ""), connect_timeout=5)


@app.get("/healthz")
def healthz() -> dict:
    try:
        with _connect() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise HTTPException(503, f"database: {exc}") from exc
    return {"status": "ok"}


@app.get("/prices/{crop}")
def price(crop: str = Path(pattern="^[a-z]{1,20}$")) -> dict:
    with _connect() as conn:
        row = conn.execute("SELECT %s::text, 2275", (crop,)).fetchone()
    return {"crop": row[0], "rs_per_quintal": row[1]}
'''


# A real Next.js 16 app (package.json, its npm lockfile, two pages), committed as files.
NEXT_APP = Path(__file__).parent / "adopt" / "fixtures" / "next-web"


def postgres_app(root: Path) -> Path:
    """The plan's msp_mitra shape: a Postgres app (main.py) and a Next.js frontend beside it.

    msp_prices/backend needs Postgres (psycopg, DATABASE_URL); msp_prices/frontend is a
    Next.js 16 server (`next start`, Node >= 20.9) with a real lockfile.
    """
    _write(root, {
        "msp_prices/backend/main.py": POSTGRES_APP,
        "msp_prices/backend/requirements.txt":
            f"{FASTAPI}\n{UVICORN}\npsycopg[binary]==3.2.10\n",
    })  # fmt: skip
    for source in sorted(NEXT_APP.rglob("*")):
        if source.is_file():
            target = root / "msp_prices/frontend" / source.relative_to(NEXT_APP)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    commit(root)
    return root


def _package(name: str, deps: dict[str, str], scripts: dict[str, str], **extra: object) -> str:
    data = {"name": name, "private": True, "scripts": scripts, "dependencies": deps, **extra}
    return json.dumps(data, indent=2) + "\n"


def _lock(name: str, packages: dict[str, dict[str, object]]) -> str:
    data = {
        "name": name,
        "lockfileVersion": 3,
        "requires": True,
        "packages": {"": {"name": name}, **packages},
    }
    return json.dumps(data, indent=2) + "\n"


def frontends(root: Path) -> Path:
    """A Next.js 16 frontend, a Vite frontend, and one with a platform-only dependency."""
    _write(root, {
        "web/package.json": _package(
            "web", {"next": "^16.0.0", "react": "^19.0.0", "react-dom": "^19.0.0"},
            {"dev": "next dev", "build": "next build", "start": "next start"},
        ),
        "web/package-lock.json": _lock("web", {"node_modules/next": {"version": "16.0.0"}}),
        "vite-app/package.json": _package(
            "vite-app", {"vite": "^7.1.0"}, {"dev": "vite", "build": "vite build"},
        ),
        "vite-app/package-lock.json": _lock(
            "vite-app", {"node_modules/vite": {"version": "7.1.0"}}
        ),
        "mac-only/package.json": _package(
            "mac-only", {"vite": "^6.0.0", "fsevents": "^2.3.3"},
            {"dev": "vite", "build": "vite build"}, engines={"node": ">=20"},
        ),
        "mac-only/package-lock.json": _lock("mac-only", {
            "node_modules/vite": {"version": "6.0.0"},
            "node_modules/fsevents": {"version": "2.3.3", "os": ["darwin"]},
        }),
    })  # fmt: skip
    commit(root)
    return root


def not_servers(root: Path) -> Path:
    """A Flask app and a bare script: reported, not adopted."""
    _write(root, {
        "legacy/app.py": (
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
            '@app.route("/")\ndef index():\n    return "hi"\n'
        ),
        "legacy/requirements.txt": "flask==3.1.2\n",
        "tools/main.py": (
            "import sys\n\n\ndef main() -> int:\n    print('training')\n    return 0\n\n\n"
            'if __name__ == "__main__":\n    sys.exit(main())\n'
        ),
    })  # fmt: skip
    commit(root)
    return root


def no_services(root: Path) -> Path:
    """A tree with nothing to serve (and a symlink loop, which the walk must not follow)."""
    _write(root, {"README.md": "# notes\n", "notes/todo.txt": "nothing here\n"})
    (root / "loop").symlink_to(root / "loop")
    commit(root)
    return root


def broken(root: Path) -> Path:
    """One app whose import fails, one whose requirements do not resolve."""
    _write(root, {
        "gpu/app.py": (
            "from fastapi import FastAPI\n\n"
            'raise RuntimeError("needs a GPU driver")\n\napp = FastAPI()\n'
        ),
        "gpu/requirements.txt": f"{FASTAPI}\n{UVICORN}\n",
        "pinned_wrong/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        "pinned_wrong/requirements.txt": f"{FASTAPI}\nuvicorn==0.0.0\n",
    })  # fmt: skip
    commit(root)
    return root


def big_tree(root: Path, files: int = 10_000) -> Path:
    """A small app beside a node_modules of `files` files (skipped, so the walk stays short)."""
    _write(root, {
        "api/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        "api/requirements.txt": f"{FASTAPI}\n{UVICORN}\n",
        ".gitignore": "node_modules/\n",
    })  # fmt: skip
    modules = root / "node_modules"
    for index in range(files):
        folder = modules / f"pkg{index // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index}.js").write_text("module.exports = 1;\n")
    commit(root)
    return root
